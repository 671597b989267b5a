"""Figures for reports: the tally as a bar chart and code co-occurrence as a graph.

Drawn from plain data (``Count`` values, key/label mappings), never from a database Session, and
without Flask or pyplot: each figure is a ``matplotlib.figure.Figure`` on its own Agg canvas, so no
global figure state is kept and nothing leaks between calls. All styling lives in an
``rc_context`` for the duration of one call; global rcParams are never changed.

Output is byte-identical for the same input, across calls and processes: fixed SVG hash salt,
no dates in the metadata (SVG ``Date``, PDF ``CreationDate``), deterministic layout (fixed sizes
in inches, ``nx.circular_layout`` over the sorted keys). SVG keeps its text as ``<text>``
(``svg.fonttype = "none"``) so labels stay searchable, and names a font stack that Word and
LibreOffice users have (``FONTS``: Liberation Sans, metric twin of Arial, then Arial, Helvetica,
DejaVu Sans, sans-serif); Agg and PDF draw with the first one installed (PDF embeds it, TrueType).
Width 16 cm; PNG at 300 dpi.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

import networkx as nx
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN
from matplotlib.patches import Rectangle
from matplotlib.transforms import ScaledTranslation, Transform
from matplotlib.typing import RcKeyType

from casecoder.analysis.tally import Count
from casecoder.figures import memo
from casecoder.figures.metrics import MeasuredFigure, install
from casecoder.figures.output import save

FORMATS = ("svg", "png", "pdf")
WIDTH_IN = 6.3                      # 16 cm
FAMILY_COLOR, SYSTEM_COLOR = "#1f5f3a", "#6b7f99"
LABEL_WRAP = 38
FONT_PT, SMALL_PT, TITLE_PT = 9, 8, 11
LINE_IN = 1.25 / 72                 # one line of text per point of font size, in inches

FONTS = ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans"]   # Word users have one of the first two

RC: dict[RcKeyType, Any] = {
    # SVG names all of FONTS, then sans-serif; Agg/PDF draw with Liberation Sans, a glyph it lacks (or all, if
    # it is not installed) with the first of the others that is: fallback goes along font.family only
    "font.family": [FONTS[0], "sans-serif"],
    "font.sans-serif": FONTS[1:],
    "font.size": FONT_PT,
    "text.parse_math": False,       # a "$" in a code label is text, not mathtext
    "text.usetex": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "casecoder-figures",
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.6,
    "xtick.labelsize": SMALL_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
}


@dataclass(frozen=True)
class Bar:
    key: str          # "H1.1"
    label: str        # the code's label in the chosen language
    family: Count
    system: Count


@dataclass(frozen=True)
class Edge:
    a: str            # code keys
    b: str
    cases: int        # number of cases in which both occur
    case_keys: tuple[str, ...]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True) or [""]


def _new_figure(height_in: float) -> Figure:
    fig = MeasuredFigure(figsize=(WIDTH_IN, height_in), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, fmt: str) -> bytes:
    return save(fig, (fmt,))[fmt]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; use one of {', '.join(FORMATS)}")


def _renderer(fig: Figure) -> RendererAgg:
    """The Agg renderer of ``fig`` (every figure here sits on its own Agg canvas)."""
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    install(renderer, fig.dpi)             # the layout's measurements remembered like the drawing's (metrics.py)
    return renderer


def _text_width_in(fig: Figure, texts: list[str], size: float) -> float:
    """The widest of ``texts`` (each possibly multi-line) at ``size`` points, in inches."""
    renderer = _renderer(fig)
    widest = 0.0
    for text in texts:
        artist = fig.text(0, 0, text, fontsize=size)
        widest = max(widest, artist.get_window_extent(renderer).width / fig.dpi)
        artist.remove()
    return widest


def _points(fig: Figure, transform: Transform, dx: float, dy: float) -> Transform:
    """``transform`` shifted by (dx, dy) points."""
    return transform + ScaledTranslation(dx / 72, dy / 72, fig.dpi_scale_trans)


def _bar_axes(fig: Figure, ax: Axes, labels: list[str], axis_label: str) -> None:
    """What ``set_yticks(labels)``, ``set_xticks(0..100)``, ``xaxis.grid``, the left and bottom spines and
    ``set_xlabel`` drew, as plain artists on an axes turned off: matplotlib's tick machinery (tick objects,
    tick-label layout for the tight bounding box) cost about half the chart's time."""
    ax.set_axis_off()
    bottom = ax.get_ylim()[0]
    ticks = list(range(0, 101, 20))
    ax.vlines(ticks, -0.5, bottom, colors="#dddddd", linewidths=0.5, zorder=0.5)          # the grid, under the bars
    ax.plot([0, 0, 100], [-0.5, bottom, bottom], color=RC["axes.edgecolor"], linewidth=RC["axes.linewidth"],
            solid_capstyle="projecting", solid_joinstyle="miter", zorder=2.5, clip_on=False)   # spines
    ax.plot(ticks, [bottom] * len(ticks), linestyle="none", marker=TICKDOWN, markersize=3.5, markeredgewidth=0.8,
            color="black", zorder=2.5, clip_on=False)
    below = _points(fig, ax.transData, 0, -7)                               # tick length 3.5 + pad 3.5 points
    for x in ticks:
        ax.text(x, bottom, str(x), transform=below, ha="center", va="top", fontsize=SMALL_PT)
    for i, label in enumerate(labels):
        ax.text(0, i, label, transform=_points(fig, ax.transData, -6, 0), ha="right", va="center_baseline",
                fontsize=FONT_PT)
    if axis_label:
        ax.text(50, bottom, axis_label, transform=_points(fig, ax.transData, 0, -7 - SMALL_PT - 4), ha="center",
                va="top", fontsize=FONT_PT)


