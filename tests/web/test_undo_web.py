"""The JSON API with two coders: each removes only their own codings, an owner removes everyone's after
the question, and ``POST /undo`` brings back exactly what was there or refuses (409)."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, Excerpt, Project
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def _anna(session, app):  # type: ignore[no-untyped-def]
    project = session.scalar(select(Project).where(Project.slug == "demo"))
    accounts.add_member(session, project, accounts.create_user(session, "birte", PASSWORD, language="en"), "coder")
    session.commit()
    other = app.test_client()
    login(other, "birte", PASSWORD)
    return other, {"X-CSRFToken": csrf_token(other, "/p/demo/")}


def _codings(json):  # type: ignore[no-untyped-def]
    return sorted((c["code"], c["coder"], c["direction"]) for c in json["codings"])


def test_two_coders_delete_and_undo(app, client, demo, session):
    anna, anna_h = _anna(session, app)
    admin_h = {"X-CSRFToken": csrf_token(client, "/p/demo/")}
    excerpt_id = session.scalar(select(Excerpt.id).where(Excerpt.project_id == demo.id).order_by(Excerpt.id))
    url = f"/api/p/demo/excerpts/{excerpt_id}"
    # anna puts her code on admin's excerpt, and changes the memo alone (none of her codes needed)
    assert anna.patch(url, json={"codes": [{"code": "ST.4", "direction": "nuances"}]}, headers=anna_h).status_code == 200
    assert anna.patch(url, json={"memo": "annas note"}, headers=anna_h).status_code == 200
    before = client.get(url).get_json()
    assert ("ST.4", "birte", "nuances") in _codings(before) and len({c["coder"] for c in before["codings"]}) == 2

    # anna may not remove admin's codings; her delete removes only hers, and the excerpt stays
    removal = anna.get(url + "/removal").get_json()
    assert removal["may_remove_others"] is False and removal["mine"] == {"birte": ["ST.4"]}
    assert "The excerpt stays for admin" in removal["question_mine"]
    refused = anna.delete(url + "?everyone=1", headers=anna_h)
    assert refused.status_code == 400 and "Only an owner" in refused.get_json()["error"]
    kept = anna.delete(url, headers=anna_h).get_json()
    assert kept["deleted"] is None and all(c["coder"] == "admin" for c in kept["excerpt"]["codings"])
    undone = anna.post("/api/p/demo/undo", headers=anna_h)
    assert undone.status_code == 200, undone.get_json()
    assert _codings(client.get(url).get_json()) == _codings(before)

    # the owner is asked who loses what, then deletes for everyone; undo brings back both coders' codings
    question = client.get(url + "/removal").get_json()["question_everyone"]
    assert "birte loses ST.4" in question and "admin loses" in question
    assert client.delete(url + "?everyone=1", headers=admin_h).get_json() == {"deleted": excerpt_id}
    assert client.get(url).status_code == 404
    back = client.post("/api/p/demo/undo", headers=admin_h)
    assert back.status_code == 200 and back.get_json()["message"].startswith("Undone")
    (restored,) = back.get_json()["excerpts"]
    assert restored["id"] == excerpt_id and _codings(restored) == _codings(before)
    assert (restored["memos"], restored["start"], restored["end"], restored["text"]) == (
        before["memos"], before["start"], before["end"], before["text"])
    assert session.scalars(select(AuditEvent.user_id).where(AuditEvent.action == "undo").order_by(AuditEvent.id)).all() == [
        accounts.get_user(session, "birte").id, accounts.get_user(session, "admin").id]


def test_undo_is_refused_after_another_coders_change(app, client, demo, session):
    anna, anna_h = _anna(session, app)
    admin_h = {"X-CSRFToken": csrf_token(client, "/p/demo/")}
    excerpt_id = session.scalar(select(Excerpt.id).where(Excerpt.project_id == demo.id).order_by(Excerpt.id))
    url = f"/api/p/demo/excerpts/{excerpt_id}"
    start = client.get(url).get_json()["start"]
    saved = client.patch(url, json={"memo": "admins note", "start": start + 1}, headers=admin_h)
    assert saved.status_code == 200 and saved.get_json()["changed"] is True
    same = client.patch(url, json={"memo": "admins note"}, headers=admin_h)  # nothing changed: no Undo for it
    assert same.status_code == 200 and same.get_json()["changed"] is False
    assert anna.patch(url, json={"memo": "annas note", "start": start + 2}, headers=anna_h).status_code == 200
    memos = {m["user"]: m["text"] for m in client.get(url).get_json()["memos"]}
    assert memos == {"admin": "admins note", "birte": "annas note"}  # each coder's own memo, nobody overwritten
    refused = client.post("/api/p/demo/undo", headers=admin_h)
    assert refused.status_code == 409
    assert "birte changed this excerpt after you" in refused.get_json()["error"]
    assert client.get(url).get_json()["start"] == start + 2
    nothing = anna.post("/api/p/demo/undo", headers=anna_h)  # anna's own change can be undone
    assert nothing.status_code == 200 and client.get(url).get_json()["start"] == start + 1
    assert {m["user"] for m in client.get(url).get_json()["memos"]} == {"admin"}
    again = anna.post("/api/p/demo/undo", headers=anna_h)
    assert again.status_code == 400 and "nothing of yours to undo" in again.get_json()["error"]
    assert client.post("/api/p/demo/undo").status_code == 400  # CSRF token required


def test_the_audit_log_says_what_was_undone_in_words(client, demo, session):  # type: ignore[no-untyped-def]
    headers = {"X-CSRFToken": csrf_token(client, "/p/demo/")}
    excerpt_id = session.scalar(select(Excerpt.id).where(Excerpt.project_id == demo.id).order_by(Excerpt.id))
    assert client.delete(f"/api/p/demo/excerpts/{excerpt_id}?everyone=1", headers=headers).status_code == 200
    assert client.post("/api/p/demo/undo", headers=headers).status_code == 200
    log = client.get("/p/demo/audit").get_data(as_text=True)
    assert "admin undid their last change to the excerpt" in log


def test_another_coders_memo_keeps_the_excerpt_and_the_owner_is_told_it_goes(app, client, demo, session):
    anna, anna_h = _anna(session, app)
    admin_h = {"X-CSRFToken": csrf_token(client, "/p/demo/")}
    excerpt_id = session.scalar(select(Excerpt.id).where(Excerpt.project_id == demo.id).order_by(Excerpt.id))
    url = f"/api/p/demo/excerpts/{excerpt_id}"
    assert anna.patch(url, json={"memo": "birtes tanke"}, headers=anna_h).get_json()["changed"] is True
    removal = client.get(url + "/removal").get_json()
    assert removal["others"] == ["birte"] and "The excerpt stays for birte" in removal["question_mine"]
    assert "birte loses their memo" in removal["question_everyone"]
    kept = client.delete(url, headers=admin_h).get_json()  # admin's codings go, birte's memo keeps the excerpt
    assert kept["deleted"] is None and kept["excerpt"]["codings"] == []
    assert [m["user"] for m in kept["excerpt"]["memos"]] == ["admin", "birte"]
    gone = client.delete(url + "?everyone=1", headers=admin_h).get_json()
    assert gone == {"deleted": excerpt_id}
    back = client.post("/api/p/demo/undo", headers=admin_h).get_json()  # every coder's memo comes back
    assert {m["user"]: m["text"] for m in back["excerpts"][0]["memos"]}["birte"] == "birtes tanke"
