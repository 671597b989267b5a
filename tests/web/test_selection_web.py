"""Selection and interviewee pages (#7): the upload form, the selection page (Table 2, toggle, gross list,
save criteria, create cases), the interviewee page (Table 3), the CLI, and the exports (CLI and web zip)
with their XLSX and DOCX contents. Both databases."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, Case, Registration, SelectionCriteria
from tests.analysis.test_selection import KNOWN, csv_of
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

DEMO_REGISTER = [  # families of the demo's cases and some that are not cases yet
    ("F01", "Nordby", "F01-M", "no", 40, "2016-11-20"),
    ("F02", "Nordby", "F02-F", "yes", 52, "2016-12-05"),
    ("F02", "Nordby", "F02-M", "no", 10, "2016-03-01"),
    ("N10", "Nordby", "N10-A", "no", 9, "2016-11-20"),
    ("N11", "Nordby", "N11-A", "no", 30, "2016-12-31"),
    ("S20", "Sønderå", "S20-A", "no", 12, "2016-11-01"),
    ("S21", "Sønderå", "S21-A", "no", 12, "2016-10-31"),
    ("V30", "Vestkær", "V30-A", "yes", 40, "2016-11-15"),
]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def upload(client, slug: str, data: bytes, name: str = "register.csv"):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/p/{slug}/registrations")
    return client.post(f"/p/{slug}/registrations", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def register(client, demo):  # type: ignore[no-untyped-def]
    response = upload(client, "demo", csv_of(DEMO_REGISTER))
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/demo/selection")
    return demo


def test_upload_form_imports_and_lists_every_problem(client, demo, session):
    overview = client.get("/p/demo/").get_data(as_text=True)
    for link in ("/p/demo/selection", "/p/demo/interviewees", "/p/demo/registrations", "/p/demo/export-bundle.zip"):
        assert link in overview
    for url in ("/p/demo/registrations", "/p/demo/selection"):
        page = client.get(url)
        assert page.status_code == 200 and "The project has no register yet." in page.get_data(as_text=True)
    bad = upload(client, "demo", csv_of([*KNOWN[:2], ("F10", "Vejle", "X", "maybe", 1, "2016-11-01")]))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "The register was not imported; it has 2 problems:" in text
    assert "register.csv, line 4, column 2 (municipality): Family &#39;F10&#39; is in Kolding on line 2" in text
    assert "register.csv, line 4, column 4 (employed_at_entry): &#39;maybe&#39; is not yes or no" in text
    assert "register.csv, line 4, column 1 (family_id): Family &#39;F10&#39; already has two adults" not in text
    assert session.scalar(select(func.count()).select_from(Registration)) == 0
    wrong = upload(client, "demo", b"%PDF", "register.pdf")
    assert wrong.status_code == 400 and "The register must be a .csv file." in wrong.get_data(as_text=True)
    ok = upload(client, "demo", csv_of(KNOWN))
    assert ok.status_code == 302
    assert "Register imported: 10 adults in 9 families in 3 municipalities." in client.get(
        ok.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Registration)) == 10
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "registrations"))
    assert event.action == "replace" and event.user_id == accounts.get_user(session, "admin").id
    assert "The register now holds 10 adults" in client.get("/p/demo/registrations").get_data(as_text=True)


def test_selection_page_table_toggle_and_gross_list(client, register):
    page = client.get("/p/demo/selection").get_data(as_text=True)
    table = page.split('id="selection-table"')[1].split("</table>")[0]
    assert 'data-municipality="Nordby"><td>Nordby</td><td class="num">3</td><td class="num">4</td>' \
           '<td class="num">75 %</td>' in table
    assert 'data-municipality="Sønderå"><td>Sønderå</td><td class="num">1</td><td class="num">2</td>' \
           '<td class="num">50 %</td>' in table
    assert "Vestkær" not in table and '<th class="num">4</th><th class="num">7</th><th class="num">57 %</th>' in table
    assert "Show 1 municipality without selected families" in page
    shown = client.get("/p/demo/selection?show_empty=1").get_data(as_text=True)
    assert 'data-municipality="Vestkær"><td>Vestkær</td><td class="num">0</td><td class="num">1</td>' in shown
    assert "Hide municipalities without selected families" in shown
    gross = page.split('id="gross-list"')[1].split("</table>")[0]
    assert gross.count("<tr data-family=") == 4
    f02 = gross.split('data-family="F02"')[1].split("</tr>")[0]
    assert '<td class="c1">F02-M</td>' in f02 and '<td class="c2">F02-F</td>' in f02 and "exists" in f02
    assert "F02-F (employed at entry, 52 weeks, 2016-12-05)" in f02
    assert "Create 2 cases" in page and "/p/demo/export/selection.zip?" in page
    nine = client.get("/p/demo/selection?min_weeks=9&require_not_employed=1&window_from=2016-11-01"
                      "&window_to=2016-12-31").get_data(as_text=True)
    assert 'data-family="N10"' in nine and "The criteria shown differ from the saved ones." in nine
    bad = client.get("/p/demo/selection?window_from=2017-01-01")
    assert bad.status_code == 400 and "The window starts on 2017-01-01, after it ends on 2016-12-31" in \
        bad.get_data(as_text=True)


def test_save_criteria_and_create_cases(client, register, session):
    token = csrf_token(client, "/p/demo/selection")
    values = {"min_weeks": "9", "require_not_employed": "1", "window_from": "2016-11-01", "window_to": "2016-12-31"}
    saved = client.post("/p/demo/selection/criteria", data={"csrf_token": token, **values})
    assert saved.status_code == 302
    page = client.get("/p/demo/selection").get_data(as_text=True)
    assert "Selection criteria saved." in page and 'data-family="N10"' in page and "Saved criteria: at least 9" in page
    session.expire_all()
    assert session.scalar(select(SelectionCriteria.min_weeks)) == 9
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.entity == "criteria")) == "create"
    refused = client.post("/p/demo/selection/criteria", data={"csrf_token": token, **values, "min_weeks": "-3"})
    assert refused.status_code == 400 and "Minimum employment weeks &#39;-3&#39;" in refused.get_data(as_text=True)
    created = client.post("/p/demo/selection/cases", data={"csrf_token": token, **values})
    assert created.status_code == 302 and "min_weeks=9" in created.headers["Location"]
    assert "3 cases created; 2 skipped because they already exist." in client.get(
        created.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    new = dict(session.execute(select(Case.key, Case.municipality).where(Case.key.in_(["N10", "N11", "S20"]))).all())
    assert new == {"N10": "Nordby", "N11": "Nordby", "S20": "Sønderå"}
    again = client.post("/p/demo/selection/cases", data={"csrf_token": token, **values})
    assert "0 cases created; 5 skipped" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert client.post("/p/demo/selection/cases", data=values).status_code == 400, "CSRF is required"


def test_roles_guard_the_pages(client, register, session, factory, demo):
    for name, role in (("cora", "coder"), ("rita", "reader")):
        accounts.add_member(session, demo, factory.user(name), role)
    session.commit()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "cora", PASSWORD)
    page = client.get("/p/demo/selection")
    assert page.status_code == 200 and 'id="create-cases"' not in page.get_data(as_text=True)
    assert client.get("/p/demo/registrations").status_code == 403
    token = csrf_token(client, "/p/demo/selection")
    assert client.post("/p/demo/selection/cases", data={"csrf_token": token}).status_code == 403
    assert client.get("/p/demo/interviewees").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "rita", PASSWORD)
    assert client.get("/p/demo/selection").status_code == 403 and client.get("/p/demo/interviewees").status_code == 403


def test_interviewee_page_is_table_3(client, demo):
    page = client.get("/p/demo/interviewees").get_data(as_text=True)
    nordby = page.split('data-municipality="Nordby">')[1].split("</tr>")[0]
    assert '<td class="num" title="F01 F02 F03">3</td>' in nordby
    assert "<li>1 familiekoordinator</li><li>1 jobkonsulent</li>" in nordby and nordby.strip().endswith(">2</td>")
    total = page.split('class="total"')[1].split("</tr>")[0]
    assert ">9</th>" in total and "<li>3 familiekoordinator</li>" in total and ">5</th>" in total
    only = client.get("/p/demo/interviewees?municipality=Vestk%C3%A6r").get_data(as_text=True)
    assert 'data-municipality="Nordby"' not in only and "<code>municipality=Vestkær</code>" in only
    assert "/p/demo/export/interviewees.zip?municipality=Vestk%C3%A6r" in only


def test_cli_import_and_exports(app, runner, demo, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_of([*DEMO_REGISTER, ("V30", "Vestkær", "V30-B", "x", 1, "2016-01-01")]))
    bad = runner.invoke(args=["import-registrations", "demo", str(path)])
    assert bad.exit_code != 0 and "The register was not imported; it has 1 problem(s):" in bad.output
    assert "register.csv, line 10, column 4 (employed_at_entry): 'x' is not yes or no" in bad.output
    path.write_bytes(csv_of(DEMO_REGISTER))
    ok = runner.invoke(args=["import-registrations", "demo", str(path), "--user", "admin"])
    assert ok.exit_code == 0 and "8 adults in 7 families in 3 municipalities" in ok.output, ok.output

    out = tmp_path / "sel"
    result = runner.invoke(args=["export", "selection", "demo", "--out", str(out), "--language", "da",
                                 "--min-weeks", "9", "--allow-employed-at-entry", "--show-empty"])
    assert result.exit_code == 0 and "6 of 7 families selected" in result.output, result.output
    assert {p.name for p in out.iterdir()} == {"data.csv", "data.xlsx", "data.json", "gross_list.csv", "table.docx",
                                               "table.xlsx", "spec.json", "README.txt"}
    rows = csv_rows((out / "data.csv").read_bytes())
    assert rows == [["municipality", "families_selected", "families_total", "share_percent"],
                    ["Nordby", "4", "4", "100"], ["Sønderå", "1", "2", "50"], ["Vestkær", "1", "1", "100"],
                    ["Total", "6", "7", "86"]]
    sheet = [[("" if c is None else str(c)) for c in r] for r in load_workbook(out / "data.xlsx").active.iter_rows(
        values_only=True)]
    assert sheet == rows
    spec = json.loads((out / "spec.json").read_text(encoding="utf-8"))
    assert spec["kind"] == "selection" and spec["unit"] == "families" and spec["filters"] == {}
    assert spec["target"] == {"min_weeks": 9, "require_not_employed": False, "window_from": "2016-11-01",
                              "window_to": "2016-12-31", "show_empty": True}
    data = json.loads((out / "data.json").read_text(encoding="utf-8"))
    f02 = next(f for f in data["gross_list"] if f["family_id"] == "F02")
    assert f02["criterion_1_adults"] == ["F02-F", "F02-M"] and f02["criterion_2_adults"] == ["F02-F"]
    doc = Document(str(out / "table.docx"))
    table = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert table[0] == ["Kommune", "Antal familier, der opfylder succeskriteriet",
                        "Andel af alle familier i kommunens projekt"]
    assert table[1:] == [["Nordby", "4", "100 %"], ["Sønderå", "1", "50 %"], ["Vestkær", "1", "100 %"],
                         ["I alt", "6", "86 %"]]
    assert any("mindst 9 uger" in p.text for p in doc.paragraphs)
    xlsx = load_workbook(out / "table.xlsx").active
    assert [c.value for c in xlsx[1]] == list(table[0]) and xlsx["A5"].value == "I alt" and xlsx["B5"].value == 6
    rerun = runner.invoke(args=["export", "--spec", str(out / "spec.json")])
    assert rerun.exit_code == 0 and "hash matches" in rerun.output

    out3 = tmp_path / "int"
    result = runner.invoke(args=["export", "interviewees", "demo", "--out", str(out3), "--language", "en"])
    assert result.exit_code == 0 and "9 cases in 3 municipalities" in result.output, result.output
    rows = csv_rows((out3 / "data.csv").read_bytes())
    assert rows[0] == ["municipality", "cases", "professionals", "families_interviewed"]
    assert rows[1] == ["Nordby", "3", "1 familiekoordinator; 1 jobkonsulent", "2"]
    assert rows[-1][0] == "Total" and rows[-1][1] == "9" and rows[-1][3] == "5"
    doc = Document(str(out3 / "table.docx"))
    table = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert table[0] == ["Municipality", "Cases", "Professionals interviewed", "Families interviewed"]
    assert table[1] == ["Nordby", "3", "1 familiekoordinator\n1 jobkonsulent", "2"] and table[-1][0] == "Total"
    xlsx = load_workbook(out3 / "table.xlsx").active
    assert xlsx["C2"].value == "1 familiekoordinator; 1 jobkonsulent" and xlsx["B5"].value == 9
    filtered = runner.invoke(args=["export", "interviewees", "demo", "--out", str(tmp_path / "i2"),
                                   "--municipality", "Nordby"])
    assert filtered.exit_code == 0 and "3 cases in 1 municipalities" in filtered.output
    spec = json.loads((tmp_path / "i2" / "spec.json").read_text(encoding="utf-8"))
    assert spec["filters"] == {"municipality": ["Nordby"]}


def test_web_export_zips_take_the_page_criteria(client, register):
    response = client.get("/p/demo/export/selection.zip?min_weeks=9&require_not_employed=1"
                          "&window_from=2016-11-01&window_to=2016-12-31")
    assert response.status_code == 200 and 'filename="demo-selection.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        spec = json.loads(zf.read("demo-selection/spec.json"))
        rows = csv_rows(zf.read("demo-selection/data.csv"))
        table = load_workbook(io.BytesIO(zf.read("demo-selection/table.xlsx"))).active
    assert spec["target"]["min_weeks"] == 9 and spec["language"] == "en"
    assert rows[1] == ["Nordby", "4", "4", "100"] and table["A1"].value == "Municipality"
    default = client.get("/p/demo/export/selection.zip")
    with zipfile.ZipFile(io.BytesIO(default.data)) as zf:
        assert json.loads(zf.read("demo-selection/spec.json"))["target"]["min_weeks"] == 10
        gross = csv_rows(zf.read("demo-selection/gross_list.csv"))
    assert gross[0] == ["municipality", "family_id", "adults", "criterion_1_adults", "criterion_2_adults"]
    assert ["Nordby", "F02", "F02-F F02-M", "F02-M", "F02-F"] in gross
    assert client.get("/p/demo/export/selection.zip?min_weeks=x").status_code == 400
    response = client.get("/p/demo/export/interviewees.zip?municipality=Nordby")
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        rows = csv_rows(zf.read("demo-interviewees/data.csv"))
        doc = Document(io.BytesIO(zf.read("demo-interviewees/table.docx")))
    assert rows[1:] == [["Nordby", "3", "1 familiekoordinator; 1 jobkonsulent", "2"],
                        ["Total", "3", "1 familiekoordinator; 1 jobkonsulent", "2"]]
    assert doc.tables[0].rows[-1].cells[0].text == "Total"
