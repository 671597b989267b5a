"""Figures a report can use as they are (#23): what each figure counts, its legend and captions in words,
the overview's layered layout, chain boxes and wrapping, the SVG font stack. Plain values built by hand,
no database; English (the msgids) so the words are checked without a translation catalogue.
"""
from __future__ import annotations

import html
import itertools
import re

import pytest

from casecoder.analysis.chains import ChainCount, NodeCount, OverviewNode
from casecoder.analysis.cooccurrence import Cooccurrence, Pair
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import CodeTally, Count, Tally
from casecoder.export.chain import chain_figure_bytes
from casecoder.figures.chains import ChainBox, chain_figure, chain_text_layout
from casecoder.figures.overview import overview_figure, overview_layers
from casecoder.figures.report import cooccurrence_bytes, overview_bytes, tally_chart_bytes
from casecoder.figures.words import counted, denominators_line, filters_text, formula_words, full_stop
from casecoder.models import Chain, Code

INTERNALS = re.compile(r"N_[A-Za-z]|[a-z]+=[a-z0-9]|∧|∨| = familie")


def texts(svg: bytes) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode("utf-8"))]


def joined(svg: bytes) -> str:
    """The SVG's text lines joined with spaces (a wrapped sentence reads as one)."""
    return " ".join(texts(svg))


def row(key: str, parent: str | None, family: tuple[int, int], system: tuple[int, int]) -> CodeTally:
    counts = {m: Count(0, 9, None) for m in ("both", "either", "contradicts", "nuances")}
    counts.update(family=Count(*family, None), system=Count(*system, None))
    return CodeTally(1, key, f"{key} da", f"{key} label", "mechanism", 1 if parent else 0, parent, "H1", True, counts)


def tally(directions: frozenset[str] = frozenset({"supports"}), sub: bool = True) -> Tally:
    return Tally("demo", "helhedsindsats", "e08b3b56aa", CountFilter(directions=directions, include_subcodes=sub),
                 {"family": 5, "system": 9}, {}, (),
                 [row("H1", None, (5, 5), (3, 9)), row("H1.1", "H1", (4, 5), (2, 9)), row("H1.2", "H1", (0, 5), (0, 9))])


# --------------------------------------------------------------------------------------------
# words


def test_counted_says_which_evidence() -> None:
    assert counted({"supports"}, "en") == ("Counted: supporting evidence only (contradicting and nuancing evidence is "
                                           "not counted).")
    assert counted({"supports", "contradicts", "nuances"}, "en") == ("Counted: all evidence (supporting, "
                                                                     "contradicting and nuancing).")
    assert counted({"nuances", "supports"}, "en") == "Counted: supporting and nuancing evidence only."
    assert counted({"contradicts"}, "en") == "Counted: contradicting evidence only."


def test_filters_denominators_and_formula_are_words() -> None:
    params = [("municipality", "Nordby"), ("attr", "who5_entry:le:35"), ("direction", "nuances"),
              ("direction", "supports"), ("sub", "1"), ("from", "2024-01-01")]
    assert filters_text(params, "en") == ("Municipality: Nordby; Attribute: who5_entry ≤ 35; Evidence counted: "
                                          "supporting, nuancing; Sub-codes: included; Interviews from: 2024-01-01")
    assert filters_text([("sub", "0")], "en") == "Sub-codes: not included" and filters_text([], "en") == "—"
    line = denominators_line({"family": 5, "system": 9, "both": 5, "any": 9}, "en")
    assert line == ("Denominators (cases): family perspective 5, system perspective 9, both perspectives 5, "
                    "all selected cases 9")
    assert formula_words("(ST.1 ∧ ST.2) ∨ E.1", "en") == "(ST.1 and ST.2) or E.1"
    assert full_stop("Uden punktum") == "Uden punktum." and full_stop("Med.") == "Med." and full_stop("Ja?") == "Ja?"
    for text in (filters_text(params, "en"), line):
        assert not INTERNALS.search(text), text


# --------------------------------------------------------------------------------------------
# tally and co-occurrence


