"""Statement-chain figures (report figures 36-52); the hypothesis overview is in ``overview.py``.

The report's visual grammar (shared/method/README.md, "The statement-chain figures"): statements are dark
green boxes, events black boxes, mechanisms (and any other kind of code) white boxes with a green border,
each with a tab under it giving the cases in which it occurs ("n/N"); a broken (dashed) arrow means
"both-and", a straight (solid) arrow "and/or"; a light-green box at the end gives how many cases in total had
the combination. Plain data in, bytes out: no Flask, no database, no pyplot.

Same settings as ``charts.py`` (its ``RC``, ``_new_figure``, ``_save``): byte-identical SVG/PDF for the same
input, text kept as ``<text>`` in SVG, 16 cm wide, PNG at 300 dpi. Everything is placed in inches on one
axes that spans the figure (y downward from the top). Box text is wrapped by *measuring* it with the Agg
renderer, so it never sticks out of its box, and box heights grow with the lines. Words are never broken
or hyphenated: a word too wide for its box makes the box text smaller; lines are wrapped evenly.
"""
from __future__ import annotations

import math
import textwrap
import weakref
from dataclasses import dataclass
from typing import Any

from matplotlib import rc_context, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Polygon
from matplotlib.text import Text
from matplotlib.typing import LineStyleType, RcKeyType

from casecoder.figures import memo
from casecoder.figures.charts import (
    FAMILY_COLOR,
    FONT_PT,
    FORMATS,
    RC,
    SMALL_PT,
    TITLE_PT,
    WIDTH_IN,
    _check_format,
    _new_figure,
    _renderer,
)
from casecoder.figures.output import save

STATEMENT_COLOR, EVENT_COLOR, TOTAL_COLOR = FAMILY_COLOR, "#111111", "#cfe8d5"
DARK, TAB_FILL, LINE_COLOR = "#111111", "#f2f2f2", "#222222"
ARROW_STYLES: dict[str, LineStyleType] = {"both-and": "--", "and-or": "-"}          # dashed = both-and, solid = and/or
BOX_PT, TAB_PT = 8, 7
MARGIN, GAP, ROW_GAP, PAD = 0.15, 0.34, 0.34, 0.07       # inches
HEAD, LINESPACING, MAX_CHARS, LANE = 0.09, 1.2, 22, 0.1
MIN_PT, LEAST_PT = 6, 3                                  # box text shrinks to 6 pt for a long word, one box to 3 pt
DEFAULT_LEGEND = {"both_and": "dashed arrow: both-and", "and_or": "solid arrow: and/or",
                  "statement": "green box: statement", "mechanism": "outlined box: mechanism or other code",
                  "event": "black box: event", "tab": "number of cases", "combination": "Cases with the combination"}


@dataclass(frozen=True)
class ChainBox:
    key: str            # code key, e.g. "ST.1"
    label: str          # the statement text, may be long
    kind: str           # "statement" | "event" | anything else (drawn like a statement)
    n: int              # cases in which this node occurs under the chain's scope
    N: int              # the scope's denominator


# What a measurement depends on besides the text, its size and weight: the figure's dpi and the settings that
# choose the font and shape the glyphs (every caller holds ``rc_context(RC)``, so in practice one key)
_TEXT_RC: tuple[RcKeyType, ...] = (
    "font.family", "font.sans-serif", "font.serif", "font.monospace", "font.style", "font.variant", "font.weight",
    "font.stretch", "text.hinting", "text.hinting_factor", "text.kerning_factor", "text.parse_math", "text.usetex")
_FONT_KEYS: weakref.WeakKeyDictionary[Figure, tuple[Any, ...]] = weakref.WeakKeyDictionary()
_MEASURED: dict[tuple[Any, ...], Any] = {}   # measurements and wrapped texts, per process
_MEASURED_MAX = 20_000                        # a cap on the memo (a few MB); emptied when full


