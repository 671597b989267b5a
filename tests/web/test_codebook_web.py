"""Editing the codebook through the real HTTP client: the forms, the one-button actions and the JSON
endpoint the workbench's "New code" field uses; who may do what; mistakes land next to their field."""
from __future__ import annotations

import re

from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, Code, Role
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def code(session, project, key):
    session.expire_all()
    return session.scalar(select(Code).where(Code.project_id == project.id, Code.key == key))


def field_error(page: str, field: str) -> str:
    """The error shown in the paragraph of the form field ``field``."""
    match = re.search(rf'<p class="field">\s*<label for="{field}">.*?</p>', page, re.S)
    assert match, f"no field {field}"
    errors = re.findall(r'<span class="error">(.*?)</span>', match.group(0), re.S)
    return " ".join(errors)


def test_owner_adds_edits_reorders_moves_and_archives_codes(client, demo, session):
    h1, h2 = code(session, demo, "H1"), code(session, demo, "H2")
    form = client.get(f"/p/demo/codes/new?parent={h1.id}").get_data(as_text=True)
    assert f'<option selected value="{h1.id}">' in form
    token = csrf_token(client, "/p/demo/codebook")
    new = {"csrf_token": token, "key": "H1.9", "label_da": "Ny mekanisme", "label_en": "", "parent": str(h1.id),
           "kind": "mechanism", "color": "", "description_da": "Beskrivelse"}
    response = client.post("/p/demo/codes/new", data=new)
    assert response.status_code == 302 and "#code-" in response.location
    h19 = code(session, demo, "H1.9")
    assert (h19.parent_id, h19.label_en, h19.color, h19.description_da) == (h1.id, "Ny mekanisme", h1.color,
                                                                            "Beskrivelse")
    siblings = [c.key for c in h1.children]
    assert siblings[-1] == "H1.9"

    # a duplicate key: the message next to the key, everything typed kept
    again = client.post("/p/demo/codes/new", data={**new, "label_da": "Anden tekst"})
    page = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "already used by another code" in field_error(page, "key")
    assert 'value="Anden tekst"' in page and "Beskrivelse" in page

    # move up with the keyboard-reachable button; the page comes back with focus on it
    moved = client.post(f"/p/demo/codes/{h19.id}/up", data={"csrf_token": token})
    assert moved.status_code == 302
    index = client.get(moved.location).get_data(as_text=True)
    assert re.search(r'aria-label="Move up: H1.9"[^>]*\s+autofocus', index)
    session.expire_all()
    assert [c.key for c in code(session, demo, "H1").children][-2:] == ["H1.9", siblings[-2]]

    # edit: rename, new key, colour, kind, and move under H2
    edit = client.get(f"/p/demo/codes/{h19.id}/edit").get_data(as_text=True)
    assert 'value="H1.9"' in edit and f'<option value="{h19.id}"' not in edit  # not its own parent
    changes = {"csrf_token": token, "key": "H2.9", "label_da": "Omdøbt", "label_en": "Renamed",
               "parent": str(h2.id), "kind": "condition", "color": "#123456", "include_en": "Code when ..."}
    assert client.post(f"/p/demo/codes/{h19.id}/edit", data=changes).status_code == 302
    h29 = code(session, demo, "H2.9")
    assert (h29.id, h29.parent_id, h29.label_en, h29.kind.value, h29.color) == (h19.id, h2.id, "Renamed",
                                                                                 "condition", "#123456")
    last = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == h29.id, AuditEvent.entity == "code")
                           .order_by(AuditEvent.id)).all()[-1]
    assert last.before["key"] == "H1.9" and last.after["parent_id"] == h2.id

    # a cycle: H2 under its own sub-code is refused next to the parent field
    cycle = client.post(f"/p/demo/codes/{h2.id}/edit", data={**changes, "key": "H2", "parent": str(h29.id)})
    assert cycle.status_code == 400
    assert "own sub-codes" in field_error(cycle.get_data(as_text=True), "parent")
    assert code(session, demo, "H2").parent_id is None

    # archive, then the key of an archived code is refused with its own message
    assert client.post(f"/p/demo/codes/{h29.id}/archive", data={"csrf_token": token}).status_code == 302
    assert code(session, demo, "H2.9").archived
    taken = client.post("/p/demo/codes/new", data={**new, "key": "H2.9"})
    assert "archived code" in field_error(taken.get_data(as_text=True), "key")
    client.post(f"/p/demo/codes/{h29.id}/archive", data={"csrf_token": token})
    assert not code(session, demo, "H2.9").archived

    # delete when unused; the key stays retired
    response = client.post(f"/p/demo/codes/{h29.id}/delete", data={"csrf_token": token, "merge_into": "",
                                                                    "confirm": "y"})
    assert response.status_code == 302 and code(session, demo, "H2.9") is None
    retired = client.post("/p/demo/codes/new", data={**new, "key": "H2.9"})
    assert "deleted code" in field_error(retired.get_data(as_text=True), "key")


