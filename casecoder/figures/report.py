"""Report figures with their texts in the report language: the tally chart, the co-occurrence graph
and the hypothesis overview. The web figure routes and the bundles call these, so a figure on
screen and the one in a bundle are the same bytes.
"""
from __future__ import annotations

from casecoder.analysis.chains import OverviewNode
from casecoder.analysis.cooccurrence import Cooccurrence
from casecoder.analysis.tally import Tally
from casecoder.figures.charts import Bar, Edge, cooccurrence_graph, tally_chart
from casecoder.kernel.translate import N_, Translator

SCOPES = {"family": N_("family perspective"), "system": N_("system perspective"), "either": N_("any perspective")}


def cooccurrence_texts(scope: str, lang: str) -> tuple[str, str]:
    """The co-occurrence graph's title and note (also the bundle README's first lines)."""
    t = Translator(lang)
    return (t.gettext("Cases in which both codes occur"),
            t.gettext("Unit: cases ({scope}). The number on an edge: cases with both codes.").format(
                scope=t.gettext(SCOPES[scope])))


def overview_caption(lang: str) -> str:
    return Translator(lang).gettext("F: family perspective, S: system perspective; n of N cases. Arrows: the "
                                    "codebook's leads-to relations.")


def tally_chart_bytes(tally: Tally, key: str, lang: str, fmt: str) -> bytes | None:
    """The chart of ``key``'s sub-codes (family and system n/N), or None if there is no such code."""
    parent = next((r for r in tally.rows if r.key == key), None)
    if parent is None:
        return None
    t = Translator(lang)
    bars = [Bar(r.key, r.label(lang), r.counts["family"], r.counts["system"]) for r in tally.rows
            if r.parent_key == parent.key]
    note = t.gettext("Unit: cases. N family = {f}, N system = {s}. Codebook {name} {hash}.").format(
        f=tally.N["family"], s=tally.N["system"], name=tally.codebook_name or "—",
        hash=(tally.codebook_sha256 or "")[:8])
    return tally_chart(bars, title=f"{parent.key} {parent.label(lang)}", fmt=fmt,
                       legend={"family": t.gettext("Family perspective"), "system": t.gettext("System perspective"),
                               "axis": t.gettext("Share of cases (%)"), "note": note})


def cooccurrence_bytes(result: Cooccurrence, scope: str, lang: str, fmt: str) -> bytes:
    title, note = cooccurrence_texts(scope, lang)
    return cooccurrence_graph(
        {c.key: c.label(lang) for c in result.codes},
        {k: len(v[scope]) for k, v in result.node_cases.items()},
        [Edge(p.a, p.b, len(p.cases[scope]), p.cases[scope]) for p in result.pairs],
        title=title, note=note, fmt=fmt)


def overview_bytes(nodes: list[OverviewNode], edges: list[tuple[str, str]], key: str, lang: str,
                   fmt: str) -> bytes:
    from casecoder.figures.chains import overview_figure

    def label(n: OverviewNode) -> str:
        return n.label_en if lang == "en" else n.label_da

    return overview_figure(
        [(n.key, label(n), n.kind, f"F {n.family[0]}/{n.family[1]} · S {n.system[0]}/{n.system[1]}")
         for n in nodes], edges, title=next(label(n) for n in nodes if n.key == key),
        caption=overview_caption(lang), fmt=fmt)