def test_tally_figure_states_what_it_counts() -> None:
    default = joined(tally_chart_bytes(tally(), "H1", "en", "svg") or b"")
    assert "Counted: supporting evidence only (contradicting and nuancing evidence is not counted)." in default
    assert "of the 5 cases with a family interview" in default and not INTERNALS.search(default)
    everything = joined(tally_chart_bytes(tally(frozenset({"supports", "contradicts", "nuances"}), sub=False),
                                          "H1", "en", "svg") or b"")
    assert "Counted: all evidence" in everything and "Codings of sub-codes are not counted." in everything
    assert "supporting evidence only" not in everything


def test_svg_text_names_a_font_stack_with_fallbacks() -> None:
    svg = tally_chart_bytes(tally(), "H1", "en", "svg") or b""
    families = set(re.findall(r"font-family: ([^;\"]+)", svg.decode()))
    assert families == {"'Liberation Sans', 'Arial', 'Helvetica', 'DejaVu Sans', sans-serif"}


def cooccurrence_result() -> Cooccurrence:
    codes = [Code(key=k, label_da=f"{k} da", label_en=f"{k} label") for k in ("H1.1", "H1.2", "H1.3")]
    cases = {"H1.1": ("F01", "F02", "F03"), "H1.2": (), "H1.3": ("F01", "F02")}
    return Cooccurrence(codes, {k: {"family": v, "system": (), "either": v} for k, v in cases.items()},
                        [Pair("H1.1", "H1.3", {"family": ("F01", "F02"), "system": (), "either": ("F01", "F02")}),
                         Pair("H1.1", "H1.2", {"family": (), "system": (), "either": ()})],
                        {"family": 5, "system": 9, "any": 9}, ())


def test_cooccurrence_explains_sizes_shows_n_of_N_and_zero_cases() -> None:
    svg = cooccurrence_bytes(cooccurrence_result(), "either", "en", "svg")
    found, text = texts(svg), joined(svg)
    assert {"3/9", "0/9", "2/9"} <= set(found)                 # every node with its n/N
    assert "2" in found                                        # the edge with its n ...
    assert "of the N = 9 cases" in text and "N = 9" in text    # ... and the denominator stated
    assert "A circle's size grows with the number of cases with the code" in text
    assert "H1.2  H1.2 label (0/9: no cases)" in text
    assert "Counted: supporting evidence only" in text and not INTERNALS.search(text)
    family = joined(cooccurrence_bytes(cooccurrence_result(), "family", "en", "svg", {"supports", "nuances"}))
    assert "3/5" in family and "N = 5" in family and "Counted: supporting and nuancing evidence only." in family


# --------------------------------------------------------------------------------------------
# hypothesis overview

NODES = [OverviewNode(k, f"{k} da", f"{k} label", kind, (n, 5), (m, 9)) for k, kind, n, m in (
    ("H1", "hypothesis", 5, 3), ("H1.1", "mechanism", 4, 2), ("H1.2", "mechanism", 0, 0), ("H1.3", "mechanism", 1, 1),
    ("ST.1", "statement", 1, 0), ("ST.2", "statement", 2, 1), ("ST.3", "statement", 0, 1), ("S", "theme", 4, 7),
    ("E.1", "event", 2, 2), ("OUT", "theme", 0, 0))]
EDGES = [("H1.1", "ST.1"), ("H1.2", "ST.1"), ("H1.2", "ST.3"), ("H1.3", "ST.3"), ("ST.1", "ST.2"), ("ST.3", "ST.2"),
         ("ST.2", "OUT"), ("H1", "OUT"), ("H1", "S"), ("S", "OUT"), ("H1.3", "E.1"), ("E.1", "OUT")]


def numbers(d: str) -> list[tuple[float, float]]:
    values = [float(v) for v in re.findall(r"-?[0-9]+(?:\.[0-9]+)?", d)]
    return list(zip(values[::2], values[1::2]))


def shapes(svg: bytes, prefix: str) -> dict[str, list[tuple[float, float]]]:
    """id -> the points of the first path in each <g id="prefix…"> (SVG units, y downward)."""
    found = re.findall(r'<g id="(%s[^"]*)">\s*<path d="([^"]+)"' % prefix, svg.decode("utf-8"))
    return {gid: numbers(d) for gid, d in found}


