"""Statement-chain and overview figures (casecoder/figures/chains.py, overview.py): pure, plain data in, bytes out.

SVG keeps text as <text> (svg.fonttype "none"), so tabs, totals, formula, legend and Danish letters are read
from the SVG source; every arrow shaft is one path in a group with a known id, so dashed (stroke-dasharray)
and solid arrows can be told apart. Layout is checked on the rendered extents from ``chain_layout``.
"""
from __future__ import annotations

import hashlib
import html
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from casecoder.figures import memo
from casecoder.figures.chains import ChainBox, chain_figure, chain_figures, chain_layout, chain_text_layout
from casecoder.figures.overview import overview_figure, overview_layers

ROOT = Path(__file__).resolve().parents[2]

SAMPLE = '''
from casecoder.figures.chains import ChainBox, chain_figure
from casecoder.figures.overview import overview_figure

LONG = ("Jeg følte mig set og hørt af min koordinator, som hjalp mig med at få styr på økonomien og boligen, "
        "før jeg kunne tænke på job")
LEGEND = {"both_and": "stiplet pil: både-og", "and_or": "fuld pil: og/eller",
          "statement": "grøn boks: udsagn fra borgere", "event": "sort boks: hændelse", "tab": "antal sager",
          "combination": "Sager med kombinationen"}
BOXES = [ChainBox("ST.1", "Koordinatoren kender familiens ønsker", "statement", 7, 12),
         ChainBox("ST.2", "Én samlet plan på tværs af forvaltninger", "statement", 9, 12),
         ChainBox("E.1", "Familien flytter til en større bolig", "event", 3, 12)]


def boxes(n, label=LONG):
    return [ChainBox(f"ST.{i}", label, "event" if i % 3 == 0 else "statement", i, 12) for i in range(1, n + 1)]


def chain(fmt="svg", arrows=("both-and", "and-or"), items=BOXES):
    return chain_figure(items, list(arrows), combination_n=5, combination_N=12, formula="(ST.1 ∧ ST.2) ∨ E.1",
                        title="Figur 40: Udsagnskæde for H1.2 — familieperspektiv",
                        caption="Enhed: sager. N = 12 familier interviewet; fanerne viser antal sager ud af 12.",
                        legend=LEGEND, fmt=fmt)


NODES = [("H1", "Helhedsorienteret indsats", "hypothesis", "F 4/5 · S 2/9"),
         ("H1.1", "Koordinatoren kender ønsker", "mechanism", "F 3/5"),
         ("H1.2", "Økonomi og bolig på plads", "condition", ""),
         ("E.1", "Flytning", "event", "S 1/9"),
         ("T", "Øgede chancer for progression mod beskæftigelse", "theme", "")]
EDGES = [("H1", "H1.1"), ("H1", "H1.2"), ("H1.1", "T"), ("H1.2", "T"), ("E.1", "H1.2"), ("H1", "T")]


def overview(fmt="svg", edges=EDGES):
    return overview_figure(NODES, edges, title="Figur 38: Overblik over H1", caption="Pilene betyder: fører til.",
                           fmt=fmt)
'''
S: dict[str, object] = {}
exec(SAMPLE, S)  # our own constant: the subprocess runs the same text
chain, overview, boxes = S["chain"], S["overview"], S["boxes"]
LONG = S["LONG"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def texts(svg: bytes) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode("utf-8"))]


def in_subprocess(*expressions: str) -> str:
    """The SHA-256 of each expression drawn in a new Python process, one per line (one process for all)."""
    code = SAMPLE + "\nimport hashlib\n" + "".join(f"print(hashlib.sha256({e}).hexdigest())\n" for e in expressions)
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def arrow_shafts(svg: bytes, ids: str = r"chain-arrow-[0-9]+") -> dict[str, list[str]]:
    """id -> the <path> elements in that arrow's group (not its head, a separate group)."""
    groups = re.findall(r'<g id="(%s)">(.*?)</g>' % ids, svg.decode("utf-8"), re.S)
    return {gid: re.findall(r"<path [^>]*>", body, re.S) for gid, body in groups}


def overlaps(a: tuple, b: tuple, tol: float = 1e-6) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def inside(inner: tuple, outer: tuple, tol: float = 1e-6) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol and inner[2] <= outer[2] + tol
            and inner[3] <= outer[3] + tol)


# --------------------------------------------------------------------------------------------
# statement chain