def _font_key(fig: Figure) -> tuple[Any, ...]:
    """The dpi and font settings ``fig`` measures with (read once per figure: it is laid out in one rc_context)."""
    key = _FONT_KEYS.get(fig)
    if key is None:
        key = _FONT_KEYS[fig] = (fig.dpi, *(_frozen(rcParams[name]) for name in _TEXT_RC))
    return key


def _remember(key: tuple[Any, ...], value: Any) -> Any:
    if len(_MEASURED) >= _MEASURED_MAX:
        _MEASURED.clear()
    _MEASURED[key] = value
    return value


def _size(fig: Figure, text: str, size: float, bold: bool = False) -> tuple[float, float]:
    """Rendered width and height of ``text`` (possibly multi-line) in inches. Remembered per process: the
    same text, size, weight, dpi and font settings always measure the same (wrapping tries many widths, and
    every figure of a chain bundle and every request measures the same labels again)."""
    key = ("size", text, size, bold, *_font_key(fig))
    found = _MEASURED.get(key)
    if found is None:
        artist = fig.text(0, 0, text, fontsize=size, fontweight="bold" if bold else "normal",
                          linespacing=LINESPACING)
        box = artist.get_window_extent(_renderer(fig))
        artist.remove()
        found = _remember(key, (box.width / fig.dpi, box.height / fig.dpi))
    return found


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _lines(text: str, chars: int, cut: bool = False) -> list[str]:
    return textwrap.wrap(text, chars, break_long_words=cut, break_on_hyphens=False)


def _fits(fig: Figure, lines: list[str], size: float, bold: bool, width: float) -> bool:
    """Whether ``lines`` set as one text are at most ``width`` inches wide: its width is its widest line's, so the lines
    are measured one by one up to the first too wide (a wrapping that does not fit is seldom measured whole)."""
    return all(_size(fig, line, size, bold)[0] <= width for line in lines)


def _fit(fig: Figure, parts: list[str], size: float, width: float, most: int = MAX_CHARS,
         bold: bool = False, even: bool = True) -> str:
    """``parts`` each wrapped at the most characters per line (<= ``most``) that fit ``width`` inches, then
    (``even``: box labels) evened out: as narrow as the same number of lines allows. Words are never broken
    (unless one is wider than ``width`` at ``size``: then it is cut, without a hyphen, the last resort).
    Remembered per process, as ``_size``."""
    key = ("fit", tuple(parts), size, width, most, bold, even, *_font_key(fig))
    found = _MEASURED.get(key)
    if found is not None:
        return found
    wrapped = []
    for part in (part for part in parts if part):
        chars = next((c for c in range(most, 0, -1) if _fits(fig, _lines(part, c), size, bold, width)), 0)
        if not chars:                          # a word too wide even at the smallest size: cut (never hyphenated)
            chars = next((c for c in range(most, 0, -1) if _fits(fig, _lines(part, c, True), size, bold, width)), 1)
            wrapped += _lines(part, chars, True)
            continue
        count = len(_lines(part, chars))
        while even and chars > 1 and len(_lines(part, chars - 1)) == count:
            chars -= 1
        wrapped += _lines(part, chars)
    return _remember(key, "\n".join(wrapped))


def _word_size(fig: Figure, texts: list[str], width: float, bold: bool = False, least: float = MIN_PT) -> float:
    """The largest font size <= BOX_PT, in half points down to ``least``, at which the widest word of
    ``texts`` fits ``width`` (0 if none does)."""
    words = sorted({w for text in texts for w in text.split()}, key=lambda w: (-len(w), w))[:8]
    if not words:
        return BOX_PT
    widest = max(words, key=lambda w: (_size(fig, w, BOX_PT, bold)[0], w))
    sizes = [BOX_PT - i / 2 for i in range(int(2 * (BOX_PT - least)) + 1)]
    return next((size for size in sizes if _size(fig, widest, size, bold)[0] <= width), 0.0)