def test_overview_layers_run_from_sub_mechanisms_over_the_hypothesis_to_the_outcome() -> None:
    layer = overview_layers([n.key for n in NODES], EDGES)
    assert {layer[k] for k in ("H1.1", "H1.2", "H1.3")} == {0}
    assert layer["OUT"] == max(layer.values()) and layer["H1"] > 0 and layer["S"] == layer["OUT"] - 1
    assert all(layer[a] < layer[b] for a, b in EDGES)


def test_overview_lays_the_hypothesis_out_after_its_sub_mechanisms() -> None:
    keys, edges = ["H2", "H2.1", "H2.2", "S", "OUT"], [("H2", "S"), ("S", "OUT"), ("H2", "OUT"), ("H2.1", "OUT")]
    assert overview_layers(keys, edges)["H2"] == 0                        # by the arrows alone: with H2.1
    layer = overview_layers(keys, edges, before=[("H2.1", "H2"), ("H2.2", "H2")])
    assert layer == {"H2.1": 0, "H2.2": 0, "H2": 1, "S": 2, "OUT": 3}
    nodes = [OverviewNode(k, k, k, kind, (1, 5), (1, 9)) for k, kind in (
        ("H2", "hypothesis"), ("H2.1", "mechanism"), ("H2.2", "mechanism"), ("S", "theme"), ("OUT", "theme"))]
    svg = overview_bytes(nodes, edges, "H2", "en", "svg")                 # the figure says which are sub-mechanisms
    left = {gid[4:]: min(x for x, _ in pts) for gid, pts in shapes(svg, "box-").items()}
    assert left["H2.1"] == left["H2.2"] < left["H2"] < left["S"] < left["OUT"]


def test_overview_arrows_stay_between_the_boxes_and_spread_their_heads() -> None:
    svg = overview_bytes(NODES, EDGES, "H1", "en", "svg")
    boxes = {gid[4:]: (min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts),
                       max(y for _, y in pts)) for gid, pts in shapes(svg, "box-").items()}
    assert set(boxes) == {n.key for n in NODES}
    arrows = {gid: pts for gid, pts in shapes(svg, "edge-").items() if not gid.endswith("-head")}
    assert len(arrows) == len(EDGES)
    tabs = [max(y for _, y in pts) for pts in shapes(svg, "tab-").values()]
    top, bottom = min(b[1] for b in boxes.values()), max(tabs) + 0.34 * 72      # + one passing arrow's slot
    for gid, pts in arrows.items():
        assert all(top <= y <= bottom for _, y in pts), gid       # nothing loops above or below the figure
        assert [x for x, _ in pts] == sorted(x for x, _ in pts), gid   # ... or back around it: always rightwards
        for (xa, ya), (xb, yb) in itertools.pairwise(pts):        # no segment runs through or along a box
            for t in (i / 20 for i in range(1, 20)):
                x, y = xa + t * (xb - xa), ya + t * (yb - ya)
                inside = [k for k, (x0, y0, x1, y1) in boxes.items() if x0 + 1 < x < x1 - 1 and y0 - 1 < y < y1 + 1]
                assert not inside, (gid, inside)
    heads = [pts[0] for gid, pts in shapes(svg, "edge-").items() if gid.endswith("-head")]
    into_out = [(x, y) for x, y in heads if abs(x - boxes["OUT"][0]) < 1]
    assert len(into_out) == 4 and len({round(y) for _, y in into_out}) == 4   # spread along the box's side


def test_overview_title_legend_and_tabs_are_words() -> None:
    svg = overview_bytes(NODES, EDGES, "H1", "en", "svg")
    found, text = texts(svg), joined(svg)
    assert found[0] == "Hypothesis H1: H1 label"
    assert "family 4/5 · system 2/9" in text and "S 2/9" not in text     # the system perspective is no letter
    for entry in ("hypothesis, mechanism or statement", "event", "outcome",
                  "cases with the code, family and system perspective (n/N)"):
        assert entry in found, entry
    assert "#111111" in svg.decode() and "#cfe8d5" in svg.decode()         # the fills the legend names
    assert text.rstrip().endswith("(contradicting and nuancing evidence is not counted).")
    assert not INTERNALS.search(text.replace("leads-to", ""))