def test_chain_svg_and_pdf_are_byte_identical_across_calls_and_processes() -> None:
    first = chain()
    assert first.startswith(b"<?xml") and b"<svg" in first
    memo.clear()  # drawn afresh, not the kept bytes
    assert chain() == first
    pdf = chain("pdf")
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf
    memo.clear()  # drawn afresh, not the kept bytes
    assert chain("pdf") == pdf
    assert in_subprocess("chain()", 'chain("pdf")') == sha(first) + "\n" + sha(pdf)


def test_a_bundle_lays_the_chain_out_once_for_every_format_with_the_same_bytes() -> None:
    kwargs = dict(combination_n=5, combination_N=12, formula="(ST.1 ∧ ST.2) ∨ E.1",
                  title="Figur 40: Udsagnskæde for H1.2 — familieperspektiv",
                  caption="Enhed: sager. N = 12 familier interviewet; fanerne viser antal sager ud af 12.",
                  legend=S["LEGEND"])
    for fmts in (("svg", "png", "pdf"), ("pdf", "svg")):
        together = chain_figures(S["BOXES"], ["both-and", "and-or"], fmts=fmts, **kwargs)
        assert list(together) == list(fmts)
        assert all(together[fmt] == chain(fmt) for fmt in fmts)
    with pytest.raises(ValueError, match="format"):
        chain_figures(S["BOXES"], ["both-and", "and-or"], fmts=("svg", "gif"), **kwargs)


def test_chain_svg_has_tabs_total_formula_legend_and_danish_letters() -> None:
    found = texts(chain())
    for tab in ("7/12", "9/12", "3/12"):
        assert tab in found, tab
    joined = "\n".join(found)
    for expected in ("5/12", "Sager med", "(ST.1 ∧ ST.2) ∨ E.1", "stiplet pil: både-og", "fuld pil: og/eller",
                     "grøn boks: udsagn fra borgere", "sort boks: hændelse", "antal sager", "ønsker", "Én samlet",
                     "tværs", "Udsagnskæde for H1.2 — familieperspektiv", "N = 12 familier interviewet"):
        assert expected in joined, expected


def test_chain_colours_follow_the_report() -> None:
    svg = chain().decode()
    assert "#1f5f3a" in svg and "#111111" in svg and "#cfe8d5" in svg


def test_dashed_arrow_is_both_and_and_solid_arrow_is_and_or() -> None:
    shafts = arrow_shafts(chain(arrows=("both-and", "and-or")))
    assert sorted(shafts) == ["chain-arrow-0", "chain-arrow-1"]
    assert all(len(paths) == 1 for paths in shafts.values())
    dashed = [gid for gid, paths in shafts.items() if "stroke-dasharray" in paths[0]]
    assert dashed == ["chain-arrow-0"]
    assert "stroke-dasharray" not in shafts["chain-arrow-1"][0]
    flipped = arrow_shafts(chain(arrows=("and-or", "both-and")))
    assert [gid for gid, paths in flipped.items() if "stroke-dasharray" in paths[0]] == ["chain-arrow-1"]
    legend = arrow_shafts(chain(), ids=r"legend-(?:both_and|and_or)")  # the legend draws the same two
    assert sorted(legend) == ["legend-and_or", "legend-both_and"]
    assert "stroke-dasharray" in legend["legend-both_and"][0]
    assert "stroke-dasharray" not in legend["legend-and_or"][0]


@pytest.mark.parametrize("count", range(2, 9))
def test_no_box_overlaps_and_no_text_sticks_out(count: int) -> None:
    items = boxes(count)
    arrows = ["both-and" if i % 2 else "and-or" for i in range(count - 1)]
    extents = chain_layout(items, arrows)
    text_extents = chain_text_layout(items, arrows)
    assert len(extents) == len(text_extents) == 2 * count + 1  # boxes, combination box, tabs
    for a, b in itertools.combinations(extents, 2):
        assert not overlaps(a, b), (a, b)
    for text, box in zip(text_extents, extents):
        assert inside(text, box), (text, box)
    for x0, y0, x1, y1 in extents:
        assert 0 <= x0 < x1 <= 6.3 + 1e-6 and 0 <= y0 < y1
    rows = sorted({round(y0, 6) for _, y0, _, _ in extents[:count + 1]})
    assert len(rows) == (1 if count <= 4 else 2)
    svg = chain_figure(items, arrows, combination_n=1, combination_N=12, formula="x", title="t", caption="c",
                       legend={})
    lines = [t for t in texts(svg) if len(t) > 3 and t in LONG]
    assert len(lines) >= 3 * count and all(len(line) <= 22 for line in lines)  # wrapped, ~22 chars a line


