"""Statement-chain figures (report figures 36-52) and the hypothesis overview (figures 38/43/47/52).

The report's visual grammar (shared/method/README.md, "The statement-chain figures"): statements are dark
green boxes, events black boxes, each with a tab under it giving the cases in which it occurs ("n/N"); a
broken (dashed) arrow means "both-and", a straight (solid) arrow "and/or"; a light-green box at the end gives
how many cases in total had the combination. Plain data in, bytes out: no Flask, no database, no pyplot.

Same settings as ``figures.py`` (its ``RC``, ``_new_figure``, ``_save``): byte-identical SVG/PDF for the same
input, text kept as ``<text>`` in SVG, 16 cm wide, PNG at 300 dpi. Everything is placed in inches on one
axes that spans the figure (y downward from the top). Box text is wrapped by *measuring* it with the Agg
renderer, so it never sticks out of its box, and box heights grow with the lines.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

import networkx as nx
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Polygon
from matplotlib.text import Text
from matplotlib.typing import LineStyleType

from casecoder.figures.charts import (
    FAMILY_COLOR,
    FONT_PT,
    RC,
    SMALL_PT,
    TITLE_PT,
    WIDTH_IN,
    _check_format,
    _new_figure,
    _renderer,
    _save,
)

STATEMENT_COLOR, EVENT_COLOR, TOTAL_COLOR = FAMILY_COLOR, "#111111", "#cfe8d5"
DARK, TAB_FILL, LINE_COLOR = "#111111", "#f2f2f2", "#222222"
ARROW_STYLES: dict[str, LineStyleType] = {"both-and": "--", "and-or": "-"}          # dashed = both-and, solid = and/or
BOX_PT, TAB_PT = 8, 7
MARGIN, GAP, ROW_GAP, PAD = 0.15, 0.34, 0.34, 0.07       # inches
HEAD, LINESPACING, MAX_CHARS, LANE = 0.09, 1.2, 22, 0.1
DEFAULT_LEGEND = {"both_and": "dashed arrow: both-and", "and_or": "solid arrow: and/or",
                  "statement": "green box: statement", "event": "black box: event",
                  "tab": "number of cases", "combination": "Cases with the combination"}


@dataclass(frozen=True)
class ChainBox:
    key: str            # code key, e.g. "ST.1"
    label: str          # the statement text, may be long
    kind: str           # "statement" | "event" | anything else (drawn like a statement)
    n: int              # cases in which this node occurs under the chain's scope
    N: int              # the scope's denominator


def _size(fig: Figure, text: str, size: float, bold: bool = False) -> tuple[float, float]:
    """Rendered width and height of ``text`` (possibly multi-line) in inches."""
    artist = fig.text(0, 0, text, fontsize=size, fontweight="bold" if bold else "normal", linespacing=LINESPACING)
    box = artist.get_window_extent(_renderer(fig))
    artist.remove()
    return box.width / fig.dpi, box.height / fig.dpi


def _hyphenate(fig: Figure, text: str, size: float, width: float, bold: bool) -> str:
    """``text`` with every word wider than ``width`` cut into pieces ending in "-" that fit."""
    words = []
    for word in text.split():
        while len(word) > 1 and _size(fig, word, size, bold)[0] > width:
            k = 1
            while k + 1 < len(word) and _size(fig, word[:k + 1] + "-", size, bold)[0] <= width:
                k += 1
            words.append(word[:k] + "-")
            word = word[k:]
        words.append(word)
    return " ".join(words)


def _fit(fig: Figure, parts: list[str], size: float, width: float, most: int = MAX_CHARS,
         bold: bool = False) -> str:
    """``parts`` each wrapped at the most characters per line (<= ``most``) that fit ``width`` inches;
    a word too wide for any line is hyphenated."""
    parts = [part for part in parts if part]
    for attempt in (parts, [_hyphenate(fig, part, size, width, bold) for part in parts]):
        for chars in range(most, 2, -1):
            wrapped = "\n".join(line for part in attempt for line in textwrap.wrap(part, chars, break_long_words=False))
            if _size(fig, wrapped, size, bold)[0] <= width:
                return wrapped
    return "\n".join(line for part in parts for line in textwrap.wrap(part, 1))


def _axes(fig: Figure, height: float) -> Axes:
    fig.set_size_inches(WIDTH_IN, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH_IN)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return ax


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str, face: str, *, color: str = "white",
         edge: str | None = None, size: float = BOX_PT, bold: bool = False) -> tuple[FancyBboxPatch, Text]:
    patch = FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.04", facecolor=face,
                           edgecolor=edge or face, linewidth=0.6 if edge else 0)
    ax.add_patch(patch)
    label = ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", multialignment="center", fontsize=size,
                    color=color, fontweight="bold" if bold else "normal", linespacing=LINESPACING)
    return patch, label


def _arrow(ax: Axes, points: list[tuple[float, float]], style: LineStyleType, gid: str) -> None:
    """A polyline ending in a solid filled head; the shaft (one path, id ``gid``) dashed or solid."""
    (xa, ya), (xb, yb) = points[-2], points[-1]
    length = math.hypot(xb - xa, yb - ya)
    ux, uy = (xb - xa) / length, (yb - ya) / length
    bx, by = xb - ux * HEAD, yb - uy * HEAD
    shaft = points[:-1] + [(bx, by)]
    ax.add_line(Line2D([p[0] for p in shaft], [p[1] for p in shaft], linestyle=style, linewidth=1.1,
                       color=LINE_COLOR, dash_capstyle="butt", solid_capstyle="butt", gid=gid))
    w = HEAD * 0.45
    ax.add_patch(Polygon([(xb, yb), (bx - uy * w, by + ux * w), (bx + uy * w, by - ux * w)], closed=True,
                         facecolor=LINE_COLOR, edgecolor="none", linewidth=0, gid=f"{gid}-head"))


def _validate(boxes: list[ChainBox], arrows: list[str]) -> None:
    if not 2 <= len(boxes) <= 8:
        raise ValueError(f"a statement chain has 2 to 8 boxes, not {len(boxes)}")
    if len(arrows) != len(boxes) - 1:
        raise ValueError(f"{len(boxes)} boxes need {len(boxes) - 1} arrows, not {len(arrows)}")
    unknown = sorted(set(arrows) - set(ARROW_STYLES))
    if unknown:
        raise ValueError(f"unknown arrow kind {unknown[0]!r}; use 'both-and' or 'and-or'")


def _legend_rows(fig: Figure, legend: dict[str, str]) -> list[list[tuple[str, str, float, float]]]:
    """Legend entries (kind, text, sample width, entry width) flowed into lines that fit the width."""
    avail, x = WIDTH_IN - 2 * MARGIN, 0.0
    rows: list[list[tuple[str, str, float, float]]] = [[]]
    for kind, sample in (("both_and", 0.38), ("and_or", 0.38), ("statement", 0.16), ("event", 0.16), ("tab", 0.3)):
        text = _fit(fig, [legend.get(kind, DEFAULT_LEGEND[kind])], SMALL_PT, avail - sample - 0.06, most=200)
        width = sample + 0.06 + _size(fig, text, SMALL_PT)[0]
        if rows[-1] and x + width > avail:
            rows.append([])
            x = 0.0
        rows[-1].append((kind, text, sample, width))
        x += width + 0.25
    return rows


def _draw_chain(boxes: list[ChainBox], arrows: list[str], *, combination_n: int, combination_N: int, formula: str,
                title: str, caption: str, legend: dict[str, str]) -> tuple[Figure, list[tuple[FancyBboxPatch, Text]]]:
    """The chain figure (caller holds the rc_context) and its (patch, text) pairs: boxes, total, tabs."""
    _validate(boxes, arrows)
    legend = {**DEFAULT_LEGEND, **legend}
    fig = _new_figure(1.0)                                   # measure first, then size the figure
    rows = 1 if len(boxes) <= 4 else 2
    cols = math.ceil((len(boxes) + 1) / rows)
    bw = (WIDTH_IN - 2 * MARGIN - (cols - 1) * GAP) / cols
    texts = [_fit(fig, [b.key, b.label], BOX_PT, bw - 2 * PAD) for b in boxes]
    total = _fit(fig, [f"{combination_n}/{combination_N}", legend["combination"]], BOX_PT, bw - 2 * PAD,
                 bold=True)
    bh = max([_size(fig, t, BOX_PT)[1] for t in texts] + [_size(fig, total, BOX_PT, True)[1]]) + 2 * PAD
    tabs = [(f"{b.n}/{b.N}", *_size(fig, f"{b.n}/{b.N}", TAB_PT)) for b in boxes]
    th = max(h for _, _, h in tabs) + 0.06
    width = WIDTH_IN - 2 * MARGIN
    title_text = _fit(fig, [title], TITLE_PT, width, most=90, bold=True)
    formula_text = _fit(fig, [formula], FONT_PT, width, most=110)
    caption_text = _fit(fig, [caption], SMALL_PT, width, most=125)
    legend_rows = _legend_rows(fig, legend)
    line_h = _size(fig, "Ågy", SMALL_PT)[1] + 0.08
    legend_hs = [max([line_h] + [_size(fig, e[1], SMALL_PT)[1] + 0.08 for e in row]) for row in legend_rows]

    top = 0.12 + _size(fig, title_text, TITLE_PT, True)[1] + 0.2
    chain_bottom = top + rows * (bh + th) + (rows - 1) * ROW_GAP
    y_formula = chain_bottom + 0.22
    y_legend = y_formula + _size(fig, formula_text, FONT_PT)[1] + 0.12
    y_caption = y_legend + sum(legend_hs) + 0.06
    ax = _axes(fig, y_caption + _size(fig, caption_text, SMALL_PT)[1] + MARGIN)

    ax.text(MARGIN, 0.12, title_text, fontsize=TITLE_PT, fontweight="bold", va="top", ha="left",
            linespacing=LINESPACING)
    place = [(MARGIN + (i % cols) * (bw + GAP), top + (i // cols) * (bh + th + ROW_GAP))
             for i in range(len(boxes) + 1)]
    pairs: list[tuple[FancyBboxPatch, Text]] = []
    tab_pairs: list[tuple[FancyBboxPatch, Text]] = []
    for (x, y), box, text, (tab, tw, _) in zip(place, boxes, texts, tabs):
        face = EVENT_COLOR if box.kind == "event" else STATEMENT_COLOR
        pairs.append(_box(ax, x, y, bw, bh, text, face))
        tab_w = tw + 0.1
        tab_x = max(x, min(x + (bw - tab_w) / 2, x + bw - 0.16 - tab_w))  # leave room for a row connector
        tab_pairs.append(_box(ax, tab_x, y + bh, tab_w, th, tab, TAB_FILL, color=DARK, edge="#555555",
                              size=TAB_PT))
    (x, y) = place[-1]
    pairs.append(_box(ax, x, y, bw, bh, total, TOTAL_COLOR, color=DARK, edge=STATEMENT_COLOR, bold=True))
    ax.text(x - GAP / 2, y + bh / 2, "=", ha="center", va="center", fontsize=FONT_PT + 3, fontweight="bold",
            color=LINE_COLOR)
    for i, kind in enumerate(arrows):
        (xa, ya), (xb, yb) = place[i], place[i + 1]
        if ya == yb:
            points = [(xa + bw + 0.03, ya + bh / 2), (xb - 0.03, yb + bh / 2)]
        else:                                                # down from row 1's end, to row 2's start
            sx, mid = xa + bw - 0.1, ya + bh + th + ROW_GAP / 2
            points = [(sx, ya + bh), (sx, mid), (xb + bw / 2, mid), (xb + bw / 2, yb)]
        _arrow(ax, points, ARROW_STYLES[kind], f"chain-arrow-{i}")

    ax.text(MARGIN, y_formula, formula_text, fontsize=FONT_PT, va="top", ha="left", linespacing=LINESPACING)
    y = y_legend
    for row, row_h in zip(legend_rows, legend_hs):
        x, mid = MARGIN, y + row_h / 2
        for kind, text, sample, entry_w in row:
            if kind in ("both_and", "and_or"):
                _arrow(ax, [(x, mid), (x + sample, mid)], ARROW_STYLES[kind.replace("_", "-")], f"legend-{kind}")
            elif kind == "tab":
                _box(ax, x, mid - 0.08, sample, 0.16, "n/N", TAB_FILL, color=DARK, edge="#555555", size=TAB_PT)
            else:
                _box(ax, x, mid - 0.08, sample, 0.16, "", EVENT_COLOR if kind == "event" else STATEMENT_COLOR)
            ax.text(x + sample + 0.06, mid, text, fontsize=SMALL_PT, va="center", ha="left", linespacing=LINESPACING)
            x += entry_w + 0.25
        y += row_h
    ax.text(MARGIN, y_caption, caption_text, fontsize=SMALL_PT, va="top", ha="left", color="#333333",
            linespacing=LINESPACING)
    return fig, pairs + tab_pairs


def chain_figure(boxes: list[ChainBox], arrows: list[str], *, combination_n: int, combination_N: int,
                 formula: str, title: str, caption: str, legend: dict[str, str], fmt: str = "svg") -> bytes:
    """A statement chain left to right (two rows above 4 boxes), its total, formula, legend and caption."""
    _check_format(fmt)
    with rc_context(RC):
        fig, _ = _draw_chain(boxes, arrows, combination_n=combination_n, combination_N=combination_N,
                             formula=formula, title=title, caption=caption, legend=legend)
        return _save(fig, fmt)


Extent = tuple[float, float, float, float]


def _extents(boxes: list[ChainBox], arrows: list[str], **texts: str) -> list[tuple[Extent, Extent]]:
    args: dict[str, Any] = {"combination_n": 0, "combination_N": 0, "formula": "", "title": "", "caption": "", "legend": {}}
    with rc_context(RC):
        fig, pairs = _draw_chain(boxes, arrows, **{**args, **texts})
        fig.canvas.draw()
        renderer, h = _renderer(fig), fig.get_figheight()
        out: list[tuple[Extent, Extent]] = []
        for pair in pairs:
            bbs = [artist.get_window_extent(renderer) for artist in pair]
            box, text = ((b.x0 / fig.dpi, h - b.y1 / fig.dpi, b.x1 / fig.dpi, h - b.y0 / fig.dpi) for b in bbs)
            out.append((box, text))
        fig.clear()
        return out


def chain_layout(boxes: list[ChainBox], arrows: list[str], **texts: str) -> list[Extent]:
    """Rendered extents (x0, y0, x1, y1; inches from the figure's top left) of every box drawn: the chain's
    boxes in order, then the combination box, then the tab under each chain box."""
    return [box for box, _ in _extents(boxes, arrows, **texts)]


def chain_text_layout(boxes: list[ChainBox], arrows: list[str], **texts: str) -> list[Extent]:
    """Rendered extents of the text inside each box of :func:`chain_layout`, in the same order."""
    return [text for _, text in _extents(boxes, arrows, **texts)]


def _feedback_edges(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """Edges pointing backwards in a greedy Eades-Lin-Smyth order (sinks last, sources first, else the
    node with the most outgoing over incoming edges; ties by key): removing them breaks every cycle."""
    rest = graph.copy()
    head: list[str] = []
    tail: list[str] = []
    rest.remove_edges_from(list(nx.selfloop_edges(rest)))
    while len(rest):
        sinks = sorted(n for n in rest if rest.out_degree(n) == 0)
        sources = sorted(n for n in rest if rest.in_degree(n) == 0)
        pick = sinks[0] if sinks else sources[0] if sources else min(
            rest, key=lambda n: (rest.in_degree(n) - rest.out_degree(n), n))
        if sinks:
            tail.insert(0, pick)
        else:
            head.append(pick)
        rest.remove_node(pick)
    order = {n: i for i, n in enumerate(head + tail)}
    return [(a, b) for a, b in graph.edges if order[a] >= order[b]]


def overview_layers(keys: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Layer per key: the longest path from a source; with a cycle, first drop the feedback edges."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(keys))
    graph.add_edges_from(sorted(set(edges)))
    if not nx.is_directed_acyclic_graph(graph):
        graph.remove_edges_from(_feedback_edges(graph))
    return {key: i for i, generation in enumerate(nx.topological_generations(graph)) for key in generation}


def overview_figure(nodes: list[tuple[str, str, str, str]], edges: list[tuple[str, str]], *, title: str,
                    caption: str, fmt: str = "svg") -> bytes:
    """Nodes (key, label, kind, annotation) in layers left to right, stacked by key; leads_to edges as solid
    arrows (self-loops are not drawn). The outcome ("theme") is a light-green box; events black."""
    _check_format(fmt)
    keys = [node[0] for node in nodes]
    if not nodes or len(set(keys)) != len(keys):
        raise ValueError("an overview needs nodes with distinct keys")
    unknown = sorted({k for edge in edges for k in edge} - set(keys))
    if unknown:
        raise ValueError(f"edges name nodes that do not exist: {', '.join(unknown)}")
    layer = overview_layers(keys, edges)
    n_layers = max(layer.values()) + 1
    gap = 0.45
    cw = (WIDTH_IN - 2 * MARGIN - (n_layers - 1) * gap) / n_layers
    with rc_context(RC):
        fig = _new_figure(1.0)
        sizes = {}
        for key, label, kind, note in nodes:
            text = _fit(fig, [key, label], BOX_PT, cw - 2 * PAD)
            note_text = _fit(fig, [note], TAB_PT, cw - 0.1, most=40) if note else ""
            th = _size(fig, note_text, TAB_PT)[1] + 0.06 if note else 0.0
            tw = _size(fig, note_text, TAB_PT)[0] + 0.1 if note else 0.0
            sizes[key] = (text, _size(fig, text, BOX_PT)[1] + 2 * PAD, kind, note_text, tw, th)
        columns = [sorted(k for k in keys if layer[k] == i) for i in range(n_layers)]
        heights = [sum(sizes[k][1] + sizes[k][5] for k in col) + 0.22 * (len(col) - 1) for col in columns]
        links = [(a, b) for a, b in sorted(set(edges)) if a != b]
        below = [e for e in links if layer[e[1]] - layer[e[0]] > 1]      # skip layers: lanes under the boxes
        above = [e for e in links if layer[e[1]] <= layer[e[0]]]         # against the layers: lanes above
        title_text = _fit(fig, [title], TITLE_PT, WIDTH_IN - 2 * MARGIN, most=90, bold=True)
        caption_text = _fit(fig, [caption], SMALL_PT, WIDTH_IN - 2 * MARGIN, most=125)
        top = 0.12 + _size(fig, title_text, TITLE_PT, True)[1] + 0.25 + LANE * len(above)
        bottom = top + max(heights) + LANE * len(below)
        y_caption = bottom + 0.25
        ax = _axes(fig, y_caption + _size(fig, caption_text, SMALL_PT)[1] + MARGIN)
        ax.text(MARGIN, 0.12, title_text, fontsize=TITLE_PT, fontweight="bold", va="top", ha="left",
                linespacing=LINESPACING)
        place = {}
        for i, (col, col_h) in enumerate(zip(columns, heights)):
            x, y = MARGIN + i * (cw + gap), top + (max(heights) - col_h) / 2
            for key in col:
                text, bh, kind, note_text, tw, th = sizes[key]
                face, color = {"event": (EVENT_COLOR, "white"), "theme": (TOTAL_COLOR, DARK)}.get(
                    kind, (STATEMENT_COLOR, "white"))
                _box(ax, x, y, cw, bh, text, face, color=color, edge=STATEMENT_COLOR if kind == "theme" else None)
                if note_text:
                    _box(ax, x + (cw - tw) / 2, y + bh, tw, th, note_text, TAB_FILL, color=DARK, edge="#555555",
                         size=TAB_PT)
                place[key] = (x, y, bh)
                y += bh + th + 0.22
        ports: dict[tuple[str, str], list[int]] = {}         # (key, side) -> edges attached there, top down
        for i, (a, b) in enumerate(links):
            back = (a, b) in above
            ports.setdefault((a, "L" if back else "R"), []).append(i)
            ports.setdefault((b, "R" if back else "L"), []).append(i)
        for (key, _), slots in ports.items():
            slots.sort(key=lambda i: (place[links[i][1] if links[i][0] == key else links[i][0]][1], i))

        def port(key: str, side: str, i: int) -> tuple[float, float]:
            (x, y, bh), slots = place[key], ports[(key, side)]
            return x + (cw if side == "R" else 0), y + bh * (slots.index(i) + 1) / (len(slots) + 1)

        for i, (a, b) in enumerate(links):
            g1, g2 = gap * (0.25 + 0.12 * (i % 3)), gap * (0.55 + 0.1 * (i % 3))  # in the gaps between layers
            if (a, b) in above:
                (xa, ya), (xb, yb) = port(a, "L", i), port(b, "R", i)
                lane = top - LANE * (above.index((a, b)) + 0.6)
                points = [(xa, ya), (xa - g1, ya), (xa - g1, lane), (xb + g2, lane), (xb + g2, yb), (xb, yb)]
            else:
                (xa, ya), (xb, yb) = port(a, "R", i), port(b, "L", i)
                if (a, b) in below:
                    lane = top + max(heights) + LANE * (below.index((a, b)) + 0.6)
                    points = [(xa, ya), (xa + g1, ya), (xa + g1, lane), (xb - g2, lane), (xb - g2, yb), (xb, yb)]
                else:
                    points = [(xa, ya), (xb, yb)]
            _arrow(ax, points, "-", f"edge-{i}")
        ax.text(MARGIN, y_caption, caption_text, fontsize=SMALL_PT, va="top", ha="left", color="#333333",
                linespacing=LINESPACING)
        return _save(fig, fmt)
