"""Report figures (casecoder/analysis/figures.py): pure, no database — Count/Bar/Edge values built by hand.

SVG keeps its text as <text> elements (svg.fonttype "none"), so the "n/N" labels, "—" and the Danish
letters are checked in the SVG source. Determinism is checked within a process and against a fresh
interpreter with another hash seed.
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from casecoder.analysis.tally import Count
from casecoder.figures import memo
from casecoder.figures.charts import Bar, Edge, cooccurrence_graph, tally_chart

ROOT = Path(__file__).resolve().parents[2]

# Built the same way here and in the subprocess, so both draw exactly the same figures.
SAMPLE = '''
from casecoder.figures.charts import Bar, Edge, cooccurrence_graph, tally_chart
from casecoder.analysis.tally import Count

BARS = [
    Bar("H1.1", "Familien oplever én samlet indsats på tværs af forvaltninger, sektorer og år",
        Count(3, 5, ("F01", "F02", "F03")), Count(7, 9, ("S1", "S2", "S3", "S4", "S5", "S6", "S7"))),
    Bar("H1.2", "Koordinatoren kender familiens ønsker", Count(5, 5, ("F01", "F02", "F03", "F04", "F05")),
        Count(0, 0, ())),
    Bar("H2.1", "Økonomi og bolig", Count(0, 5, ()), Count(9, 9, tuple(f"S{i}" for i in range(1, 10)))),
]
LEGEND = {"family": "Familieperspektiv", "system": "Systemperspektiv", "axis": "Andel af sager (%)",
          "note": "Enhed: sager. N familie = 5, N system = 9. Kodebog helhedsindsats e08b3b56."}
NODES = {"H1.1": "Samlet indsats", "H1.2": "Koordinator kender ønsker", "H2.1": "Økonomi og bolig",
         "H3": "Trivsel"}
NODE_CASES = {"H1.1": 4, "H1.2": 5, "H2.1": 1, "H3": 0}
EDGES = [Edge("H1.1", "H1.2", 3, ("F01", "F02", "F03")), Edge("H1.1", "H2.1", 1, ("F04",)),
         Edge("H2.1", "H3", 0, ()), Edge("H1.2", "H3", 7, ("F01", "F02", "F03", "F04", "F05", "F06", "F07"))]


def chart(fmt="svg"):
    return tally_chart(BARS, title="H1: Helhedsorienteret indsats — sager med evidens", legend=LEGEND, fmt=fmt)


def graph(fmt="svg"):
    return cooccurrence_graph(NODES, NODE_CASES, EDGES, title="Samforekomst af koder", fmt=fmt)
'''
S: dict[str, object] = {}
exec(SAMPLE, S)  # our own constant: the subprocess runs the same text
chart, graph = S["chart"], S["graph"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def svg_texts(svg: bytes) -> list[tuple[float | None, str]]:
    """(x, text) of every <text> element; x is None for multi-line text placed by a transform."""
    out = []
    for attrs, body in re.findall(r"<text([^>]*)>([^<]*)</text>", svg.decode("utf-8")):
        x = re.search(r' x="([-0-9.]+)"', attrs)
        out.append((float(x.group(1)) if x else None, html.unescape(body)))
    return out


def png_size_and_dpi(png: bytes) -> tuple[int, int, float]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    at = png.index(b"pHYs")
    ppu_x, ppu_y, unit = struct.unpack(">IIB", png[at + 4:at + 13])
    assert unit == 1 and ppu_x == ppu_y  # pixels per metre
    return width, height, ppu_x * 0.0254


def in_subprocess(expression: str) -> str:
    """sha256 of ``expression`` evaluated after SAMPLE in a fresh interpreter with another hash seed."""
    code = SAMPLE + f"\nimport hashlib\nprint(hashlib.sha256({expression}).hexdigest())\n"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# --------------------------------------------------------------------------------------------
# tally chart


def test_tally_chart_svg_is_byte_identical_across_calls_and_processes() -> None:
    first = chart()
    assert first.startswith(b"<?xml") and b"<svg" in first
    memo.clear()  # drawn afresh, not the kept bytes
    assert chart() == first
    assert in_subprocess("chart()") == sha(first)


def test_tally_chart_svg_has_counts_dash_and_danish_letters() -> None:
    texts = [t for _, t in svg_texts(chart())]
    for label in ("3/5", "7/9", "5/5", "0/5", "9/9", "—"):
        assert label in texts, label
    assert "0/0" not in texts
    joined = "\n".join(texts)
    for expected in ("Familieperspektiv", "Systemperspektiv", "Andel af sager (%)", "Økonomi og bolig",
                     "ønsker", "én samlet", "på tværs", "Enhed: sager. N familie = 5, N system = 9.",
                     "Helhedsorienteret indsats — sager med evidens"):
        assert expected in joined, expected
    assert [t for t in texts if t in {"0", "20", "40", "60", "80", "100"}] == ["0", "20", "40", "60", "80", "100"]


def test_tally_chart_zero_denominator_is_a_zero_length_bar() -> None:
    """"—" (0/0) sits where "0/5" (a bar of length 0) sits: right after the axis origin; "5/5" at 100 %."""
    x = {t: x for x, t in svg_texts(chart()) if t in {"—", "0/5", "3/5", "5/5", "9/9"}}
    assert x["—"] == pytest.approx(x["0/5"])
    assert x["0/5"] < x["3/5"] < x["5/5"] == pytest.approx(x["9/9"])


def test_tally_chart_wraps_long_labels() -> None:
    label = "Familien oplever én samlet indsats på tværs af forvaltninger, sektorer og år"
    lines = [t for x, t in svg_texts(chart()) if x is None and t.strip() in "H1.1  " + label]
    assert len(lines) >= 2
    assert all(len(line) <= 38 for line in lines)
    assert " ".join(lines).replace("H1.1  ", "") == label


def test_tally_chart_png_is_16_cm_at_300_dpi_and_grows_with_bars() -> None:
    width, height, dpi = png_size_and_dpi(chart("png"))
    assert abs(width - 1890) <= 2
    assert dpi == pytest.approx(300, abs=0.1)
    one = tally_chart(S["BARS"][1:2], title="x", legend=S["LEGEND"], fmt="png")
    assert abs(png_size_and_dpi(one)[0] - 1890) <= 2
    assert png_size_and_dpi(one)[1] < height


def test_tally_chart_pdf_is_deterministic() -> None:
    pdf = chart("pdf")
    assert pdf.startswith(b"%PDF")
    assert b"CreationDate" not in pdf
    memo.clear()  # drawn afresh, not the kept bytes
    assert chart("pdf") == pdf
    assert in_subprocess('chart("pdf")') == sha(pdf)


def test_tally_chart_handles_no_bars_and_special_characters() -> None:
    assert tally_chart([], title="Ingen", legend={"family": "F", "system": "S"}).startswith(b"<?xml")
    bars = [Bar("K$1", "Pris $5 & <mere> $x$", Count(1, 2, ("A",)), Count(2, 2, ("A", "B")))]
    joined = "\n".join(t for _, t in svg_texts(tally_chart(bars, title="a & b", legend=S["LEGEND"])))
    assert "K$1  Pris $5 & <mere> $x$" in joined  # "$" is text, not mathtext


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="jpg"):
        chart("jpg")
    with pytest.raises(ValueError, match="gif"):
        graph("gif")


def test_no_global_state_is_left_behind() -> None:
    before = dict(matplotlib.rcParams)
    chart(), graph(), chart("png")
    assert dict(matplotlib.rcParams) == before
    code = SAMPLE + "\nimport sys\nchart(); graph('pdf')\nprint('matplotlib.pyplot' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------
# co-occurrence graph


def test_cooccurrence_graph_is_deterministic() -> None:
    first = graph()
    memo.clear()  # drawn afresh, not the kept bytes
    assert graph() == first
    assert in_subprocess("graph()") == sha(first)
    assert graph("pdf") == graph("pdf")
    reordered = cooccurrence_graph(dict(reversed(list(S["NODES"].items()))), S["NODE_CASES"],
                                   list(reversed(S["EDGES"])), title="Samforekomst af koder")
    assert reordered == first  # layout follows the sorted keys, not the input order


def test_cooccurrence_graph_draws_edges_with_cases_and_their_numbers() -> None:
    svg = graph()
    texts = [t for _, t in svg_texts(svg)]
    assert sorted(t for t in texts if t.isdigit()) == ["1", "3", "7"]  # the 0-case edge has no number
    assert svg.decode().count('id="line2d_') == 3                       # ... and no line
    for key in S["NODES"]:
        assert texts.count(key) == 1, key                               # the node's own label
    legend = "\n".join(texts)
    for key, label in S["NODES"].items():
        assert f"{key}  {label}" in legend


def test_cooccurrence_graph_png_width_and_edge_cases() -> None:
    width, _, dpi = png_size_and_dpi(graph("png"))
    assert abs(width - 1890) <= 2 and dpi == pytest.approx(300, abs=0.1)
    assert cooccurrence_graph({}, {}, [], title="Tom").startswith(b"<?xml")
    assert cooccurrence_graph({"A": "a"}, {"A": 0}, [], title="Én").startswith(b"<?xml")
    with pytest.raises(ValueError, match="H9"):
        cooccurrence_graph({"H1": "x"}, {}, [Edge("H1", "H9", 1, ("F01",))], title="x")
