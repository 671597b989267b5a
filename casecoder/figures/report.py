"""Report figures with their texts in the report language: the tally chart, the co-occurrence graph
and the hypothesis overview. The web figure routes and the bundles call these, so a figure on
screen and the one in a bundle are the same bytes.
"""
from __future__ import annotations

from casecoder.analysis.chains import OverviewNode
from casecoder.analysis.cooccurrence import Cooccurrence
from casecoder.analysis.tally import Tally
from casecoder.figures.charts import Bar, Edge, cooccurrence_graph, tally_chart

TEXT = {
    "da": {"family": "Familieperspektiv", "system": "Systemperspektiv", "axis": "Andel af sager (%)",
           "tally_note": "Enhed: sager. N familie = {f}, N system = {s}. Kodebog {name} {hash}.",
           "cooc_title": "Sager hvor begge koder forekommer",
           "cooc_note": "Enhed: sager ({scope}). Tallet på en kant: antal sager med begge koder.",
           "scope": {"family": "familieperspektiv", "system": "systemperspektiv", "either": "ethvert perspektiv"},
           "overview_caption": "F: familieperspektiv, S: systemperspektiv; n af N sager. Pile: kodebogens "
                               "fører-til-relationer."},
    "en": {"family": "Family perspective", "system": "System perspective", "axis": "Share of cases (%)",
           "tally_note": "Unit: cases. N family = {f}, N system = {s}. Codebook {name} {hash}.",
           "cooc_title": "Cases in which both codes occur",
           "cooc_note": "Unit: cases ({scope}). The number on an edge: cases with both codes.",
           "scope": {"family": "family perspective", "system": "system perspective", "either": "any perspective"},
           "overview_caption": "F: family perspective, S: system perspective; n of N cases. Arrows: the codebook's "
                               "leads-to relations."},
}


def text(lang: str) -> dict:  # type: ignore[type-arg]
    return TEXT.get(lang, TEXT["en"])


def tally_chart_bytes(tally: Tally, key: str, lang: str, fmt: str) -> bytes | None:
    """The chart of ``key``'s sub-codes (family and system n/N), or None if there is no such code."""
    parent = next((r for r in tally.rows if r.key == key), None)
    if parent is None:
        return None
    t = text(lang)
    bars = [Bar(r.key, r.label(lang), r.counts["family"], r.counts["system"]) for r in tally.rows
            if r.parent_key == parent.key]
    note = t["tally_note"].format(f=tally.N["family"], s=tally.N["system"],
                                  name=tally.codebook_name or "—", hash=(tally.codebook_sha256 or "")[:8])
    return tally_chart(bars, title=f"{parent.key} {parent.label(lang)}", fmt=fmt,
                       legend={"family": t["family"], "system": t["system"], "axis": t["axis"], "note": note})


def cooccurrence_bytes(result: Cooccurrence, scope: str, lang: str, fmt: str) -> bytes:
    t = text(lang)
    return cooccurrence_graph(
        {c.key: c.label(lang) for c in result.codes},
        {k: len(v[scope]) for k, v in result.node_cases.items()},
        [Edge(p.a, p.b, len(p.cases[scope]), p.cases[scope]) for p in result.pairs],
        title=t["cooc_title"], note=t["cooc_note"].format(scope=t["scope"][scope]), fmt=fmt)


def overview_bytes(nodes: list[OverviewNode], edges: list[tuple[str, str]], key: str, lang: str,
                   fmt: str) -> bytes:
    from casecoder.figures.chains import overview_figure

    def label(n: OverviewNode) -> str:
        return n.label_en if lang == "en" else n.label_da

    return overview_figure(
        [(n.key, label(n), n.kind, f"F {n.family[0]}/{n.family[1]} · S {n.system[0]}/{n.system[1]}")
         for n in nodes], edges, title=next(label(n) for n in nodes if n.key == key),
        caption=text(lang)["overview_caption"], fmt=fmt)