def _axes(fig: Figure, height: float) -> Axes:
    fig.set_size_inches(WIDTH_IN, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH_IN)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return ax


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str, face: str, *, color: str = "white",
         edge: str | None = None, size: float = BOX_PT, bold: bool = False,
         width: float = 0.6) -> tuple[FancyBboxPatch, Text]:
    patch = FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.04", facecolor=face,
                           edgecolor=edge or face, linewidth=width if edge else 0)
    ax.add_artist(patch)   # not add_patch: the limits are set, and its data-limit pass cost ~15 % of a chain
    label = ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", multialignment="center", fontsize=size,
                    color=color, fontweight="bold" if bold else "normal", linespacing=LINESPACING)
    return patch, label


def _kind_box(ax: Axes, x: float, y: float, w: float, h: float, text: str, look: str,
              size: float) -> tuple[FancyBboxPatch, Text]:
    """A statement (dark green), event (black) or mechanism box (white, green border)."""
    if look == "mechanism":
        return _box(ax, x, y, w, h, text, "white", color=DARK, edge=STATEMENT_COLOR, size=size, width=1.4)
    return _box(ax, x, y, w, h, text, EVENT_COLOR if look == "event" else STATEMENT_COLOR, size=size)


def _arrow(ax: Axes, points: list[tuple[float, float]], style: LineStyleType, gid: str) -> None:
    """A polyline ending in a solid filled head; the shaft (one path, id ``gid``) dashed or solid."""
    (xa, ya), (xb, yb) = points[-2], points[-1]
    length = math.hypot(xb - xa, yb - ya)
    ux, uy = (xb - xa) / length, (yb - ya) / length
    bx, by = xb - ux * HEAD, yb - uy * HEAD
    shaft = points[:-1] + [(bx, by)]
    ax.add_artist(Line2D([p[0] for p in shaft], [p[1] for p in shaft], linestyle=style, linewidth=1.1,
                       color=LINE_COLOR, dash_capstyle="butt", solid_capstyle="butt", gid=gid))
    w = HEAD * 0.45
    ax.add_artist(Polygon([(xb, yb), (bx - uy * w, by + ux * w), (bx + uy * w, by - ux * w)], closed=True,
                         facecolor=LINE_COLOR, edgecolor="none", linewidth=0, gid=f"{gid}-head"))


def _validate(boxes: list[ChainBox], arrows: list[str]) -> None:
    if not 2 <= len(boxes) <= 8:
        raise ValueError(f"a statement chain has 2 to 8 boxes, not {len(boxes)}")
    if len(arrows) != len(boxes) - 1:
        raise ValueError(f"{len(boxes)} boxes need {len(boxes) - 1} arrows, not {len(arrows)}")
    unknown = sorted(set(arrows) - set(ARROW_STYLES))
    if unknown:
        raise ValueError(f"unknown arrow kind {unknown[0]!r}; use 'both-and' or 'and-or'")


def _look(kind: str) -> str:
    """The box a kind of code is drawn as: "statement", "event" or "mechanism" (every other kind)."""
    return kind if kind in ("statement", "event") else "mechanism"


