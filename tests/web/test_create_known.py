"""The workbench's create in one round trip (coding/excerpt_known.py, #25): after a create the full way, the
next one writes without reading first, its write checking the login, membership, source and codes itself.
Whatever changed in between (a removed member, a lost coding right, a deactivated user, a session ended, an
archived or recoloured code, a new case on the source, a changed text) is answered as the full way answers
it, with nothing written, on both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from casecoder.coding import excerpt_known
from casecoder.models import Excerpt, Source
from tests.conftest import csrf_token, on_statements


@pytest.fixture
def create(app, client, demo, session):  # type: ignore[no-untyped-def]
    """POST a create as admin (the demo's owner) on its first source, after one create the full way; the
    answer and the statements it ran."""
    excerpt_known.forget()
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    start = source.text.index("Interviewperson")
    token = csrf_token(client, f"/p/demo/sources/{source.id}")

    def post(**changes):  # type: ignore[no-untyped-def]
        body = {"source_id": source.id, "start": start, "end": start + 12, "memo": "",
                "codes": [{"code": "H1.1", "direction": "supports"}, {"code": "H1.4", "direction": "nuances"}],
                **changes}
        statements: list[str] = []

        def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
            statements.append(" ".join(statement.split()))
        with on_statements(app, seen):
            return client.post("/api/p/demo/excerpts", headers={"X-CSRFToken": token}, json=body), statements

    first, statements = post()
    assert first.status_code == 201 and any(s.startswith("SELECT") for s in statements)
    post.source, post.start = source, start  # type: ignore[attr-defined]
    return post


def _excerpts(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count(Excerpt.id))) or 0


def _change(session, sql: str, **params) -> None:  # type: ignore[no-untyped-def]
    session.execute(text(sql), params)
    session.commit()


def test_the_next_create_writes_without_reading_and_answers_as_a_read_shows_it(client, create, session):
    response, statements = create(memo="et notat", end=create.start + 20)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert not [s for s in statements if s.startswith("SELECT")], statements
    if session.get_bind().dialect.name == "postgresql":
        assert len(statements) == 1 and statements[0].startswith("WITH e AS (INSERT INTO excerpts"), statements
        assert "FROM users u JOIN memberships m" in statements[0]
    else:
        assert statements[0].startswith("INSERT INTO excerpts") and "FROM users u JOIN memberships m" in statements[0]
        assert len(statements) == 4, statements  # excerpt (checked), codings, memo, audit rows
    answer = response.get_json()
    assert answer.pop("changed") is True
    read = client.get(f"/api/p/demo/excerpts/{answer['id']}")
    assert read.status_code == 200 and read.get_json() == answer
    assert answer["text"] == create.source.text[create.start:create.start + 20]


@pytest.mark.parametrize("change, status", [
    ("DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE username = 'admin')", 404),
    ("UPDATE memberships SET role = 'reader' WHERE user_id = (SELECT id FROM users WHERE username = 'admin')", 403),
    ("UPDATE memberships SET role = 'analyst' WHERE user_id = (SELECT id FROM users WHERE username = 'admin')", 403),
    ("UPDATE users SET active = false WHERE username = 'admin'", 401),
    ("UPDATE users SET session_generation = session_generation + 1 WHERE username = 'admin'", 401),
    ("UPDATE codes SET archived = true WHERE key = 'H1.4'", 400),
    ("UPDATE codes SET codable = false WHERE key = 'H1.1'", 400),
])
def test_a_change_since_the_last_create_is_refused_as_the_full_way_refuses_it(create, session, change, status):
    before = _excerpts(session)
    _change(session, change)
    response, statements = create()
    assert response.status_code == status, response.get_data(as_text=True)
    assert _excerpts(session) == before
    if status == 401:
        assert "login" in response.get_json()  # where to log in again (the page script's expired session)
    if status == 400:
        assert any(word in response.get_json()["error"] for word in ("archived", "folder"))


def test_a_new_case_on_the_source_is_asked_for(create, session, demo):
    other = session.execute(text("SELECT id FROM cases WHERE project_id = :p AND id NOT IN "
                                 "(SELECT case_id FROM source_cases WHERE source_id = :s) ORDER BY id"),
                            {"p": demo.id, "s": create.source.id}).scalars().first()
    _change(session, "INSERT INTO source_cases (source_id, case_id) VALUES (:s, :c)", s=create.source.id, c=other)
    before = _excerpts(session)
    response, _statements = create()
    assert response.status_code == 400 and "several cases" in response.get_json()["error"]
    assert _excerpts(session) == before
    chosen, _statements = create(case_id=other)
    assert chosen.status_code == 201 and chosen.get_json()["case_id"] == other


def test_a_recoloured_code_and_a_changed_text_are_read_again(create, session):
    _change(session, "UPDATE codes SET color = '#123456' WHERE key = 'H1.1'")
    response, statements = create()
    assert response.status_code == 201
    assert {c["code"]: c["color"] for c in response.get_json()["codings"]}["H1.1"] == "#123456"
    assert any(s.startswith("SELECT") for s in statements)  # the write refused the guess: the full way
    _change(session, "UPDATE sources SET text = :t WHERE id = :s", t="Ny tekst. " + create.source.text,
            s=create.source.id)
    response, _statements = create()
    assert response.status_code == 201
    assert response.get_json()["text"] == ("Ny tekst. " + create.source.text)[create.start:create.start + 12]
    again, statements = create(end=create.start + 14)
    assert again.status_code == 201 and not [s for s in statements if s.startswith("SELECT")]


def test_an_unknown_code_or_a_bad_body_is_answered_as_before(create, session):
    before = _excerpts(session)
    response, _statements = create(codes=["H1.1", "NOPE"])
    assert response.status_code == 400 and "NOPE" in response.get_json()["error"]
    response, _statements = create(start=-5)
    assert response.status_code == 400
    response, _statements = create(source_id=2**31 - 1)
    assert response.status_code == 404
    assert _excerpts(session) == before
