"""Two coders saving the same excerpt: the second change of span or case, based on an older version, is
refused (409). A memo is its writer's own, so memos never conflict."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.coding import accounts
from casecoder.coding.excerpts import update_excerpt
from casecoder.kernel.errors import EditConflict
from casecoder.models import AuditEvent, Excerpt, Project
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def _second_coder(session, app):  # type: ignore[no-untyped-def]
    """A coder of the demo project logged in on a client of its own."""
    project = session.scalar(select(Project).where(Project.slug == "demo"))
    user = accounts.create_user(session, "coder2", PASSWORD, language="en")
    accounts.add_member(session, project, user, "coder")
    session.commit()
    other = app.test_client()
    login(other, "coder2", PASSWORD)
    return other


def test_second_save_on_an_old_version_is_a_conflict_and_changes_nothing(app, client, demo, session):
    excerpt_id = session.scalar(select(Excerpt.id).where(Excerpt.project_id == demo.id).order_by(Excerpt.id))
    other = _second_coder(session, app)
    url = f"/api/p/demo/excerpts/{excerpt_id}"
    first = client.get(url).get_json()
    second = other.get(url).get_json()
    assert first["version"] == second["version"] == 1

    start = first["start"]
    saved = client.patch(url, json={"start": start + 1, "memo": "Mors ord, set af admin", "version": first["version"]},
                         headers={"X-CSRFToken": csrf_token(client, "/p/demo/")})
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    audits = session.scalar(select(func.count(AuditEvent.id)))

    token = csrf_token(other, "/p/demo/")
    stale = other.patch(url, json={"start": start + 2, "memo": "coder2's memo", "version": second["version"]},
                        headers={"X-CSRFToken": token})
    assert stale.status_code == 409
    assert "Someone else saved this excerpt" in stale.get_json()["error"]
    session.expire_all()
    excerpt = session.get(Excerpt, excerpt_id)
    assert excerpt.start_offset == start + 1 and excerpt.version == 2
    assert {m.user.username: m.text for m in excerpt.memos}["admin"] == "Mors ord, set af admin"
    assert "coder2" not in {m.user.username for m in excerpt.memos}
    assert session.scalar(select(func.count(AuditEvent.id))) == audits  # a refused save leaves no trace

    memo_only = other.patch(url, json={"memo": "coder2's memo", "version": 1}, headers={"X-CSRFToken": token})
    assert memo_only.status_code == 200  # a memo is coder2's own: an old version does not matter
    again = other.patch(url, json={"start": start + 2, "version": 2}, headers={"X-CSRFToken": token})
    assert again.status_code == 200 and again.get_json()["start"] == start + 2
    assert again.get_json()["version"] == 3
    assert {m["user"]: m["text"] for m in again.get_json()["memos"]} == {
        "admin": "Mors ord, set af admin", "coder2": "coder2's memo"}


def test_a_save_without_changes_keeps_the_version(client, demo, session):
    excerpt = session.scalar(select(Excerpt).where(Excerpt.project_id == demo.id).order_by(Excerpt.id))
    url = f"/api/p/demo/excerpts/{excerpt.id}"
    same = client.patch(url, json={"start": excerpt.start_offset, "version": 1},
                        headers={"X-CSRFToken": csrf_token(client, "/p/demo/")})
    assert same.status_code == 200 and same.get_json()["version"] == 1


def test_version_must_be_a_whole_number(client, demo, session):
    excerpt_id = session.scalar(select(Excerpt.id).where(Excerpt.project_id == demo.id))
    bad = client.patch(f"/api/p/demo/excerpts/{excerpt_id}", json={"memo": "x", "version": "one"},
                       headers={"X-CSRFToken": csrf_token(client, "/p/demo/")})
    assert bad.status_code == 400 and "version must be a whole number" in bad.get_json()["error"]


def test_racing_saves_in_two_sessions_are_caught_at_the_update(engine, factory, session):
    """Both read version 1; the first commits; the second's UPDATE matches no row and becomes a conflict."""
    project, user, excerpt = factory.coded_project()
    session.commit()
    start = excerpt.start_offset
    first, second = Session(engine), Session(engine)
    try:
        mine, theirs = first.get(Excerpt, excerpt.id), second.get(Excerpt, excerpt.id)
        me, them = first.merge(user), second.merge(user)
        update_excerpt(first, me, mine, start=mine.start_offset + 1)
        first.commit()
        with pytest.raises(EditConflict):
            update_excerpt(second, them, theirs, start=theirs.start_offset + 2)  # no version given: the ORM checks
        second.rollback()
    finally:
        first.close()
        second.close()
    session.expire_all()
    stored = session.get(Excerpt, excerpt.id)
    assert stored.start_offset == start + 1 and stored.version == 2