def test_overview_legend_names_only_the_fills_drawn() -> None:
    nodes = [("A", "a", "mechanism", ""), ("B", "b", "statement", "")]
    found = texts(overview_figure(nodes, [("A", "B")], title="t", caption="c.", legend={"event": "EVENT"}))
    assert "hypothesis, mechanism or statement" in found and "EVENT" not in found and "outcome" not in found


# --------------------------------------------------------------------------------------------
# statement chains

COMPOUND = "Beskæftigelsesindsatsen"


def chain_boxes(n: int) -> list[ChainBox]:
    label = f"Familien oplever at {COMPOUND} og koordinatoren arbejder sammen om en samlet plan"
    return [ChainBox(f"ST.{i}", label, ("statement", "mechanism", "event")[i % 3], i, 12) for i in range(1, n + 1)]


@pytest.mark.parametrize("count", [3, 8])
def test_chain_words_are_never_hyphenated_or_broken(count: int) -> None:
    items = chain_boxes(count)
    svg = chain_figure(items, ["and-or"] * (count - 1), combination_n=1, combination_N=12, formula="x", title="t",
                       caption="c.", legend={})
    lines = texts(svg)
    assert not [line for line in lines if line.endswith("-")]
    assert lines.count(COMPOUND) + sum(COMPOUND in line for line in lines if line != COMPOUND) == count
    extents = chain_text_layout(items, ["and-or"] * (count - 1))
    assert all(x1 - x0 > 0 for x0, _, x1, _ in extents)


def test_chain_labels_wrap_evenly() -> None:
    label = "Koordinatoren kender familiens ønsker og handler hurtigt på dem"
    svg = chain_figure([ChainBox("ST.1", label, "statement", 1, 2), ChainBox("ST.2", "kort", "statement", 1, 2)],
                       ["and-or"], combination_n=1, combination_N=2, formula="x", title="Titel", caption="c.",
                       legend={})
    lines = [t for t in texts(svg) if t in label]
    assert " ".join(lines) == label and len(lines) >= 3
    widths = [len(line) for line in lines]
    assert max(widths) - min(widths) <= 8, lines                # no long line followed by a stub


def test_chain_legend_tells_mechanism_boxes_from_statement_boxes() -> None:
    items = [ChainBox("H1.1", "Mekanisme", "mechanism", 1, 2), ChainBox("ST.1", "Udsagn", "statement", 1, 2)]
    svg = chain_figure(items, ["and-or"], combination_n=1, combination_N=2, formula="x", title="t", caption="c.",
                       legend={"mechanism": "hvid boks: mekanisme", "statement": "grøn boks: udsagn"})
    found = texts(svg)
    assert "hvid boks: mekanisme" in found and "grøn boks: udsagn" in found
    assert "black box: event" not in found                      # no event in this chain
    assert 'fill: #ffffff; stroke: #1f5f3a' in svg.decode()      # the mechanism box: white, green border


def test_chain_caption_ends_with_a_full_stop_and_writes_and_or_as_words() -> None:
    result = ChainCount("family", 5, ("F01", "F02", "F03", "F04", "F05"),
                        [NodeCount(1, "ST.1", "a", "Heard", "statement", 3, ("F01", "F02", "F03")),
                         NodeCount(2, "ST.2", "b", "Trust", "statement", 2, ("F01", "F02")),
                         NodeCount(3, "E.1", "c", "Job", "event", 1, ("F04",))],
                        ["both-and", "and-or"], "(ST.1 ∧ ST.2) ∨ E.1", ("F01", "F02", "F04"))
    svg = chain_figure_bytes(Chain(title="Chain", caption="A caption without a stop"), result, "en", "svg")
    text = joined(svg)
    assert "∧" not in text and "∨" not in text
    assert "(ST.1 and ST.2) or E.1" in text
    assert "A caption without a stop. Unit: cases." in text
    assert text.rstrip().endswith("(contradicting and nuancing evidence is not counted).")
    assert "outlined box: mechanism or other code" not in text   # no mechanism in this chain