def _legend_row(fig: Figure, x_in: float, y_in: float, entries: list[tuple[str, str]]) -> None:
    """A legend row of (colour, text) entries whose bottom is ``y_in`` inches from the figure's bottom, starting at
    ``x_in``: the spacing of ``ax.legend(ncols=2, frameon=False, borderaxespad=0.3, handlelength=1.2,
    borderpad=0.2)`` above the axes, without the Legend machinery."""
    em = FONT_PT / 72                                                       # legend spacings are in font sizes
    x, mid = x_in + 0.5 * em, y_in + 0.5 * em + 0.6 * em
    for color, text in entries:
        fig.add_artist(Rectangle((x, mid - 0.35 * em), 1.2 * em, 0.7 * em, facecolor=color, linewidth=0,
                                 transform=fig.dpi_scale_trans))
        x += 2.0 * em
        fig.text(x / WIDTH_IN, mid / fig.get_figheight(), text, va="center", ha="left", fontsize=FONT_PT)
        x += _text_width_in(fig, [text], FONT_PT) + 2.0 * em


def tally_chart(bars: list[Bar], *, title: str, legend: dict[str, str], fmt: str = "svg", subtitle: str = "") -> bytes:
    """Horizontal bars of n/N per sub-mechanism: family and system side by side, "n/N" at each end.
    ``subtitle`` (under the title) says what is counted when it is not all evidence. Kept in ``memo`` under
    everything drawn (a bar's case keys are not drawn)."""
    _check_format(fmt)
    drawn = ([(b.key, b.label, b.family.n, b.family.N, b.system.n, b.system.N) for b in bars], title, legend, subtitle)
    return memo.cached("tally", (fmt,), drawn,
                       lambda fmts: {fmt: _tally_chart(bars, title=title, legend=legend, fmt=fmt, subtitle=subtitle)})[fmt]


