"""The hypothesis overview (report figures 38/43/47/52): codes in layers left to right along ``leads_to``.

A layered (Sugiyama) drawing: every node as far right as its arrows allow (sub-mechanisms on the left,
then what they lead to, the hypothesis just before what it leads to, the outcome last); an arrow that
skips layers passes through a reserved slot in each column it crosses, so no arrow loops around the
figure or runs along a box; columns are ordered by the mean position of their neighbours to avoid
crossings (the first column stays in key order); arrowheads are spread along the side of their box.
An arrow against the layers (a cycle) runs right to left the same way. Drawn with ``chains.py``'s
boxes, arrows and wrapping; byte-identical for the same input.
"""
from __future__ import annotations

from typing import Sequence

import networkx as nx
from matplotlib import rc_context

from casecoder.figures import memo
from casecoder.figures.chains import (
    BOX_PT,
    DARK,
    EVENT_COLOR,
    MARGIN,
    PAD,
    STATEMENT_COLOR,
    TAB_FILL,
    TAB_PT,
    TOTAL_COLOR,
    _arrow,
    _axes,
    _box,
    _fit,
    _size,
)
from casecoder.figures.charts import RC, SMALL_PT, TITLE_PT, WIDTH_IN, _check_format, _new_figure, _save

GAP, V_GAP, SLOT = 0.45, 0.22, 0.12        # inches: between columns, between boxes, a passing arrow's slot
LOOKS = {"event": (EVENT_COLOR, "white", None), "theme": (TOTAL_COLOR, DARK, STATEMENT_COLOR)}
DEFAULT_LOOK = (STATEMENT_COLOR, "white", None)
DEFAULT_LEGEND = {"statement": "hypothesis, mechanism or statement", "event": "event", "theme": "outcome",
                  "tab": "cases with the code"}


