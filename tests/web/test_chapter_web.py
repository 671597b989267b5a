"""The report chapter in the browser (#24): the chapter page, marking and ordering quotes, the analysis
note, the Export chapter button (HTTP client and a real Chromium)."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest
from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, Code, Excerpt, Membership, Role
from casecoder.models.report import AnalysisNote, ReportQuote
from tests.conftest import csrf_token, login
from tests.export.test_chapter import h2_excerpts
from tests.factories import PASSWORD
from tests.web.test_browser_reports import download, log_in


def post(client, url: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def test_mark_order_note_and_export_over_http(client, demo, session):
    ids = h2_excerpts(session, demo)[:3]
    page = client.get("/p/demo/chapter/H2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hypothesis 2: " in html and 'id="export-chapter"' in html and "Use in the report" in html
    for excerpt_id in ids:
        assert post(client, f"/p/demo/report-quotes/{excerpt_id}/mark?back=H2").status_code == 302
    assert post(client, f"/p/demo/report-quotes/{ids[2]}/up?back=H2").status_code == 302
    session.expire_all()
    order = session.scalars(select(ReportQuote.excerpt_id).where(ReportQuote.project_id == demo.id)
                            .order_by(ReportQuote.position)).all()
    assert order == [ids[0], ids[2], ids[1]]
    h21 = session.scalar(select(Code).where(Code.project_id == demo.id, Code.key == "H2.1"))
    response = post(client, f"/p/demo/chapter-notes/{h21.id}?back=H2", note="Frirummet går igen i alle forløb.")
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/demo/chapter/H2#sub-H2.1")
    assert session.scalar(select(AnalysisNote.text).where(AnalysisNote.code_id == h21.id)) == \
        "Frirummet går igen i alle forløb."
    html = client.get("/p/demo/chapter/H2").get_data(as_text=True)
    assert html.count('class="report-quote"') == 3 and "Frirummet går igen" in html
    bundle = client.get("/p/demo/export/chapter.zip?code=H2")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as z:
        document = docx.Document(io.BytesIO(z.read("demo-chapter-H2/chapter.docx")))
    text = [p.text for p in document.paragraphs]
    assert "Frirummet går igen i alle forløb." in text
    assert [t for t in text if t.startswith("Example ")] == ["Example 1", "Example 2", "Example 3"]
    assert post(client, f"/p/demo/report-quotes/{ids[1]}/remove?back=H2").status_code == 302
    actions = session.execute(select(AuditEvent.entity, AuditEvent.action).where(
        AuditEvent.project_id == demo.id, AuditEvent.entity.in_(["report_quote", "analysis_note"]))).all()
    assert ("report_quote", "delete") in actions and ("analysis_note", "create") in actions
    assert client.get("/p/demo/chapter/H2.1").status_code == 404, "a sub-mechanism has no chapter of its own"
    assert client.get("/p/demo/chapter/H9").status_code == 404


def test_a_reader_sees_no_chapter_and_cannot_mark(client, demo, session, factory):
    reader = factory.user("rita")
    session.add(Membership(user_id=reader.id, project_id=demo.id, role=Role.READER))
    session.commit()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, "rita", PASSWORD)
    excerpt_id = h2_excerpts(session, demo)[0]
    assert client.get("/p/demo/chapter/H2").status_code == 403
    assert post(client, f"/p/demo/report-quotes/{excerpt_id}/mark").status_code == 403
    assert session.scalar(select(ReportQuote).where(ReportQuote.project_id == demo.id)) is None
    assert accounts.get_user(session, "rita") is not None


@pytest.mark.browser
@pytest.mark.slow
def test_the_export_chapter_button_downloads_the_word_draft(live_server, page):
    base, project = live_server
    log_in(page, base)
    page.goto(base + "/p/demo/chapter/H2")
    page.locator(".candidate-quote button[data-action=mark]").first.click()
    page.wait_for_load_state()
    assert page.locator(".report-quote").count() == 1
    bundle = download(page, "#export-chapter")
    names = bundle.namelist()
    assert "demo-chapter-H2/chapter.docx" in names and "demo-chapter-H2/data.xlsx" in names
    document = docx.Document(io.BytesIO(bundle.read("demo-chapter-H2/chapter.docx")))
    assert document.paragraphs[0].text.startswith("Hypothesis 2: ")
    assert "Example 1" in [p.text for p in document.paragraphs]
    page.goto(base + "/p/demo/codebook")
    page.click("text=H2")
    page.wait_for_load_state()
    assert page.locator("#export-chapter").count() == 1 and page.locator("#chapter-page").count() == 1


def test_the_workbench_toggle_marks_over_json(client, demo, session):
    excerpt_id = h2_excerpts(session, demo)[0]
    headers = {"X-CSRFToken": csrf_token(client, "/")}
    url = f"/api/p/demo/excerpts/{excerpt_id}/report"
    assert client.get(url).get_json() == {"marked": False}
    assert client.post(url, json={"marked": True}, headers=headers).get_json() == {"marked": True}
    assert client.get(url).get_json() == {"marked": True}
    bad = client.post(url, json={"marked": "ja"}, headers=headers)
    assert bad.status_code == 400 and "marked" in bad.get_json()["error"]
    assert client.post(url, json={"marked": False}, headers=headers).get_json() == {"marked": False}
    assert client.post(url, json={"marked": True}, headers={"X-CSRFToken": "forged"}).status_code == 400
    assert client.get("/api/p/demo/excerpts/999999/report").status_code == 404


@pytest.mark.browser
@pytest.mark.slow
def test_the_workbench_checkbox_marks_the_open_excerpt(live_server, page, session):
    base, project = live_server
    excerpt = session.get(Excerpt, h2_excerpts(session, project)[0])
    log_in(page, base)
    page.goto(f"{base}/p/demo/sources/{excerpt.source_id}")
    page.wait_for_selector("#transcript[data-ready='1']")
    page.click(f"#excerpt-{excerpt.id}")
    page.wait_for_selector("#in-report-row:not([hidden])")
    assert not page.is_checked("#in-report")
    with page.expect_response(lambda r: r.url.endswith(f"/excerpts/{excerpt.id}/report") and r.request.method == "POST"):
        page.check("#in-report")
    session.expire_all()
    assert session.scalar(select(ReportQuote.excerpt_id).where(ReportQuote.project_id == project.id)) == excerpt.id
    page.reload()
    page.wait_for_selector("#transcript[data-ready='1']")
    page.click(f"#excerpt-{excerpt.id}")
    page.wait_for_function("document.getElementById('in-report').checked")
    page.goto(base + "/p/demo/chapter/H2")
    assert page.locator(f".report-quote[data-excerpt='{excerpt.id}']").count() == 1


def test_the_analysis_note_is_edited_on_the_code_page_too(client, demo, session):
    h21 = session.scalar(select(Code).where(Code.project_id == demo.id, Code.key == "H2.1"))
    page = client.get(f"/p/demo/codes/{h21.id}").get_data(as_text=True)
    assert 'id="analysis-note"' in page
    response = post(client, f"/p/demo/chapter-notes/{h21.id}?back=code", note="Skrevet på kodens side.")
    assert response.headers["Location"].endswith(f"/p/demo/codes/{h21.id}#analysis-note")
    assert "Skrevet på kodens side." in client.get(f"/p/demo/codes/{h21.id}").get_data(as_text=True)
    assert "Skrevet på kodens side." in client.get("/p/demo/chapter/H2").get_data(as_text=True)
    events = session.execute(select(AuditEvent.action).where(AuditEvent.entity == "analysis_note")).scalars().all()
    assert events == ["create"]


def test_the_chapter_is_written_into_an_uploaded_template(client, demo):
    template = docx.Document()
    template.styles["Heading 1"].font.name = "Georgia"
    buffer = io.BytesIO()
    template.save(buffer)
    response = client.post("/p/demo/chapter/H2/template", data={
        "csrf_token": csrf_token(client, "/p/demo/chapter/H2"),
        "template": (io.BytesIO(buffer.getvalue()), "rapport.docx")}, content_type="multipart/form-data")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        document = docx.Document(io.BytesIO(z.read("demo-chapter-H2/chapter.docx")))
        spec = z.read("demo-chapter-H2/spec.json").decode()
    assert document.styles["Heading 1"].font.name == "Georgia" and "rapport.docx" in spec
    bad = client.post("/p/demo/chapter/H2/template", data={
        "csrf_token": csrf_token(client, "/p/demo/chapter/H2"),
        "template": (io.BytesIO(b"not Word"), "notes.docx")}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "is not a Word .docx file" in bad.get_data(as_text=True)
