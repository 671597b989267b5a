"""Report figures with their texts in the report language: the tally chart, the co-occurrence graph
and the hypothesis overview. The web figure routes and the bundles call these, so a figure on
screen and the one in a bundle are the same bytes. Every figure says what it counts
(``words.counted``: supporting evidence only, by default).
"""
from __future__ import annotations

from typing import Iterable

from casecoder.analysis.chains import OverviewNode
from casecoder.analysis.cooccurrence import Cooccurrence
from casecoder.analysis.tally import Tally
from casecoder.figures.charts import Bar, Edge, cooccurrence_graph, tally_chart
from casecoder.figures.words import PERSPECTIVES, counted
from casecoder.kernel.measures import DEFAULT_DIRECTIONS
from casecoder.kernel.translate import N_, Translator

SCOPES = {k: PERSPECTIVES[k] for k in ("family", "system", "either")}
DENOMINATOR = {"family": "family", "system": "system", "either": "any"}     # scope -> its N
OVERVIEW_LEGEND = {"statement": N_("hypothesis, mechanism or statement"), "event": N_("event"),
                   "theme": N_("outcome"), "tab": N_("cases with the code, family and system perspective (n/N)")}


def cooccurrence_texts(result: Cooccurrence, scope: str, lang: str,
                       directions: Iterable[str] = DEFAULT_DIRECTIONS) -> tuple[str, str]:
    """The co-occurrence graph's title and note (also the bundle README's first lines)."""
    t = Translator(lang)
    N = result.denominators.get(DENOMINATOR[scope], 0)
    note = t.gettext("Unit: cases ({scope}), N = {N}. A circle's size grows with the number of cases with the "
                     "code (n/N under its key). The number on a line: cases with both codes, of the N = {N} "
                     "cases.").format(scope=t.gettext(SCOPES[scope]), N=N)
    return t.gettext("Cases in which both codes occur"), note + " " + counted(directions, lang)


def overview_caption(lang: str, directions: Iterable[str] = DEFAULT_DIRECTIONS) -> str:
    t = Translator(lang)
    return (t.gettext("Under each box: the number of cases with the code out of all cases with a family interview "
                      "(family) and with an interview with professionals (system). Arrows: the codebook's "
                      "leads-to relations.") + " " + counted(directions, lang))


def overview_title(nodes: list[OverviewNode], key: str, lang: str) -> str:
    t = Translator(lang)
    node = next(n for n in nodes if n.key == key)
    label = node.label_en if lang == "en" else node.label_da
    if node.kind == "hypothesis":
        return t.gettext("Hypothesis {key}: {label}").format(key=key, label=label)
    return f"{key} {label}"


def tally_chart_bytes(tally: Tally, key: str, lang: str, fmt: str) -> bytes | None:
    """The chart of ``key``'s sub-codes (family and system n/N), or None if there is no such code."""
    parent = next((r for r in tally.rows if r.key == key), None)
    if parent is None:
        return None
    t = Translator(lang)
    bars = [Bar(r.key, r.label(lang), r.counts["family"], r.counts["system"]) for r in tally.rows
            if r.parent_key == parent.key]
    note = t.gettext("Unit: cases. Family perspective: of the {f} cases with a family interview; system "
                     "perspective: of the {s} cases with an interview with professionals. Codebook {name} "
                     "{hash}.").format(f=tally.N["family"], s=tally.N["system"], name=tally.codebook_name or "—",
                                       hash=(tally.codebook_sha256 or "")[:8])
    subtitle = counted(tally.filter.directions, lang)
    if not tally.filter.include_subcodes:
        subtitle += " " + t.gettext("Codings of sub-codes are not counted.")
    return tally_chart(bars, title=f"{parent.key} {parent.label(lang)}", fmt=fmt, subtitle=subtitle,
                       legend={"family": t.gettext("Family perspective"), "system": t.gettext("System perspective"),
                               "axis": t.gettext("Share of cases (%)"), "note": note})


def cooccurrence_bytes(result: Cooccurrence, scope: str, lang: str, fmt: str,
                       directions: Iterable[str] = DEFAULT_DIRECTIONS) -> bytes:
    title, note = cooccurrence_texts(result, scope, lang, directions)
    return cooccurrence_graph(
        {c.key: c.label(lang) for c in result.codes},
        {k: len(v[scope]) for k, v in result.node_cases.items()},
        [Edge(p.a, p.b, len(p.cases[scope]), p.cases[scope]) for p in result.pairs],
        title=title, note=note, fmt=fmt, N=result.denominators.get(DENOMINATOR[scope], 0),
        no_cases=Translator(lang).gettext("no cases"))


def overview_bytes(nodes: list[OverviewNode], edges: list[tuple[str, str]], key: str, lang: str,
                   fmt: str, directions: Iterable[str] = DEFAULT_DIRECTIONS) -> bytes:
    from casecoder.figures.overview import overview_figure
    t = Translator(lang)

    def label(n: OverviewNode) -> str:
        return n.label_en if lang == "en" else n.label_da

    def tab(n: OverviewNode) -> str:
        return t.gettext("family {n}/{N} · system {m}/{M}").format(n=n.family[0], N=n.family[1], m=n.system[0],
                                                                     M=n.system[1])

    depth = key.count(".") + 1                       # the hypothesis's sub-mechanisms are laid out before it
    subs = [(n.key, key) for n in nodes if n.key.startswith(key + ".") and n.key.count(".") == depth]
    return overview_figure([(n.key, label(n), n.kind, tab(n)) for n in nodes], edges,
                           title=overview_title(nodes, key, lang), caption=overview_caption(lang, directions),
                           legend={k: t.gettext(v) for k, v in OVERVIEW_LEGEND.items()}, fmt=fmt, before=subs)
