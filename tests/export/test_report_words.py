"""Texts in READMEs, Word legends and figures are report words, never internals (#23): no "N_family = 5",
no "direction=supports; sub=1", no "family = familieperspektiv", no ∧/∨; every figure says what it counts.
Each kind exported through the CLI as a user would, in English (the msgids) and in Danish.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from docx import Document

from tests.export.test_report_export import KINDS, export

INTERNALS = re.compile(r"N_[A-Za-z]|\b[a-z_]+=[a-z0-9]|∧|∨|\bfamily = |\bfamilie = ")
FIGURE_KINDS = ("tally", "cooccurrence", "chain", "overview")



def texts_of(folder: Path) -> dict[str, str]:
    """README.txt, the Word documents' paragraphs and the figure's SVG text, by file name."""
    out = {"README.txt": (folder / "README.txt").read_text(encoding="utf-8").split("data sha256")[0]}
    for docx in folder.glob("*.docx"):
        out[docx.name] = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    svg = folder / "figure.svg"
    if svg.exists():
        found = re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))
        out["figure.svg"] = " ".join(html.unescape(t) for t in found)
    return out


@pytest.mark.parametrize("lang", ["en", "da"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_readmes_legends_and_figures_use_report_words(app, chains, tmp_path, kind, lang):
    export(app.test_cli_runner(), kind, tmp_path / kind, "--language", lang)
    for name, text in texts_of(tmp_path / kind).items():
        assert not INTERNALS.search(text), (name, INTERNALS.search(text))
    if kind in FIGURE_KINDS and lang == "en":
        figure = texts_of(tmp_path / kind)["figure.svg"]
        assert "Counted: supporting evidence only" in figure, kind


def test_english_readme_names_denominators_and_filters_in_words(app, chains, tmp_path):
    export(app.test_cli_runner(), "tally", tmp_path / "t", "--language", "en")
    readme = texts_of(tmp_path / "t")["README.txt"]
    assert "Denominators (cases): family perspective 5, system perspective 9, both perspectives 5, " \
           "all selected cases 9" in readme
    assert "Filters: Evidence counted: supporting; Sub-codes: included" in readme
    assert "Family: cases with the code in a family interview, of the cases with a family interview." in readme
    export(app.test_cli_runner(), "chain", tmp_path / "c", "--language", "en", "--direction", "supports",
           "--direction", "contradicts")
    chain = texts_of(tmp_path / "c")
    assert "Formula: (H2.1 and ST.6) or E.1 = " in chain["README.txt"]
    assert "Counted: supporting and contradicting evidence only." in chain["figure.svg"]
    assert "Evidence counted: supporting, contradicting" in chain["README.txt"]