def test_layout_handles_unbreakable_words_and_tiny_labels() -> None:
    word = "Beskæftigelsesindsatsforvaltningsmedarbejderkoordinationsgruppen"
    items = [ChainBox("E.1", word, "event", 0, 0), ChainBox("X", "", "other", 12, 12)] + boxes(6, "kort")
    arrows = ["and-or"] * 7
    extents, text_extents = chain_layout(items, arrows), chain_text_layout(items, arrows)
    assert not any(overlaps(a, b) for a, b in itertools.combinations(extents, 2))
    assert all(inside(t, b) for t, b in zip(text_extents, extents))


def test_png_is_16_cm_at_300_dpi() -> None:
    png = chain("png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert abs(width - 1890) <= 2


@pytest.mark.parametrize("n, arrows, match", [
    (1, [], "2 to 8"), (9, ["and-or"] * 8, "2 to 8"), (3, ["and-or"], "need 2 arrows"),
    (3, ["and-or"] * 3, "need 2 arrows"), (2, ["or"], "unknown arrow kind 'or'")])
def test_chain_is_refused_when_malformed(n: int, arrows: list[str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        chain_figure(boxes(n), arrows, combination_n=0, combination_N=0, formula="", title="", caption="",
                     legend={})
    with pytest.raises(ValueError, match=match):
        chain_layout(boxes(n), arrows)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="jpg"):
        chain("jpg")
    with pytest.raises(ValueError, match="gif"):
        overview("gif")


# --------------------------------------------------------------------------------------------
# hypothesis overview


def test_overview_is_deterministic_and_shows_its_nodes() -> None:
    first = overview()
    memo.clear()  # drawn afresh, not the kept bytes
    assert overview() == first
    assert in_subprocess("overview()") == sha(first)
    assert overview("pdf") == overview("pdf")
    reordered = overview_figure(list(reversed(S["NODES"])), list(reversed(S["EDGES"])),
                                title="Figur 38: Overblik over H1", caption="Pilene betyder: fører til.")
    assert reordered == first
    joined = "\n".join(texts(first))
    for expected in ("H1.1", "F 4/5 · S 2/9", "S 1/9", "Økonomi og", "beskæftigelse", "fører til"):
        assert expected in joined, expected
    assert "#cfe8d5" in first.decode()


def test_overview_layers_by_longest_path_and_survives_a_cycle() -> None:
    keys = [node[0] for node in S["NODES"]]
    assert overview_layers(keys, S["EDGES"]) == {"H1": 0, "E.1": 0, "H1.1": 1, "H1.2": 1, "T": 2}
    cyclic = S["EDGES"] + [("T", "H1"), ("H1.1", "H1.1")]
    layers = overview_layers(keys, cyclic)
    assert layers == overview_layers(keys, S["EDGES"])  # only T -> H1 is dropped to break the cycle
    assert layers == overview_layers(list(reversed(keys)), list(reversed(cyclic)))
    assert set(layers) == set(keys)
    svg = overview(edges=cyclic)
    memo.clear()  # drawn afresh, not the kept bytes
    assert svg.startswith(b"<?xml") and overview(edges=cyclic) == svg
    assert overview(edges=[]).startswith(b"<?xml")
    ring = [("A", "B"), ("B", "C"), ("C", "A")]
    assert sorted(overview_layers(["C", "B", "A"], ring).values()) == [0, 1, 2]
    nodes = [(k, "", "mechanism", "") for k in "ABC"]
    assert overview_figure(nodes, ring, title="Ring", caption="") == overview_figure(nodes[::-1], ring[::-1],
                                                                                     title="Ring", caption="")


def test_overview_is_refused_for_unknown_or_duplicate_nodes() -> None:
    with pytest.raises(ValueError, match="H9"):
        overview_figure(S["NODES"], [("H1", "H9")], title="x", caption="")
    with pytest.raises(ValueError, match="distinct"):
        overview_figure(S["NODES"] + [S["NODES"][0]], [], title="x", caption="")


def test_no_global_state_is_left_behind() -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    chain(), chain("png"), overview()
    assert dict(matplotlib.rcParams) == before
