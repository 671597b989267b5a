"""Double coding and agreement through HTTP: blind mode in the workbench page and the JSON API,
the management, results and disagreement pages with reconciliation, and the CLI export."""
from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import select

from casecoder.coding import double_coding as dc
from casecoder.models import AuditEvent, Case, Code, Excerpt, Reconciliation
from tests.analysis import test_agreement
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

double = test_agreement.double  # the hand-made double-coded project (a fixture)


def _excerpts(client, source_id):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/p/dbl/sources/{source_id}/excerpts")
    assert response.status_code == 200
    return response.get_json()


def test_blind_mode_through_the_api_and_the_page(client, session, double):
    project, olga, coders, cases, sources = double
    f01 = sources["F01"].id
    bo_excerpt = session.scalar(select(Excerpt).where(Excerpt.source_id == f01, Excerpt.created_by_id == coders["bo"].id))
    login(client, "anna", PASSWORD)
    rows = _excerpts(client, f01)
    assert len(rows) == 1 and {c["coder"] for r in rows for c in r["codings"]} == {"anna"}
    assert client.get(f"/api/p/dbl/excerpts/{bo_excerpt.id}").status_code == 404
    token = csrf_token(client, f"/p/dbl/sources/{f01}")
    assert client.patch(f"/api/p/dbl/excerpts/{bo_excerpt.id}", json={"memo": "x"},
                        headers={"X-CSRFToken": token}).status_code == 404
    assert client.delete(f"/api/p/dbl/excerpts/{bo_excerpt.id}", headers={"X-CSRFToken": token}).status_code == 404
    page = client.get(f"/p/dbl/sources/{f01}").get_data(as_text=True)
    assert 'id="blind-notice"' in page and '"coder":"bo"' not in page and '"coder":"anna"' in page
    listing = client.get(f"/p/dbl/excerpts?source={f01}").get_data(as_text=True)  # the excerpt list is blind too
    rows_html = listing[listing.find("<tbody"):listing.find("</tbody>")]
    assert rows_html.count("<tr>") == 1 and 'title="anna"' in rows_html and 'title="bo"' not in rows_html
    by_bo = client.get(f"/p/dbl/excerpts?source={f01}&coder={coders['bo'].id}").get_data(as_text=True)
    assert "No excerpts match." in by_bo, "bo's codings select nothing"
    # not in double coding: everything shows
    client.get("/auth/logout")
    login(client, "olga", PASSWORD)
    assert {c["coder"] for r in _excerpts(client, f01) for c in r["codings"]} == {"anna", "bo"}
    token = csrf_token(client, "/p/dbl/double-coding")
    assert client.post(f"/p/dbl/double-coding/{f01}/open",
                       data={"csrf_token": token, "opened": "1"}).status_code == 302
    client.get("/auth/logout")
    login(client, "anna", PASSWORD)
    assert {c["coder"] for r in _excerpts(client, f01) for c in r["codings"]} == {"anna", "bo"}
    assert client.get(f"/api/p/dbl/excerpts/{bo_excerpt.id}").status_code == 200
    assert 'id="blind-notice"' not in client.get(f"/p/dbl/sources/{f01}").get_data(as_text=True)


def test_manage_page_marks_a_case_and_needs_the_owner(client, session, double):
    project, olga, coders, cases, sources = double
    dc.unmark(session, olga, dc.assignment_of(session, sources["F02"].id))
    session.commit()
    login(client, "anna", PASSWORD)
    assert client.get("/p/dbl/double-coding").status_code == 403
    client.get("/auth/logout")
    login(client, "olga", PASSWORD)
    page = client.get("/p/dbl/double-coding")
    assert page.status_code == 200 and "Interview F04" in page.get_data(as_text=True)
    token = csrf_token(client, "/p/dbl/double-coding")
    response = client.post("/p/dbl/double-coding/mark", data={
        "csrf_token": token, "case": str(cases["F02"].id), "coder": [str(coders["anna"].id), str(coders["cai"].id)]})
    assert response.status_code == 302
    assignment = dc.assignment_of(session, sources["F02"].id)
    assert [u.username for u in assignment.coders] == ["anna", "cai"]
    bad = client.post("/p/dbl/double-coding/mark", data={"csrf_token": token, "case": str(cases["F02"].id),
                                                         "coder": [str(coders["anna"].id)]})
    assert bad.status_code == 400 and "at least 2 different coders" in bad.get_data(as_text=True)
    assert "Double coding" in client.get("/p/dbl/").get_data(as_text=True)


def test_results_page_export_and_reconcile(client, session, double):
    project, olga, coders, cases, sources = double
    login(client, "olga", PASSWORD)
    page = client.get("/p/dbl/agreement?coders=anna&coders=bo&code=H1.4")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-key="H1.4"' in html and "0.500" in html and "0.533" in html
    export = client.get("/p/dbl/export/agreement.zip?coders=anna&coders=bo&code=H1.4")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.data)) as z:
        name = next(n for n in z.namelist() if n.endswith("data.csv"))
        rows = list(csv.reader(io.StringIO(z.read(name).decode("utf-8-sig"))))
        assert {n.rsplit("/", 1)[1] for n in z.namelist()} >= {"data.csv", "data.xlsx", "data.json", "table.docx",
                                                              "table.xlsx", "spec.json", "README.txt"}
    assert rows == [["code_key", "units", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"],
                    ["H1.4", "4", "0.75", "0.5", "0.4667", "0.5333"]]
    listing = client.get("/p/dbl/agreement/disagreements?coders=anna&coders=bo&code=H1.4").get_data(as_text=True)
    assert 'data-case="F02"' in listing and 'data-case="F01"' not in listing
    h14 = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    token = csrf_token(client, "/p/dbl/agreement/disagreements")
    response = client.post("/p/dbl/agreement/reconcile", data={
        "csrf_token": token, "case_id": str(cases["F02"].id), "code_id": str(h14.id), "decision": "accept",
        "coder": "bo", "next": "/p/dbl/agreement/disagreements?coders=anna&coders=bo"})
    assert response.status_code == 302 and response.headers["Location"].endswith("coders=anna&coders=bo")
    row = session.scalar(select(Reconciliation))
    assert row.decision.value == "accept" and row.chosen_coder.username == "bo"
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity == "reconciliation")) is not None
    assert client.post("/p/dbl/agreement/reconcile", data={"case_id": "1"}).status_code == 400  # no CSRF token


def test_cli_export_agreement(runner, session, double, tmp_path):
    out = tmp_path / "agreement"
    result = runner.invoke(args=["export", "agreement", "dbl", "--coders", "anna,bo,cai", "--code", "H1.4",
                                 "--out", str(out), "--language", "en"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((out / "data.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0]["code_key"] == "H1.4" and rows[0]["cohen_kappa"] == "" and rows[0]["fleiss_kappa"] == ""
    assert rows[0]["krippendorff_alpha"] != ""
    assert "few positive" in (out / "README.txt").read_text() or "positive units" in (out / "README.txt").read_text()
    segment = runner.invoke(args=["export", "agreement", "dbl", "--coders", "anna,bo", "--level", "segment",
                                  "--unit", "sentence", "--hypothesis", "H1", "--out", str(tmp_path / "seg")])
    assert segment.exit_code == 0, segment.output
    bad = runner.invoke(args=["export", "agreement", "dbl", "--coders", "anna", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "at least two coders" in bad.output
    assert session.scalar(select(Case).where(Case.key == "F01")) is not None