def _legend_rows(fig: Figure, legend: dict[str, str], looks: set[str]) -> list[list[tuple[str, str, float, float]]]:
    """Legend entries (kind, text, sample width, entry width) flowed into lines that fit the width: the arrows,
    the kinds of box drawn (``looks``; at least the statement box) and the tab."""
    avail, x = WIDTH_IN - 2 * MARGIN, 0.0
    rows: list[list[tuple[str, str, float, float]]] = [[]]
    boxes = [(k, 0.16) for k in ("statement", "mechanism", "event") if k in looks or k == "statement"]
    for kind, sample in [("both_and", 0.38), ("and_or", 0.38), *boxes, ("tab", 0.3)]:
        text = _fit(fig, [legend.get(kind, DEFAULT_LEGEND[kind])], SMALL_PT, avail - sample - 0.06, most=200, even=False)
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
    inner = bw - 2 * PAD
    box_pt = max(MIN_PT, _word_size(fig, [b.label for b in boxes] + [legend["combination"]], inner, bold=True))
    sizes = [min(box_pt, _word_size(fig, [b.key, b.label], inner, least=LEAST_PT) or box_pt) for b in boxes]
    texts = [_fit(fig, [b.key, b.label], pt, inner) for b, pt in zip(boxes, sizes)]
    total = _fit(fig, [f"{combination_n}/{combination_N}", legend["combination"]], box_pt, inner, bold=True)
    bh = max([_size(fig, t, pt)[1] for t, pt in zip(texts, sizes)] + [_size(fig, total, box_pt, True)[1]]) + 2 * PAD
    tabs = [(f"{b.n}/{b.N}", *_size(fig, f"{b.n}/{b.N}", TAB_PT)) for b in boxes]
    th = max(h for _, _, h in tabs) + 0.06
    width = WIDTH_IN - 2 * MARGIN
    title_text = _fit(fig, [title], TITLE_PT, width, most=90, bold=True, even=False)
    formula_text = _fit(fig, [formula], FONT_PT, width, most=110, even=False)
    caption_text = _fit(fig, [caption], SMALL_PT, width, most=125, even=False)
    legend_rows = _legend_rows(fig, legend, {_look(b.kind) for b in boxes})
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
    for (x, y), box, text, pt, (tab, tw, _) in zip(place, boxes, texts, sizes, tabs):
        pairs.append(_kind_box(ax, x, y, bw, bh, text, _look(box.kind), pt))
        tab_w = tw + 0.1
        tab_x = max(x, min(x + (bw - tab_w) / 2, x + bw - 0.16 - tab_w))  # leave room for a row connector
        tab_pairs.append(_box(ax, tab_x, y + bh, tab_w, th, tab, TAB_FILL, color=DARK, edge="#555555",
                              size=TAB_PT))
    (x, y) = place[-1]
    pairs.append(_box(ax, x, y, bw, bh, total, TOTAL_COLOR, color=DARK, edge=STATEMENT_COLOR, bold=True, size=box_pt))
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
                _kind_box(ax, x, mid - 0.08, sample, 0.16, "", kind, BOX_PT)
            ax.text(x + sample + 0.06, mid, text, fontsize=SMALL_PT, va="center", ha="left", linespacing=LINESPACING)
            x += entry_w + 0.25
        y += row_h
    ax.text(MARGIN, y_caption, caption_text, fontsize=SMALL_PT, va="top", ha="left", color="#333333",
            linespacing=LINESPACING)
    return fig, pairs + tab_pairs


def chain_figure(boxes: list[ChainBox], arrows: list[str], *, combination_n: int, combination_N: int,
                 formula: str, title: str, caption: str, legend: dict[str, str], fmt: str = "svg") -> bytes:
    """A statement chain left to right (two rows above 4 boxes), its total, formula, legend and caption."""
    return chain_figures(boxes, arrows, combination_n=combination_n, combination_N=combination_N, formula=formula,
                         title=title, caption=caption, legend=legend, fmts=(fmt,))[fmt]


def chain_figures(boxes: list[ChainBox], arrows: list[str], *, combination_n: int, combination_N: int,
                  formula: str, title: str, caption: str, legend: dict[str, str],
                  fmts: tuple[str, ...] = FORMATS) -> dict[str, bytes]:
    """:func:`chain_figure` in each of ``fmts``, laid out once and saved once per format (a bundle's three
    files): the same bytes as one call per format, since saving draws the figure afresh each time. Kept in
    ``memo`` under everything drawn."""
    for fmt in fmts:
        _check_format(fmt)

    def draw(missing: tuple[str, ...]) -> dict[str, bytes]:
        with rc_context(RC):
            fig, _ = _draw_chain(boxes, arrows, combination_n=combination_n, combination_N=combination_N,
                                 formula=formula, title=title, caption=caption, legend=legend)
            return save(fig, missing)

    drawn = ([(b.key, b.label, b.kind, b.n, b.N) for b in boxes], arrows, combination_n, combination_N, formula,
             title, caption, legend)
    return memo.cached("chain", fmts, drawn, draw)


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
