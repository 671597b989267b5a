"""A transcript's properties page, deleting a transcript, the "not counted" warning and a new case or
interviewee from the import form, through the real HTTP client."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, Case, Excerpt, Interviewee, Source
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

TEXT = ("Interviewer: Hvordan gik det?\n\n"
        "Interviewperson: Min koordinator ringede altid tilbage samme dag. Det gav ro.\n\n"
        "Interviewperson: Skolen var svær i starten.\n")


@pytest.fixture
def project(session, factory, client):
    """A project whose transcript has no case but two coded excerpts; its owner logged in."""
    owner = factory.user("owner")
    project = factory.project(owner=owner)
    factory.case(project, "F01", "Nordby")
    source = factory.source(project, [], text=TEXT, title="Mor uden sag")
    code = factory.code(project, "H1.4")
    factory.excerpt(owner, source, "Min koordinator ringede", [(code, "supports")])
    factory.excerpt(owner, source, "Skolen var svær", [(code, "supports")])
    session.commit()
    login(client, "owner", PASSWORD)
    return project


def _source(session) -> Source:
    return session.scalars(select(Source).where(Source.title == "Mor uden sag")).one()


def _tally_cell(page: str, key: str = "H1.4") -> str:
    row = page[page.index(f'data-key="{key}"'):]
    cell = row[row.index('data-measure="family"'):]
    return re.sub(r"<[^>]+>", "", cell[cell.index(">") + 1:cell.index("<span") if "<span" in cell[:cell.index(
        "</td>")] else cell.index("</td>")]).strip()


def test_warning_then_properties_fix_it_and_the_tally_changes(client, session, project):
    source = _source(session)
    workbench = client.get(f"/p/proj/sources/{source.id}").get_data(as_text=True)
    assert "2 coded excerpts in 1 transcript without a case are not counted." in workbench
    assert f"/p/proj/sources/{source.id}/properties" in workbench
    tally = client.get("/p/proj/tally").get_data(as_text=True)
    assert 'id="uncounted"' in tally and "2 coded excerpts" in tally and _tally_cell(tally) == "—"

    page = client.get(f"/p/proj/sources/{source.id}/properties")
    assert page.status_code == 200 and 'value="Mor uden sag"' in page.get_data(as_text=True)
    token = csrf_token(client, f"/p/proj/sources/{source.id}/properties")
    case_id = session.scalar(select(Case.id).where(Case.key == "F01"))
    response = client.post(f"/p/proj/sources/{source.id}/properties", data={
        "csrf_token": token, "title": "Mor F01", "perspective": "family", "cases": str(case_id),
        "mode": "visit", "interview_date": "2025-02-03"})
    assert response.status_code == 302, response.get_data(as_text=True)
    workbench = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Transcript saved. 2 excerpts now have another case." in workbench and 'id="uncounted"' not in workbench
    tally = client.get("/p/proj/tally").get_data(as_text=True)
    assert _tally_cell(tally) == "1/1"
    assert 'id="uncounted"' not in tally, tally[tally.index('id="uncounted"') - 300:]
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "source", AuditEvent.action == "update")).one()
    assert (event.before["cases"], event.after["cases"], event.after["title"]) == ([], ["F01"], "Mor F01")
    # the perspective: family 1/1 becomes —, the count moves to the system column
    token = csrf_token(client, f"/p/proj/sources/{source.id}/properties")
    client.post(f"/p/proj/sources/{source.id}/properties", data={
        "csrf_token": token, "title": "Mor F01", "perspective": "system", "cases": str(case_id)})
    assert _tally_cell(client.get("/p/proj/tally").get_data(as_text=True)) == "—"


def test_bad_properties_keep_what_was_typed_and_other_projects_cases_are_404(client, session, factory, project):
    source = _source(session)
    url = f"/p/proj/sources/{source.id}/properties"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "title": "  ", "perspective": "family",
                                      "interview_date": "2025-02-03"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error"' in page and 'value="2025-02-03"' in page
    response = client.post(url, data={"csrf_token": token, "title": "Ny titel", "perspective": "family",
                                      "interview_date": "3. februar"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'value="Ny titel"' in page and 'value="3. februar"' in page
    other = factory.project("other", accounts.get_user(session, "owner"))
    foreign = factory.case(other, "F09")
    session.commit()
    response = client.post(url, data={"csrf_token": token, "title": "X", "perspective": "family",
                                      "cases": str(foreign.id)})
    assert response.status_code == 404
    session.expire_all()
    assert _source(session).title == "Mor uden sag"
    other_source = factory.source(other, [foreign])
    session.commit()
    assert client.get(f"/p/proj/sources/{other_source.id}/properties").status_code == 404


def test_delete_asks_with_the_counts_then_deletes_and_audits(client, session, factory, project):
    source = _source(session)
    source_id = source.id
    page = client.get(f"/p/proj/sources/{source_id}/delete").get_data(as_text=True)
    assert "2 excerpts and 2 codings go with it" in page
    token = csrf_token(client, f"/p/proj/sources/{source_id}/delete")
    response = client.post(f"/p/proj/sources/{source_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].rstrip("/").endswith("/p/proj")
    session.expire_all()
    assert session.get(Source, source_id) is None
    assert session.scalar(select(func.count()).select_from(Excerpt)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "source", AuditEvent.action == "delete")) == 1
    # a coder may edit properties but not delete
    coder = factory.user("anna")
    accounts.add_member(session, project, coder, "coder")
    other = factory.source(project, [], title="Andet")
    session.commit()
    client.get("/auth/logout")
    login(client, "anna", PASSWORD)
    assert client.get(f"/p/proj/sources/{other.id}/properties").status_code == 200
    assert client.get(f"/p/proj/sources/{other.id}/delete").status_code == 403


def _import(client, token, **fields):
    data = {"csrf_token": token, "perspective": "family", **fields,
            "files": [(io.BytesIO("Interviewer: Hej\nInterviewperson: Hej.\n".encode()), "mor.txt")]}
    return client.post("/p/proj/transcripts/new", data=data, content_type="multipart/form-data")


def test_import_form_creates_a_case_and_an_interviewee_and_attaches_them(client, session, project):
    token = csrf_token(client, "/p/proj/transcripts/new")
    response = _import(client, token, new_case_key="F01", new_case_municipality="Sydby",
                       new_interviewee_key="Mor-F07", new_interviewee_role="mor")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Case &#39;F01&#39; already exists in this project" in page
    assert 'value="Mor-F07"' in page and 'value="Sydby"' in page
    response = _import(client, token, new_case_key="F07", new_case_municipality="Sydby",
                       new_interviewee_key="Mor-F07", new_interviewee_role="mor")
    assert response.status_code == 200, response.get_data(as_text=True)
    source = session.scalars(select(Source).where(Source.title == "mor")).one()
    assert [c.key for c in source.cases] == ["F07"] and [p.key for p in source.interviewees] == ["Mor-F07"]
    person = session.scalars(select(Interviewee).where(Interviewee.key == "Mor-F07")).one()
    assert person.perspective.value == "family"  # as the transcript
    # the page's script: one file per request, the same new case each time (a batch, then one more file)
    for name, batch in (("a.txt", "1"), ("b.txt", "1"), ("c.txt", "0")):
        response = client.post("/api/p/proj/transcripts", headers={"X-CSRFToken": token},
                               content_type="multipart/form-data", data={
                                   "csrf_token": token, "perspective": "system", "batch": batch,
                                   "new_case_key": "F08", "new_case_municipality": "Vestby",
                                   "files": [(io.BytesIO(f"Interviewer: {name}\n".encode()), name)]})
        assert response.status_code == 201, response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Case).where(Case.key == "F08")) == 1
    assert {s.title for s in session.scalars(select(Source).join(Source.cases).where(Case.key == "F08"))} == {"a", "b", "c"}
    response = client.post("/api/p/proj/transcripts", headers={"X-CSRFToken": token},
                           content_type="multipart/form-data", data={
                               "csrf_token": token, "perspective": "system", "new_case_key": "F08",
                               "new_case_municipality": "Østby",
                               "files": [(io.BytesIO(b"Interviewer: d\n"), "d.txt")]})
    assert response.status_code == 400 and "Case 'F08' already exists" in response.get_json()["error"]
