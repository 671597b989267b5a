"""The pages of a project, on the demo data, through the real HTTP client."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from casecoder.models import AuditEvent, Code, Coding, Project
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def test_overview_lists_cases_and_transcripts(client, demo):
    page = client.get("/p/demo/").get_data(as_text=True)
    assert "9 cases in 3 municipalities" in page
    assert page.count('href="/p/demo/cases/') == 9
    assert page.count('href="/p/demo/sources/') == 11
    assert "Vestkær" in page and "Sønderå" in page


def test_every_case_source_and_code_page_renders(client, demo, session):
    page = client.get("/p/demo/").get_data(as_text=True)
    links = sorted(set(re.findall(r'href="(/p/demo/(?:cases|sources)/\d+)"', page)))
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
    source_page = client.get(links[-1]).get_data(as_text=True)
    assert 'id="excerpt-' in source_page
    codebook = client.get("/p/demo/codebook").get_data(as_text=True)
    for key in ("H1", "H1.1", "H4.4", "ST.1", "B.7", "E.1", "S.5", "OUT"):
        assert f">{key}</a>" in codebook
    for code_id in session.scalars(select(Code.id).where(Code.project_id == demo.id)):
        assert client.get(f"/p/demo/codes/{code_id}").status_code == 200


def test_deleting_a_used_code_is_refused_in_the_browser_form(client, demo, session):
    h14 = session.scalar(select(Code).where(Code.project_id == demo.id, Code.key == "H1.4"))
    h14_id = h14.id
    used = session.scalar(select(func.count(Coding.id)).where(Coding.code_id == h14.id))
    assert used > 0
    token = csrf_token(client, f"/p/demo/codes/{h14.id}")
    response = client.post(f"/p/demo/codes/{h14.id}/delete", data={"csrf_token": token, "merge_into": "",
                                                                   "confirm": "y"}, follow_redirects=True)
    assert f"Code H1.4 has {used} coding(s) and cannot be deleted" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Code, h14.id) is not None
    h13 = session.scalar(select(Code).where(Code.project_id == demo.id, Code.key == "H1.3"))
    before = session.scalar(select(func.count(Coding.id)).where(Coding.code_id == h13.id))
    response = client.post(f"/p/demo/codes/{h14.id}/delete",
                           data={"csrf_token": token, "merge_into": str(h13.id), "confirm": "y"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Code, h14_id) is None
    assert session.scalar(select(func.count(Coding.id)).where(Coding.code_id == h13.id)) >= before + 1
    audit = client.get("/p/demo/audit").get_data(as_text=True)
    assert "merge" in audit and "merged_into" in audit


def test_owner_adds_a_member_and_admin_creates_a_project(client, demo, session, factory):
    factory.user("maja")
    session.commit()
    token = csrf_token(client, "/p/demo/members")
    unknown = client.post("/p/demo/members", data={"csrf_token": token, "username": "nobody", "role": "coder"})
    assert unknown.status_code == 400 and "There is no user named" in unknown.get_data(as_text=True)
    ok = client.post("/p/demo/members", data={"csrf_token": token, "username": "maja", "role": "analyst"})
    assert ok.status_code == 302
    assert "maja" in client.get("/p/demo/members").get_data(as_text=True)
    token = csrf_token(client, "/projects/new")
    taken = client.post("/projects/new", data={"csrf_token": token, "title": "Again", "slug": "demo",
                                               "codebook": "helhedsindsats.yaml"})
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    made = client.post("/projects/new", data={"csrf_token": token, "title": "Ny evaluering", "slug": "ny",
                                              "codebook": "helhedsindsats.yaml"})
    assert made.status_code == 302 and made.headers["Location"] == "/p/ny/"
    project = session.scalar(select(Project).where(Project.slug == "ny"))
    assert project.codebook_name == "helhedsindsats"


def test_non_admin_cannot_create_projects(client, factory, session):
    factory.user("plain")
    session.commit()
    login(client, "plain", PASSWORD)
    assert client.get("/projects/new").status_code == 403
    assert "not a member of any project" in client.get("/").get_data(as_text=True)


def test_audit_page_shows_who_did_what(client, demo, session):
    total = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.project_id == demo.id))
    page = client.get("/p/demo/audit").get_data(as_text=True)
    assert f"({total})" in page
    assert "anna" in client.get("/p/demo/audit?page=1").get_data(as_text=True) or total > 50