def _tally_chart(bars: list[Bar], *, title: str, legend: dict[str, str], fmt: str, subtitle: str) -> bytes:
    labels = ["\n".join(_wrap(f"{b.key}  {b.label}", LABEL_WRAP)) for b in bars]
    lines = max([lab.count("\n") + 1 for lab in labels] or [1])
    group_in = max(0.46, lines * FONT_PT * LINE_IN + 0.16)
    title_lines = _wrap(title, 72)
    sub_lines = _wrap(subtitle, 95) if subtitle else []
    note_lines = _wrap(legend.get("note", ""), 105) if legend.get("note") else []
    title_in = 0.15 + len(title_lines) * TITLE_PT * LINE_IN
    top_in = title_in + len(sub_lines) * FONT_PT * LINE_IN + (0.05 if sub_lines else 0) + 0.35  # + legend row
    bottom_in = 0.55 + len(note_lines) * SMALL_PT * LINE_IN + 0.12          # ticks + axis label + note
    height_in = top_in + max(1, len(bars)) * group_in + bottom_in

    with rc_context(RC):
        fig = _new_figure(height_in)
        left_in = min(_text_width_in(fig, labels, FONT_PT) + 0.2, WIDTH_IN / 2) if bars else 0.6
        right_in = 0.5                                                      # room for "n/N" after 100 %
        ax = fig.add_axes((left_in / WIDTH_IN, bottom_in / height_in, 1 - (left_in + right_in) / WIDTH_IN,
                           1 - (top_in + bottom_in) / height_in))
        n = max(1, len(bars))
        ax.set_ylim(n - 0.5, -0.5)                                          # first bar at the top
        ax.set_xlim(0, 100)
        _bar_axes(fig, ax, labels, legend.get("axis", ""))
        height, offset = 0.36, 0.19
        for i, bar in enumerate(bars):
            for count, color, dy in ((bar.family, FAMILY_COLOR, -offset), (bar.system, SYSTEM_COLOR, offset)):
                share = count.share
                width = 100 * share if share is not None else 0.0
                ax.add_artist(Rectangle((0, i + dy - height / 2), width, height, facecolor=color, linewidth=0))
                ax.text(width + 1.2, i + dy, count.label(), va="center", ha="left", fontsize=SMALL_PT,
                        color="#222222", clip_on=False)
        _legend_row(fig, left_in, height_in - top_in, [(FAMILY_COLOR, legend.get("family", "family")),
                                                       (SYSTEM_COLOR, legend.get("system", "system"))])
        fig.text(0.12 / WIDTH_IN, 1 - 0.12 / height_in, "\n".join(title_lines), fontsize=TITLE_PT,
                 fontweight="bold", va="top", ha="left")
        if sub_lines:
            fig.text(0.12 / WIDTH_IN, 1 - (title_in + 0.02) / height_in, "\n".join(sub_lines), fontsize=FONT_PT,
                     va="top", ha="left", color="#222222")
        if note_lines:
            fig.text(0.12 / WIDTH_IN, 0.1 / height_in, "\n".join(note_lines), fontsize=SMALL_PT, va="bottom",
                     ha="left", color="#444444")
        return _save(fig, fmt)


def cooccurrence_graph(nodes: dict[str, str], node_cases: dict[str, int], edges: list[Edge], *, title: str,
                       fmt: str = "svg", note: str = "", N: int | None = None, no_cases: str = "no cases") -> bytes:
    """The codes on a circle (sorted by key), an edge per pair occurring together, width and number = cases.
    A node's area grows with its cases; with ``N`` it shows "n/N" under its key. A code with no cases is an
    open circle and its footer line ends in "(0/N: ``no_cases``)". Kept in ``memo`` under everything drawn."""
    _check_format(fmt)
    drawn = (nodes, node_cases, [(e.a, e.b, e.cases) for e in edges], title, note, N, no_cases)
    return memo.cached("cooccurrence", (fmt,), drawn, lambda fmts: {fmt: _cooccurrence_graph(
        nodes, node_cases, edges, title=title, fmt=fmt, note=note, N=N, no_cases=no_cases)})[fmt]