def _feedback_edges(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """Edges pointing backwards in a greedy Eades-Lin-Smyth order (sinks last, sources first, else the
    node with the most outgoing over incoming edges; ties by key): reversing them breaks every cycle."""
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


Edge = tuple[str, str]


def _acyclic(keys: list[str], edges: Sequence[Edge], before: Sequence[Edge] = ()) -> tuple[nx.DiGraph,
                                                                                           list[tuple[Edge, Edge]]]:
    """The graph for layering (the edges and the ``before`` pairs, self-loops dropped, feedback edges
    reversed) and every edge to draw as (the edge, the same edge in the layering's direction)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(keys))
    links = sorted({e for e in edges if e[0] != e[1]})
    graph.add_edges_from(sorted(set(links) | {e for e in before if e[0] != e[1]}))
    back = set(_feedback_edges(graph)) if not nx.is_directed_acyclic_graph(graph) else set()
    graph.remove_edges_from(back)
    graph.add_edges_from(sorted((b, a) for a, b in back))
    return graph, [(e, (e[1], e[0]) if e in back else e) for e in links]


def overview_layers(keys: list[str], edges: Sequence[Edge], before: Sequence[Edge] = ()) -> dict[str, int]:
    """Layer per key, as far right as possible: the last layer minus the longest path to a sink (an
    arrow's tail always left of its head; a cycle's feedback arrow counts reversed). ``before`` are pairs
    (a, b) laid out like arrows, a left of b, but not drawn: a hypothesis's sub-mechanisms before it."""
    graph, _ = _acyclic(keys, edges, before)
    depth: dict[str, int] = {}
    for key in reversed(list(nx.lexicographical_topological_sort(graph))):
        depth[key] = max([depth[s] + 1 for s in graph.successors(key)] or [0])
    last = max(depth.values(), default=0)
    return {key: last - depth[key] for key in sorted(keys)}


def _columns(drawn: list[tuple[Edge, Edge]], layer: dict[str, int]) -> tuple[list[list[str]], dict[Edge, list[str]]]:
    """Columns top-down (real keys and slot ids for arrows passing through) and each arrow's path of ids,
    left to right."""
    paths: dict[Edge, list[str]] = {}
    columns: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for key in sorted(layer):
        columns[layer[key]].append(key)
    links = nx.DiGraph()
    links.add_nodes_from(layer)
    for edge, (a, b) in drawn:
        path = [a] + [f"\0{edge[0]}\0{edge[1]}\0{i}" for i in range(layer[a] + 1, layer[b])] + [b]
        for i, slot in enumerate(path[1:-1], start=layer[a] + 1):
            columns[i].append(slot)
        nx.add_path(links, path)
        paths[edge] = path
    for sweep in range(4):                     # barycentre ordering; column 0 keeps the key order
        down = sweep % 2 == 0
        for i in (range(1, len(columns)) if down else range(len(columns) - 2, 0, -1)):
            columns[i] = _by_neighbours(links, columns[i], columns[i - 1 if down else i + 1], down)
    return columns, paths


def _by_neighbours(links: nx.DiGraph, column: list[str], other: list[str], down: bool) -> list[str]:
    """``column`` sorted by the mean position of each id's neighbours in ``other`` (the column before it when
    ``down``, else after it); an id without neighbours there keeps its relative place."""
    ref = {k: j for j, k in enumerate(other)}
    here = {k: j for j, k in enumerate(column)}

    def centre(k: str) -> tuple[float, int]:
        near = [ref[n] for n in (links.predecessors(k) if down else links.successors(k)) if n in ref]
        return (sum(near) / len(near) if near else here[k] * len(ref) / max(1, len(here)), here[k])

    return sorted(column, key=centre)


def _tops(columns: list[list[str]], heights: dict[str, float], mids: dict[str, float],
          neighbours: dict[str, list[str]], top: float, span: float) -> dict[str, float]:
    """The top of every id in its column: each as near the mean height of its neighbours as the column's order,
    the gaps and the span [top, top + span] allow (a few sweeps), so arrows run as straight as they can."""
    tops: dict[str, float] = {}
    for col in columns:                                     # start: each column stacked in the middle
        y = top + (span - sum(heights[k] for k in col) - V_GAP * (len(col) - 1)) / 2
        for key in col:
            tops[key], y = y, y + heights[key] + V_GAP
    for sweep in range(6):
        for col in (columns if sweep % 2 == 0 else columns[::-1]):
            want = [sum(tops[n] + mids[n] for n in neighbours[k]) / len(neighbours[k]) - mids[k]
                    if neighbours.get(k) else tops[k] for k in col]
            lower = top
            for i, key in enumerate(col):                   # down: no overlap
                want[i] = max(want[i], lower)
                lower = want[i] + heights[key] + V_GAP
            upper = top + span
            for i in range(len(col) - 1, -1, -1):           # up: within the span
                want[i] = min(want[i], upper - heights[col[i]])
                upper = want[i] - V_GAP
            lower = top
            for i, key in enumerate(col):
                tops[key] = max(want[i], lower)
                lower = tops[key] + heights[key] + V_GAP
    return tops


def overview_figure(nodes: list[tuple[str, str, str, str]], edges: list[tuple[str, str]], *, title: str,
                    caption: str, legend: dict[str, str] | None = None, fmt: str = "svg",
                    before: Sequence[tuple[str, str]] = ()) -> bytes:
    """Nodes (key, label, kind, annotation) in layers left to right; leads_to edges as solid arrows
    (self-loops are not drawn); ``before``: pairs laid out left to right but not drawn (see
    ``overview_layers``). Outcomes ("theme") are light-green boxes, events black, the rest dark green;
    a legend names the fills present and the tab. Kept in ``memo`` under everything drawn."""
    _check_format(fmt)
    drawn = (nodes, edges, title, caption, legend, before)
    return memo.cached("overview", (fmt,), drawn, lambda fmts: {fmt: _overview_figure(
        nodes, edges, title=title, caption=caption, legend=legend, fmt=fmt, before=before)})[fmt]


def _overview_figure(nodes: list[tuple[str, str, str, str]], edges: list[tuple[str, str]], *, title: str,
                     caption: str, legend: dict[str, str] | None, fmt: str, before: Sequence[tuple[str, str]]) -> bytes:
    keys = [node[0] for node in nodes]
    if not nodes or len(set(keys)) != len(keys):
        raise ValueError("an overview needs nodes with distinct keys")
    unknown = sorted({k for edge in [*edges, *before] for k in edge} - set(keys))
    if unknown:
        raise ValueError(f"edges name nodes that do not exist: {', '.join(unknown)}")
    legend = {**DEFAULT_LEGEND, **(legend or {})}
    _, drawn = _acyclic(keys, edges, before)
    layer = overview_layers(keys, edges, before)
    columns, paths = _columns(drawn, layer)
    back = {edge for edge, towards in drawn if edge != towards}
    cw = (WIDTH_IN - 2 * MARGIN - (len(columns) - 1) * GAP) / len(columns)
    kinds = {node[0]: node[2] for node in nodes}
    with rc_context(RC):
        fig = _new_figure(1.0)
        sizes: dict[str, tuple[str, float, str, float, float]] = {}
        for key, label, _, note in nodes:
            text = _fit(fig, [key, label], BOX_PT, cw - 2 * PAD)
            note_text = _fit(fig, [note], TAB_PT, cw - 0.1, most=40) if note else ""
            tw, th = (_size(fig, note_text, TAB_PT)[0] + 0.1, _size(fig, note_text, TAB_PT)[1] + 0.06) if note \
                else (0.0, 0.0)
            sizes[key] = (text, _size(fig, text, BOX_PT)[1] + 2 * PAD, note_text, tw, th)

        def height(k: str) -> float:
            return sizes[k][1] + sizes[k][4] if k in sizes else SLOT

        col_h = [sum(height(k) for k in col) + V_GAP * (len(col) - 1) for col in columns]
        title_text = _fit(fig, [title], TITLE_PT, WIDTH_IN - 2 * MARGIN, most=90, bold=True, even=False)
        caption_text = _fit(fig, [caption], SMALL_PT, WIDTH_IN - 2 * MARGIN, most=125, even=False)
        looks = sorted({"event" if kinds[k] == "event" else "theme" if kinds[k] == "theme" else "statement"
                        for k in keys}, key=["statement", "event", "theme"].index)
        entries = [(look, _fit(fig, [legend[look]], SMALL_PT, 2.2, most=60, even=False), 0.16) for look in looks]
        entries.append(("tab", _fit(fig, [legend["tab"]], SMALL_PT, 3.0, most=80, even=False), 0.3))
        rows: list[list[tuple[str, str, float, float]]] = [[]]
        used = 0.0
        for look, text, sample in entries:
            width = sample + 0.06 + _size(fig, text, SMALL_PT)[0]
            if rows[-1] and used + width > WIDTH_IN - 2 * MARGIN:
                rows.append([])
                used = 0.0
            rows[-1].append((look, text, sample, width))
            used += width + 0.25
        legend_h = max(_size(fig, text, SMALL_PT)[1] for _, text, _ in entries) + 0.08
        top = 0.12 + _size(fig, title_text, TITLE_PT, True)[1] + 0.25
        y_legend = top + max(col_h) + 0.25
        y_caption = y_legend + len(rows) * legend_h + 0.12
        ax = _axes(fig, y_caption + _size(fig, caption_text, SMALL_PT)[1] + MARGIN)
        ax.text(MARGIN, 0.12, title_text, fontsize=TITLE_PT, fontweight="bold", va="top", ha="left",
                linespacing=1.2)
        neighbours: dict[str, list[str]] = {}
        for path in paths.values():
            for a, b in zip(path, path[1:]):
                neighbours.setdefault(a, []).append(b)
                neighbours.setdefault(b, []).append(a)
        mids = {k: sizes[k][1] / 2 if k in sizes else SLOT / 2 for col in columns for k in col}
        tops = _tops(columns, {k: height(k) for col in columns for k in col}, mids, neighbours, top, max(col_h))
        place: dict[str, tuple[float, float, float]] = {}        # id -> x, y, box height (slots: their middle)
        for i, col in enumerate(columns):
            x = MARGIN + i * (cw + GAP)
            for key in col:
                y = tops[key]
                if key not in sizes:
                    place[key] = (x, y + SLOT / 2, 0.0)
                    continue
                text, bh, note_text, tw, th = sizes[key]
                face, color, border = LOOKS.get(kinds[key], DEFAULT_LOOK)
                patch, _ = _box(ax, x, y, cw, bh, text, face, color=color, edge=border)
                patch.set_gid(f"box-{key}")
                if note_text:
                    tab, _ = _box(ax, x + (cw - tw) / 2, y + bh, tw, th, note_text, TAB_FILL, color=DARK,
                                  edge="#555555", size=TAB_PT)
                    tab.set_gid(f"tab-{key}")
                place[key] = (x, y, bh)
        # ports: every arrow end on a box side, spread along it in the order of the other ends' heights
        ends: dict[tuple[str, str], list[tuple[float, tuple[str, str]]]] = {}
        for edge, path in sorted(paths.items()):
            ends.setdefault((path[0], "R"), []).append((place[path[1]][1] + place[path[1]][2] / 2, edge))
            ends.setdefault((path[-1], "L"), []).append((place[path[-2]][1] + place[path[-2]][2] / 2, edge))

        def port(key: str, side: str, edge: tuple[str, str]) -> tuple[float, float]:
            (x, y, bh), slots = place[key], sorted(ends[(key, side)])
            at = [e for _, e in slots].index(edge)
            return x + (cw if side == "R" else 0), y + bh * (at + 1) / (len(slots) + 1)

        for n, (edge, path) in enumerate(sorted(paths.items())):
            points = [port(path[0], "R", edge)]
            for slot in path[1:-1]:
                x, y, _ = place[slot]
                points += [(x, y), (x + cw, y)]
            points.append(port(path[-1], "L", edge))
            if edge in back:                               # laid out reversed: point it back
                points.reverse()
            _arrow(ax, points, "-", f"edge-{n}")
        for r, row in enumerate(rows):
            x, mid = MARGIN, y_legend + (r + 0.5) * legend_h
            for look, text, sample, width in row:
                if look == "tab":
                    _box(ax, x, mid - 0.08, sample, 0.16, "n/N", TAB_FILL, color=DARK, edge="#555555", size=TAB_PT)
                else:
                    face, _, edge_color = LOOKS.get(look, DEFAULT_LOOK)
                    _box(ax, x, mid - 0.08, sample, 0.16, "", face, edge=edge_color)
                ax.text(x + sample + 0.06, mid, text, fontsize=SMALL_PT, va="center", ha="left", linespacing=1.2)
                x += width + 0.25
        ax.text(MARGIN, y_caption, caption_text, fontsize=SMALL_PT, va="top", ha="left", color="#333333",
                linespacing=1.2)
        return _save(fig, fmt)
