"""Report bundles of every kind (#6): files, XLSX and DOCX contents, determinism, zip, spec re-run, web."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlalchemy import select

from casecoder.analysis.matrix import evidence_matrix
from casecoder.analysis.tally import compute_tally
from casecoder.coding import accounts, excerpts
from casecoder.export.report import ReportSpec, build_report
from casecoder.files.tabular import neutralise
from casecoder.models import Code, Source
from tests.conftest import login
from tests.factories import PASSWORD
from tests.files.test_office import assert_a4

CHAIN_YAML = ("- title: Motivation\n  scope: family\n  nodes: [H2.1, ST.6, E.1]\n"
              "  arrows: [both-and, and-or]\n")
KINDS = {  # kind -> (CLI args after PROJECT, files beyond data.*, spec.json and README.txt)
    "tally": (["--code", "H1"], {"table.docx", "table.xlsx", "figure.svg", "figure.png", "figure.pdf"}),
    "matrix": (["H1"], {"table.docx", "table.xlsx"}),
    "cooccurrence": (["--codes", "H1.1,H1.2,H1.3"], {"figure.svg", "figure.png", "figure.pdf"}),
    "chain": (["Motivation"], {"figure.svg", "figure.png", "figure.pdf"}),
    "overview": (["H1"], {"figure.svg", "figure.png", "figure.pdf"}),
    "quotes": (["--code", "H1", "--memo"], {"quotes.docx", "quotes.md"}),
}


def export(runner, kind: str, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    args = ["export", kind, "demo", *KINDS[kind][0], "--out", str(out), *extra]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "data.csv starts with a BOM so Excel reads æøå"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))



@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_writes_data_xlsx_spec_readme_and_is_deterministic(app, chains, tmp_path, kind):
    runner = app.test_cli_runner()
    first, second = tmp_path / "a", tmp_path / "b"
    export(runner, kind, first, "--language", "da")
    export(runner, kind, second, "--language", "da")
    names = {p.name for p in first.iterdir()}
    assert names == {"data.csv", "data.xlsx", "data.json", "spec.json", "README.txt"} | KINDS[kind][1]
    for name in names - {"spec.json"}:
        assert (first / name).read_bytes() == (second / name).read_bytes(), f"{name} differs between two runs"
    rows = csv_rows(first / "data.csv")
    sheet = load_workbook(first / "data.xlsx").active
    cells = [[("" if c is None else str(neutralise(c))) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == rows, "data.xlsx holds the same rows as data.csv (the CSV with its formula apostrophes)"
    assert int(sheet.page_setup.paperSize) == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage, "A4, page width"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    spec = json.loads((first / "spec.json").read_text(encoding="utf-8"))
    assert spec["kind"] == kind and spec["project"] == "demo" and spec["unit"] == "cases"
    assert spec["codebook"]["sha256"] == chains.codebook_sha256 and spec["coders"]
    assert spec["data_files"] == ["data.csv", "data.json"] and len(spec["data_sha256"]) == 64
    assert spec["casecoder_version"] and spec["created_at"] and spec["language"] == "da"
    readme = (first / "README.txt").read_text(encoding="utf-8")
    assert ("Citatbank" if kind == "quotes" else "Enhed: sager") in readme and spec["data_sha256"] in readme
    if "figure.svg" in names:
        assert (first / "figure.svg").read_bytes().startswith(b"<?xml")
        assert (first / "figure.png").read_bytes().startswith(b"\x89PNG")


def test_tally_table_docx_and_xlsx_hold_the_numbers(app, demo, session, tmp_path):
    export(app.test_cli_runner(), "tally", tmp_path / "t", "--language", "en")
    tally = compute_tally(session, demo, case_keys=True)
    h11 = tally.row("H1.1").counts
    doc = Document(str(tmp_path / "t" / "table.docx"))
    assert_a4(doc.sections[0], landscape=True)
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Code", "Label", "Family"]
    widths = [c.width.cm for c in table.rows[0].cells]
    assert widths[1] == max(widths) and widths[1] > 3 * max(widths[2:]), f"label wide, numbers narrow: {widths}"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None, "header row repeated on each page"
    row = next(r for r in table.rows if r.cells[0].text == "H1.1")
    assert row.cells[2].text == h11["family"].label() and row.cells[3].text == h11["system"].label()
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Unit: cases (families)" in text and demo.codebook_sha256 in text
    wb = load_workbook(tmp_path / "t" / "table.xlsx").active
    found = next(r for r in wb.iter_rows(values_only=True) if r[0] == "H1.1")
    assert found[2] == h11["family"].label()


def test_matrix_table_is_landscape_with_a_row_per_case(app, demo, session, tmp_path):
    export(app.test_cli_runner(), "matrix", tmp_path / "m", "--language", "da")
    matrix = evidence_matrix(session, demo, "H1")
    doc = Document(str(tmp_path / "m" / "table.docx"))
    assert_a4(doc.sections[0], landscape=True)  # a wide matrix gets a landscape page
    table = doc.tables[0]
    assert len(table.rows) == 1 + len(matrix.rows) + 1  # header, a row per case, totals
    assert [r.cells[1].text for r in table.rows[1:-1]] == [key for _m, _c, key in matrix.rows]
    first_case = matrix.rows[0][1]
    assert table.rows[1].cells[2].text.startswith(matrix.cells[(first_case, matrix.columns[0].id)].mark)


def test_quote_bank_bundle_and_web_form(app, demo, client, tmp_path):
    export(app.test_cli_runner(), "quotes", tmp_path / "q", "--language", "da", "--perspective", "family")
    doc = Document(str(tmp_path / "q" / "quotes.docx"))
    assert_a4(doc.sections[0])
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].startswith("H1 ") and any(h.startswith("H1.1 ") for h in headings)
    texts = [p.text for p in doc.paragraphs]
    assert "Eksempel 1" in texts and any(t.startswith("Interviewperson: »") for t in texts)
    assert any(t.startswith("(Sag F") and "familieperspektiv" in t for t in texts)
    assert any(t.startswith("Memo: ") for t in texts), "--memo puts the memos in"
    rows = csv_rows(tmp_path / "q" / "data.csv")
    assert rows[0][:3] == ["code_key", "code_label", "number"] and {r[6] for r in rows[1:]} == {"family"}
    page = client.get("/p/demo/tally").get_data(as_text=True)
    assert 'id="quote-form"' in page and 'name="memo"' in page
    response = client.get("/p/demo/export/quotes.zip?code=H1.1&perspective=system&memo=1&sub=1")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        md = zf.read("demo-quotes-H1.1/quotes.md").decode("utf-8")
        spec = json.loads(zf.read("demo-quotes-H1.1/spec.json"))
    assert spec["target"] == {"codes": ["H1.1"], "perspective": "system", "memo": True}
    assert "Example 1" in md and "Interviewee:" not in md, "system quotes start with the role, in English"


def test_zip_output_and_spec_rerun_detects_changed_data(app, demo, session, tmp_path):
    runner = app.test_cli_runner()
    export(runner, "tally", tmp_path / "t.zip")
    with zipfile.ZipFile(tmp_path / "t.zip") as zf:
        names = set(zf.namelist())
        spec = json.loads(zf.read("demo-tally-H1/spec.json"))
    assert "demo-tally-H1/data.csv" in names and "demo-tally-H1/figure.svg" in names
    saved = tmp_path / "spec.json"
    saved.write_text(json.dumps(spec), encoding="utf-8")
    same = runner.invoke(args=["export", "--spec", str(saved), "--out", str(tmp_path / "again")])
    assert same.exit_code == 0 and "hash matches" in same.output, same.output
    # new evidence for H1.1 in a case that had none: the numbers change, and the re-run says so
    tally = compute_tally(session, demo, case_keys=True)
    missing = sorted(set(tally.denominators["system"]) - set(tally.row("H1.1").counts["system"].case_keys))
    assert missing, "the demo has a case without H1.1 under the system perspective"
    source = next(s for s in session.scalars(select(Source).where(Source.project_id == demo.id))
                  if s.perspective.value == "system" and s.cases and s.cases[0].key == missing[0])
    code = session.scalar(select(Code).where(Code.project_id == demo.id, Code.key == "H1.1"))
    excerpts.create_excerpt(session, accounts.get_user(session, "admin"), source, 0, 10, [(code, "supports")],
                            case=source.cases[0])
    session.commit()
    changed = runner.invoke(args=["export", "--spec", str(saved)])
    assert changed.exit_code == 1 and "The data changed" in changed.output, changed.output
    assert spec["data_sha256"][:12] in changed.output


def test_bad_specs_and_targets_get_clear_messages(app, demo, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"project": "demo", "kind": "pie"}), encoding="utf-8")
    result = runner.invoke(args=["export", "--spec", str(bad)])
    assert result.exit_code != 0 and "'pie' is not one of: tally, matrix" in result.output
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["export", "--spec", str(bad)])
    assert result.exit_code != 0 and "is not a JSON file" in result.output
    result = runner.invoke(args=["export", "matrix", "demo", "H9", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "There is no code 'H9'" in result.output
    result = runner.invoke(args=["export", "cooccurrence", "demo", "--codes", "H1.1", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "at least two codes" in result.output
    assert not (tmp_path / "x").exists()


def test_core_builds_the_same_bundle_as_the_cli(chains, session, tmp_path, app):
    bundle = build_report(session, ReportSpec("demo", "chain", {"chain": "Motivation"}, {}, "en"))
    export(app.test_cli_runner(), "chain", tmp_path / "c", "--language", "en")
    assert bundle.files["data.csv"] == (tmp_path / "c" / "data.csv").read_bytes()
    assert bundle.files["figure.svg"] == (tmp_path / "c" / "figure.svg").read_bytes()


def test_web_export_buttons_download_zips(client, demo, session):
    page = client.get("/p/demo/tally?municipality=Nordby").get_data(as_text=True)
    assert "/p/demo/export/tally.zip?code=H1&amp;municipality=Nordby" in page
    response = client.get("/p/demo/export/tally.zip?code=H1&municipality=Nordby")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="demo-tally-H1.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        spec = json.loads(zf.read("demo-tally-H1/spec.json"))
        assert spec["filters"]["municipality"] == ["Nordby"] and spec["language"] == "en"
        assert "demo-tally-H1/figure.svg" in zf.namelist()
    matrix = client.get("/p/demo/matrix/H1").get_data(as_text=True)
    assert "/p/demo/export/matrix.zip?code=H1" in matrix and "/p/demo/export/overview.zip?code=H1" in matrix
    for url in ("/p/demo/export/matrix.zip?code=H1", "/p/demo/export/overview.zip?code=H1",
                "/p/demo/export/cooccurrence.zip?codes=H1.1,H1.2"):
        assert client.get(url).status_code == 200, url
    assert client.get("/p/demo/export/pie.zip").status_code == 404
    assert client.get("/p/demo/export/chain.zip?chain=999999").status_code == 404
    wrong = client.get("/p/demo/export/matrix.zip?code=H9")
    assert wrong.status_code == 400 and "There is no code" in wrong.get_data(as_text=True)


def test_readers_may_not_export(client, demo, session, factory):
    reader = factory.user("rita")
    accounts.add_member(session, demo, reader, "reader")
    session.commit()
    other = client.application.test_client()
    login(other, "rita", PASSWORD)
    assert other.get("/p/demo/export/tally.zip").status_code == 403


def test_csv_and_xlsx_cells_never_start_a_formula(tmp_path):
    from casecoder.files.office import xlsx_bytes
    from casecoder.files.tabular import csv_bytes
    rows = [("=1+1", "+45 12 34", "@SUM(A1)", "- ja, sagde hun", "-1", 2.5, "F01")]
    text = csv_bytes(("a", "b", "c", "d", "e", "f", "g"), rows).decode("utf-8-sig")
    assert text.splitlines()[1] == "'=1+1,'+45 12 34,'@SUM(A1),'- ja, sagde hun,-1,2.5,F01".replace(
        "'- ja, sagde hun", '"\'- ja, sagde hun"')
    (tmp_path / "x.xlsx").write_bytes(xlsx_bytes(("a", "b", "c", "d", "e", "f", "g"), rows))
    cells = next(load_workbook(tmp_path / "x.xlsx").active.iter_rows(min_row=2))
    assert tuple(c.value for c in cells) == ("=1+1", "+45 12 34", "@SUM(A1)", "- ja, sagde hun", "-1", 2.5, "F01")
    assert [c.data_type for c in cells] == ["s"] * 5 + ["n", "s"], "text cells in XLSX, no apostrophe (CSV only)"
    assert neutralise(3) == 3 and neutralise("=") == "'="
