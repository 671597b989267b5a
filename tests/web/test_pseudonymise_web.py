"""Pseudonymisation on the web and CLI: owners only, the review flow with CSRF, exports refused while hits
await review, the key export, and the key list never inside a bundle. Both databases."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from casecoder.coding import accounts, pseudonym_keys
from casecoder.models import AuditEvent, Excerpt, HitStatus, PseudonymHit, Source
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

TEXT = ("Interviewer: Hvordan gik det?\n\nInterviewperson: Mette sagde, at <b>jobcentret</b> ringede på 22 33 44 55. "
        "Mettes koordinator hjalp. Det gav ro.\n")
EXPORTS = ["/p/proj/export-bundle.zip", "/p/proj/export.qdpx", "/p/proj/export/tally.zip"]


@pytest.fixture
def proj(factory, session):  # type: ignore[no-untyped-def]
    owner = factory.user("owner")
    coder = factory.user("coder")
    project = factory.project("proj", owner)
    accounts.add_member(session, project, coder, "coder")
    source = factory.source(project, [factory.case(project)], text=TEXT)
    excerpt = factory.excerpt(owner, source, "Mette sagde", [(factory.code(project, "H1.4"), "supports")])
    pseudonym_keys.add_key(session, owner, project, "Mette", "Mor F07", "name")
    session.commit()
    return project, source, excerpt


def test_pages_are_for_owners_only(client, proj, factory, session):
    factory.user("stranger")
    session.commit()
    login(client, "coder", PASSWORD)
    for url in ("/p/proj/pseudonyms", "/p/proj/pseudonyms/review", "/p/proj/pseudonyms/keys.csv"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/p/proj/")
    for url in ("/p/proj/pseudonyms/detect", "/p/proj/pseudonyms/apply", "/p/proj/pseudonyms/review",
                "/p/proj/pseudonyms/setting", "/p/proj/pseudonyms/delete", "/p/proj/pseudonyms"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    overview = client.get("/p/proj/").get_data(as_text=True)
    assert "/p/proj/pseudonyms" not in overview and "Mor F07" not in overview
    client.post("/auth/logout", data={"csrf_token": token})
    login(client, "stranger", PASSWORD)
    assert client.get("/p/proj/pseudonyms").status_code == 404
    assert client.get("/p/proj/pseudonyms/keys.csv").status_code == 404


def test_key_list_review_flow_and_apply(client, proj, session):
    project, source, excerpt = proj
    login(client, "owner", PASSWORD)
    assert "/p/proj/pseudonyms" in client.get("/p/proj/").get_data(as_text=True)
    page = client.get("/p/proj/pseudonyms").get_data(as_text=True)
    assert "Mette" in page and "Mor F07" in page
    token = csrf_token(client, "/p/proj/pseudonyms")
    assert client.post("/p/proj/pseudonyms", data={"real": "Mette", "pseudonym": "Mor F07"}).status_code == 400
    bad = client.post("/p/proj/pseudonyms", data={"csrf_token": token, "real": "mette", "pseudonym": "X",
                                                  "kind": "name"})
    assert bad.status_code == 400 and "already on the key list" in bad.get_data(as_text=True)
    ok = client.post("/p/proj/pseudonyms", data={"csrf_token": token, "real": "Hedensted Jobcenter",
                                                 "pseudonym": "Jobcenter A", "kind": "institution"})
    assert ok.status_code == 302
    entry = pseudonym_keys.entries(session, project)[0]
    edit_page = client.get(f"/p/proj/pseudonyms?edit={entry.id}").get_data(as_text=True)
    assert 'value="Jobcenter A"' in edit_page
    review = client.get("/p/proj/pseudonyms/review")
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "&lt;b&gt;jobcentret&lt;/b&gt;" in html and "<b>jobcentret</b>" not in html   # context is escaped
    assert "<mark>22 33 44 55</mark>" in html and "<mark>Mettes</mark>" in html
    hits = {h.found: h for h in session.scalars(select(PseudonymHit).where(PseudonymHit.source_id == source.id))}
    assert set(hits) == {"Mette", "Mettes", "22 33 44 55"}
    token = csrf_token(client, "/p/proj/pseudonyms/review")
    assert client.post("/p/proj/pseudonyms/review", data={"reject": hits["22 33 44 55"].id}).status_code == 400
    r = client.post("/p/proj/pseudonyms/review", data={"csrf_token": token, "reject": hits["22 33 44 55"].id})
    assert r.status_code == 302 and f"#hit-{hits['22 33 44 55'].id}" in r.headers["Location"]
    r = client.post("/p/proj/pseudonyms/review", data={"csrf_token": token, "all": "accepted"})
    assert r.status_code == 302
    session.expire_all()
    assert {h.found: h.status for h in session.scalars(select(PseudonymHit))} == {
        "Mette": HitStatus.ACCEPTED, "Mettes": HitStatus.ACCEPTED, "22 33 44 55": HitStatus.REJECTED}
    r = client.post("/p/proj/pseudonyms/apply", data={"csrf_token": token})
    assert r.status_code == 302
    session.expire_all()
    source = session.get(Source, source.id)
    assert "Mor F07 sagde" in source.text and "Mor F07s koordinator" in source.text and "Mette" not in source.text
    excerpt = session.get(Excerpt, excerpt.id)
    assert excerpt.text == "Mor F07 sagde" == source.text[excerpt.start_offset:excerpt.end_offset]
    assert "2 replacements applied" in client.get("/p/proj/pseudonyms/review").get_data(as_text=True)
    delete = client.post("/p/proj/pseudonyms/delete", data={"csrf_token": token, "entry_id": entry.id})
    assert delete.status_code == 302 and len(pseudonym_keys.entries(session, project)) == 1


def test_exports_blocked_until_reviewed_then_allowed(client, proj, session):
    project, _source, _excerpt = proj
    login(client, "owner", PASSWORD)
    for url in EXPORTS:
        assert client.get(url).status_code == 200, url   # the setting is off
    token = csrf_token(client, "/p/proj/pseudonyms")
    assert client.post("/p/proj/pseudonyms/setting", data={"csrf_token": token,
                                                           "pseudonymised_only": "y"}).status_code == 302
    for url in EXPORTS:
        blocked = client.get(url)
        html = blocked.get_data(as_text=True)
        assert blocked.status_code == 409, url
        assert "3 pseudonymisation hit(s) still await review" in html
        assert 'href="/p/proj/pseudonyms/review"' in html
    client.post("/p/proj/pseudonyms/review", data={"csrf_token": token, "all": "rejected"})
    for url in EXPORTS:
        assert client.get(url).status_code == 200, url
    assert client.get("/p/proj/export.qdc").status_code == 200   # a codebook holds no interview text
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "project")).all()
    assert [e.after for e in events] == [{"pseudonymised_only": True}]


def test_analyst_sees_the_block_without_the_review_link(client, proj, factory, session):
    project, _source, _excerpt = proj
    analyst = factory.user("analyst")
    accounts.add_member(session, project, analyst, "analyst")
    project.pseudonymised_only = True
    session.commit()
    login(client, "analyst", PASSWORD)
    blocked = client.get("/p/proj/export-bundle.zip")
    assert blocked.status_code == 409
    html = blocked.get_data(as_text=True)
    assert "Ask an owner" in html and "/pseudonyms/review" not in html


def test_key_export_and_bundle_without_the_key_list(client, proj, session):
    login(client, "owner", PASSWORD)
    keys = client.get("/p/proj/pseudonyms/keys.csv")
    assert keys.status_code == 200 and keys.headers["Content-Type"].startswith("text/csv")
    assert keys.data.decode("utf-8-sig") == "real,pseudonym,kind\r\nMette,Mor F07,name\r\n"
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity == "pseudonym_key",
                                                   AuditEvent.action == "export")) is not None
    for url in ("/p/proj/export-bundle.zip", "/p/proj/export.qdpx"):
        with zipfile.ZipFile(io.BytesIO(client.get(url).data)) as z:
            names = z.namelist()
            everything = b"".join(z.read(n) for n in names)
        assert not any("key" in n.lower() or "pseudonym" in n.lower() for n in names), names
        assert b"Mor F07" not in everything   # the pseudonym appears nowhere: the key list is not exported


def test_cli_detect_decide_apply_export_keys_and_blocked_export(runner, proj, session, tmp_path):
    project, source, _excerpt = proj
    project.pseudonymised_only = True
    session.commit()
    blocked = runner.invoke(args=["export-bundle", "proj", str(tmp_path / "b.zip")])
    assert blocked.exit_code == 1 and "3 pseudonymisation hit(s) still await review" in blocked.output
    blocked = runner.invoke(args=["export", "tally", "proj", "--out", str(tmp_path / "t")])
    assert blocked.exit_code == 1 and "await review" in blocked.output
    blocked = runner.invoke(args=["export-qdpx", "proj", str(tmp_path / "p.qdpx")])
    assert blocked.exit_code == 1 and "await review" in blocked.output
    assert "detect" in runner.invoke(args=["pseudonyms", "--help"]).output
    result = runner.invoke(args=["pseudonyms", "detect", "proj", "--user", "owner"])
    assert result.exit_code == 0 and "3 hits await review" in result.output
    assert runner.invoke(args=["pseudonyms", "decide-all", "proj", "accepted"]).output == "3 hits accepted.\n"
    assert "accepted replacement(s) are not applied" in runner.invoke(
        args=["export-bundle", "proj", str(tmp_path / "b.zip")]).output
    result = runner.invoke(args=["pseudonyms", "apply", "proj"])
    assert result.exit_code == 0 and "3 replacements applied in 1 transcripts" in result.output
    assert "applied: 3" in runner.invoke(args=["pseudonyms", "status", "proj"]).output
    assert runner.invoke(args=["export-bundle", "proj", str(tmp_path / "b.zip")]).exit_code == 0
    result = runner.invoke(args=["pseudonyms", "export-keys", "proj", str(tmp_path / "keys.csv")])
    assert result.exit_code == 0
    assert (tmp_path / "keys.csv").read_text(encoding="utf-8-sig").startswith("real,pseudonym,kind")
    session.expire_all()
    assert "[telefonnummer]" in session.get(Source, source.id).text