def _cooccurrence_graph(nodes: dict[str, str], node_cases: dict[str, int], edges: list[Edge], *, title: str,
                        fmt: str, note: str, N: int | None, no_cases: str) -> bytes:
    unknown = sorted({k for e in edges for k in (e.a, e.b)} - set(nodes))
    if unknown:
        raise ValueError(f"edges name codes that are not nodes: {', '.join(unknown)}")
    graph = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    for edge in sorted(edges, key=lambda e: tuple(sorted((e.a, e.b)))):
        if edge.cases > 0 and edge.a != edge.b:
            graph.add_edge(edge.a, edge.b, cases=edge.cases)
    pos = nx.circular_layout(graph) if len(graph) else {}

    def share(key: str) -> str:
        return f"{node_cases.get(key, 0)}/{N}" if N is not None else str(node_cases.get(key, 0))

    legend_lines = [line for key in sorted(nodes) for line in _wrap(
        f"{key}  {nodes[key]}" + (f" ({share(key)}: {no_cases})" if not node_cases.get(key, 0) else ""), 100)]
    note_lines = _wrap(note, 105) if note else []
    title_lines = _wrap(title, 72)
    top_in = 0.15 + len(title_lines) * TITLE_PT * LINE_IN + 0.1
    graph_in = 4.4
    footer = legend_lines + ([""] if legend_lines and note_lines else []) + note_lines
    bottom_in = 0.15 + len(footer) * SMALL_PT * LINE_IN
    height_in = top_in + graph_in + bottom_in

    with rc_context(RC):
        fig = _new_figure(height_in)
        ax = fig.add_axes((0.03, bottom_in / height_in, 0.94, graph_in / height_in))
        ax.set_ylim(-1.3, 1.3)
        half_x = 1.3 * 0.94 * WIDTH_IN / graph_in                        # equal aspect: a circle stays round
        ax.set_xlim(-half_x, half_x)
        ax.set_axis_off()
        most_edge = max([d["cases"] for _, _, d in graph.edges(data=True)] or [1])
        for a, b, data in graph.edges(data=True):
            (xa, ya), (xb, yb) = pos[a], pos[b]
            ax.add_artist(Line2D([xa, xb], [ya, yb], color=SYSTEM_COLOR, zorder=1, alpha=0.8,  # as ax.plot, without
                                 linewidth=0.8 + 5.2 * data["cases"] / most_edge, solid_capstyle="round"))  # its limits
            # near the midpoint, nudged toward the first key: diameters of the circle all cross at its
            # centre, and their numbers would hide each other there
            (x0, y0), (x1, y1) = (pos[k] for k in sorted((a, b)))
            xt, yt = x0 + 0.42 * (x1 - x0), y0 + 0.42 * (y1 - y0)
            ax.text(xt, yt, str(data["cases"]), ha="center", va="center", fontsize=SMALL_PT,
                    zorder=3, bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "#999999",
                                    "linewidth": 0.5})
        most_node = max([node_cases.get(k, 0) for k in graph] or [1]) or 1
        circles: list[tuple[float, float, float, str, str, float]] = []    # x, y, area, face, edge, edge width
        for key in graph:
            x, y = pos[key]
            cases = max(0, node_cases.get(key, 0))
            diameter = (38 if N is not None else 28) + 26 * math.sqrt(cases / most_node)
            face, ink = (FAMILY_COLOR, "white") if cases else ("white", FAMILY_COLOR)
            circles.append((x, y, diameter ** 2, face, "white" if cases else FAMILY_COLOR, 1 if cases else 1.2))
            ax.text(x, y, key, ha="center", va="bottom" if N is not None else "center", fontsize=SMALL_PT,
                    color=ink, fontweight="bold", zorder=4)
            if N is not None:
                ax.text(x, y, share(key), ha="center", va="top", fontsize=SMALL_PT - 1, color=ink, zorder=4)
        if circles:                    # one collection for every node (a scatter call per node cost ~1/6 of the time)
            xs, ys, areas, faces, edges_, widths = zip(*circles)
            ax.scatter(xs, ys, s=areas, c=faces, edgecolors=edges_, linewidths=widths, zorder=2)
        fig.text(0.12 / WIDTH_IN, 1 - 0.12 / height_in, "\n".join(title_lines), fontsize=TITLE_PT,
                 fontweight="bold", va="top", ha="left")
        if footer:
            fig.text(0.12 / WIDTH_IN, 0.1 / height_in, "\n".join(footer), fontsize=SMALL_PT, va="bottom", ha="left",
                     color="#222222", linespacing=1.25)
        return _save(fig, fmt)