def test_removing_a_code_in_use_is_refused_next_to_the_field(client, demo, session):
    h14 = code(session, demo, "H1.4")
    token = csrf_token(client, f"/p/demo/codes/{h14.id}")
    response = client.post(f"/p/demo/codes/{h14.id}/delete", data={"csrf_token": token, "merge_into": "",
                                                                    "confirm": "y"})
    assert response.status_code == 400
    assert "cannot be deleted; merge it into another code" in field_error(response.get_data(as_text=True),
                                                                         "merge_into")
    assert code(session, demo, "H1.4") is not None


def test_a_coder_adds_a_code_as_json_but_may_not_restructure(app, demo, session, factory):
    coder = factory.user("carl")
    accounts.add_member(session, demo, coder, Role.CODER)
    session.commit()
    client = app.test_client()
    login(client, "carl", PASSWORD)
    token = csrf_token(client, "/p/demo/codebook")
    h1 = code(session, demo, "H1")
    made = client.post("/api/p/demo/codes", json={"key": "H1.8", "label": "Fra panelet", "parent_id": h1.id},
                       headers={"X-CSRFToken": token})
    assert made.status_code == 201
    body = made.get_json()
    assert (body["key"], body["depth"], body["parent_id"], body["codable"]) == ("H1.8", 1, h1.id, True)
    assert code(session, demo, "H1.8").label_en == "Fra panelet"

    dup = client.post("/api/p/demo/codes", json={"key": "H1.8", "label": "x"}, headers={"X-CSRFToken": token})
    assert dup.status_code == 400 and dup.get_json()["field"] == "key"
    assert "already used" in dup.get_json()["error"]
    empty = client.post("/api/p/demo/codes", json={"key": "H1.7", "label": ""}, headers={"X-CSRFToken": token})
    assert empty.get_json()["field"] == "label_da"
    no_parent = client.post("/api/p/demo/codes", json={"key": "H1.7", "label": "x", "parent_id": 2**30},
                            headers={"X-CSRFToken": token})
    assert no_parent.get_json()["field"] == "parent"
    assert client.post("/api/p/demo/codes", json={"key": "H1.7", "label": "x"}).status_code == 400  # no CSRF

    new_id = body["id"]
    assert client.post("/p/demo/codes/new", data={"csrf_token": token, "key": "C.1", "label_da": "Coder's",
                                                  "parent": "", "kind": ""}).status_code == 302
    for url in (f"/p/demo/codes/{new_id}/edit", f"/p/demo/codes/{new_id}/up", f"/p/demo/codes/{new_id}/archive"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert client.get(f"/p/demo/codes/{new_id}/edit").status_code == 403
    page = client.get("/p/demo/codebook").get_data(as_text=True)
    assert "Add sub-code" in page and "Move up" not in page


def test_a_reader_may_not_add_codes(app, demo, session, factory):
    reader = factory.user("rita")
    accounts.add_member(session, demo, reader, Role.READER)
    session.commit()
    client = app.test_client()
    login(client, "rita", PASSWORD)
    token = csrf_token(client, "/p/demo/codebook")
    assert client.post("/api/p/demo/codes", json={"key": "R.1", "label": "x"},
                       headers={"X-CSRFToken": token}).status_code == 403
    assert client.get("/p/demo/codes/new").status_code == 403
    assert "New code" not in client.get("/p/demo/codebook").get_data(as_text=True)
