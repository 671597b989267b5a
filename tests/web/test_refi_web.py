"""REFI-QDA on the web: downloads, .qdc merge with preview and confirm, .qdpx import as a new project."""
from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import Code, Excerpt, Project, Role
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def test_downloads(client, demo):
    qdc = client.get(f"/p/{demo.slug}/export.qdc")
    assert qdc.status_code == 200 and qdc.mimetype == "application/xml"
    assert b'name="A single point of contact and continuity over time"' in qdc.data  # admin's UI language: en
    qdpx = client.get(f"/p/{demo.slug}/export.qdpx")
    assert qdpx.status_code == 200 and 'filename="demo.qdpx"' in qdpx.headers["Content-Disposition"]
    assert "project.qde" in zipfile.ZipFile(io.BytesIO(qdpx.data)).namelist()
    page = client.get(f"/p/{demo.slug}/").get_data(as_text=True)
    for url in ("/export.qdc", "/export.qdpx", "/import-qdc", "/projects/import-qdpx"):
        assert url in page


def test_qdc_preview_then_confirm(client, demo, session):
    data = client.get(f"/p/{demo.slug}/export.qdc").data
    data = data.replace(b'name="A single point of contact and continuity over time"', b'name="One door in"')
    data = data.replace(b"</Codes>", b'<Code guid="12345678-1234-1234-1234-123456789abc" name="New theme" '
                                     b'isCodable="true"/></Codes>')
    url = f"/p/{demo.slug}/import-qdc"
    preview = client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), "x.qdc")},
                          content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "New theme" in page and "One door in" in page and "Apply these changes" in page
    session.expire_all()
    assert session.scalars(select(Code).where(Code.project_id == demo.id, Code.label_en == "New theme")).first() is None
    fields = dict(re.findall(r'name="(confirm-[a-z_]+)"[^>]*value="([^"]*)"', page))
    assert set(fields) == {"confirm-csrf_token", "confirm-data", "confirm-filename"}
    done = client.post(url, data=fields)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/p/{demo.slug}/codebook")
    session.expire_all()
    assert session.scalars(select(Code).where(Code.project_id == demo.id, Code.label_en == "New theme")).one()
    assert session.scalars(select(Code).where(Code.project_id == demo.id, Code.key == "H1")).one().label_en == "One door in"


def test_qdc_refusals_are_shown(client, demo):
    url = f"/p/{demo.slug}/import-qdc"
    bad = client.post(url, data={"csrf_token": csrf_token(client, url),
                                 "file": (io.BytesIO(b"<CodeBook><Codes></CodeBook>"), "bad.qdc")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "not well-formed XML: line 1" in bad.get_data(as_text=True)


def test_qdpx_import_as_new_project(client, demo, session):
    data = client.get(f"/p/{demo.slug}/export.qdpx").data
    url = "/projects/import-qdpx"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "title": "Copy of demo",
                                      "file": (io.BytesIO(data), "demo.qdpx")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "copy-of-demo" in page and "Import report" in page and "60 excerpts" in page
    session.expire_all()
    copy = session.scalars(select(Project).where(Project.slug == "copy-of-demo")).one()
    assert len(session.scalars(select(Excerpt).where(Excerpt.project_id == copy.id)).all()) == 60
    assert client.get("/p/copy-of-demo/").status_code == 200  # the importer owns it
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("project.qde", b"<Project name='x'/>")
        archive.writestr("../evil.txt", b"x")
    refused = client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(slip.getvalue()), "s.qdpx")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "absolute path or" in refused.get_data(as_text=True)


def test_roles(client, demo, session, app):
    anna = accounts.get_user(session, "anna")  # a coder of the demo, not a site admin
    accounts.set_password(anna, PASSWORD)
    accounts.add_member(session, demo, anna, Role.ANALYST)
    session.commit()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "anna", PASSWORD)
    assert client.get(f"/p/{demo.slug}/export.qdpx").status_code == 200
    assert client.get(f"/p/{demo.slug}/import-qdc").status_code == 403
    assert client.get("/projects/import-qdpx").status_code == 403


def test_sets_are_kept_in_memos_and_the_report_says_so(client, demo, session):
    """Code groups (#23): the .qdc preview says where they will go, the .qdpx import report where they went."""
    from tests.exchange.test_refi_readers import SETS_QDE
    codebook = (b'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                b'<Code guid="12345678-1234-1234-1234-123456789abc" name="Joy" isCodable="true"/></Codes><Sets>'
                b'<Set guid="12345678-1234-1234-1234-123456789abd" name="Feelings">'
                b'<MemberCode guid="12345678-1234-1234-1234-123456789ABC"/></Set></Sets></CodeBook>')
    url = f"/p/{demo.slug}/import-qdc"
    preview = client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(codebook), "g.qdc")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "Kept in memos" in preview and "&#39;Set: Feelings&#39; will be added to their memos" in preview
    fields = dict(re.findall(r'name="(confirm-[a-z_]+)"[^>]*value="([^"]*)"', preview))
    assert client.post(url, data=fields).status_code == 302
    session.expire_all()
    assert session.scalars(select(Code).where(Code.project_id == demo.id, Code.label_en == "Joy")).one().memo == "Set: Feelings"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("project.qde", SETS_QDE.encode())
    url = "/projects/import-qdpx"
    page = client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(archive.getvalue()), "g.qdpx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Kept in memos (2)" in page and "Set: Følelser – Alle følelser" in page and "2 sets" in page
