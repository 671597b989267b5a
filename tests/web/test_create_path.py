"""The create request of the workbench (#25): ``POST /api/p/<slug>/excerpts`` runs only the statements
it needs (bench/create_path.py times them), and its answer is what a later read of the excerpt shows."""
from __future__ import annotations

from sqlalchemy import func, select

from casecoder.coding import excerpt_known
from casecoder.models import Excerpt, Source
from tests.conftest import csrf_token, login, on_statements
from tests.factories import PASSWORD
from tests.web.test_agreement_web import double  # noqa: F401  (a fixture)


def _statements(app, send):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))
    with on_statements(app, seen):
        response = send()
    return response, statements


def test_a_create_reads_twice_and_writes_in_one_statement(app, client, demo, session):
    """The full way (nothing known from an earlier create: coding/excerpt_known.py): the user with the project
    and membership; the source with its cases (no text) and the codes; then
    the excerpt, its codings and their audit rows: one statement on PostgreSQL (coding/excerpt_create.py),
    three on SQLite. No second read of the text version, no double-coding lookup."""
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    start = source.text.index("Interviewperson")
    token = csrf_token(client, f"/p/demo/sources/{source.id}")

    def create(end: int):  # type: ignore[no-untyped-def]
        return client.post("/api/p/demo/excerpts", headers={"X-CSRFToken": token}, json={
            "source_id": source.id, "start": start, "end": end, "memo": "",
            "codes": [{"code": "H1.1", "direction": "supports"}, {"code": "H1.4", "direction": "nuances"}]})
    assert create(start + 5).status_code == 201  # the first may read the text (coding/text_cache.py)
    excerpt_known.forget()  # the full way (the next ones write in one checked statement: test_create_known.py)
    response, statements = _statements(app, lambda: create(start + 15))
    assert response.status_code == 201, response.get_data(as_text=True)
    reads = [s for s in statements if s.startswith("SELECT")]
    tables = [s.split(" FROM ")[1].split()[0] for s in reads]
    assert tables == ["users", "sources"], reads
    assert "JOIN projects" in reads[0] and "memberships" in reads[0]  # the membership with the user
    source_read = reads[1]
    assert "source_cases" in source_read and "sources.text," not in source_read  # cases joined, no text
    assert "UNION ALL SELECT" in source_read and "FROM codes" in source_read  # the codes in the same query
    writes = [s for s in statements if not s.startswith("SELECT")]
    if session.get_bind().dialect.name == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH e AS (INSERT INTO excerpts"), writes
        assert all(f"INSERT INTO {table}" in writes[0] for table in ("codings", "audit_events")), writes
    else:
        assert {s.split(" (")[0] for s in writes} == {"INSERT INTO excerpts", "INSERT INTO codings",
                                                      "INSERT INTO audit_events"}, writes
        assert len(writes) == 3, writes
    excerpt = session.get(Excerpt, response.get_json()["id"])
    assert excerpt.text == source.text[start:start + 15] and excerpt.case_id == source.cases[0].id
    assert response.get_json()["case"] == source.cases[0].key


def test_a_blind_coder_gets_the_new_excerpt_as_a_read_shows_it(client, session, double):  # noqa: F811
    """The answer skips the double-coding lookup: everything on a new excerpt is its creator's."""
    project, olga, coders, cases, sources = double
    f01 = sources["F01"].id
    login(client, "anna", PASSWORD)
    token = csrf_token(client, f"/p/dbl/sources/{f01}")
    text = session.get(Source, f01).text
    created = client.post("/api/p/dbl/excerpts", headers={"X-CSRFToken": token}, json={
        "source_id": f01, "start": 0, "end": min(12, len(text)), "memo": "mit notat",
        "codes": [{"code": key, "direction": "supports"} for key in ("H1.1", "H1.4")]})
    assert created.status_code == 201, created.get_data(as_text=True)
    answer = created.get_json()
    assert answer.pop("changed") is True
    assert {c["coder"] for c in answer["codings"]} == {"anna"} and len(answer["codings"]) == 2
    assert answer["memos"] == [{"user": "anna", "text": "mit notat"}]
    read = client.get(f"/api/p/dbl/excerpts/{answer['id']}")
    assert read.status_code == 200 and read.get_json() == answer


def test_on_postgresql_the_create_is_one_autocommitted_statement(app, client, demo, session):
    """No BEGIN and COMMIT round trips (casecoder/db.py ``one_statement``): the write commits by itself and
    is there for every other connection when the answer comes; other requests keep their transaction."""
    if session.get_bind().dialect.name != "postgresql":
        return
    excerpt_known.forget()  # the full way: a guess left by another test would be one more (refused) statement
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    start = source.text.index("Interviewperson")
    token = csrf_token(client, f"/p/demo/sources/{source.id}")
    seen: list[tuple[str, bool]] = []
    thresholds: set[int | None] = set()

    def note(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        driver = conn.connection.driver_connection
        seen.append((statement.split()[0], driver.autocommit))
        if driver.autocommit:
            thresholds.add(driver.prepare_threshold)
    with on_statements(app, note):
        created = client.post("/api/p/demo/excerpts", headers={"X-CSRFToken": token}, json={
            "source_id": source.id, "start": start, "end": start + 9, "codes": ["H1.1"]})
        assert created.status_code == 201
        writes = [autocommit for first, autocommit in seen if first == "WITH"]
        assert writes == [True] and all(autocommit for _first, autocommit in seen), seen
        assert thresholds == {0}  # its statements repeat: prepared on their first run
        assert session.get(Excerpt, created.get_json()["id"]) is not None  # committed: another connection sees it
        seen.clear()
        assert client.patch(f"/api/p/demo/excerpts/{created.get_json()['id']}", headers={"X-CSRFToken": token},
                            json={"memo": "x"}).status_code == 200
        assert seen and not any(autocommit for _first, autocommit in seen), seen
        seen.clear()
        refused = client.post("/api/p/demo/excerpts", headers={"X-CSRFToken": token}, json={
            "source_id": source.id, "start": start, "end": start + 9, "codes": ["H1.1", "NOPE"]})
        assert refused.status_code == 400 and not [first for first, _a in seen if first != "SELECT"]


def test_a_create_after_its_connection_was_dropped_is_answered(app, client, demo, session, engine):
    """The create's statement runs on the driver's cursor (models/engine.py ``driver_rows``): when the server has
    dropped the connection, the one-round-trip write fails, the connection is invalidated, and the full way
    writes the excerpt on a new one (no 500, nothing written twice)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    from casecoder.db import engines_of
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    start = source.text.index("Interviewperson")
    token = csrf_token(client, f"/p/demo/sources/{source.id}")

    def create(offset: int):  # type: ignore[no-untyped-def]
        return client.post("/api/p/demo/excerpts", headers={"X-CSRFToken": token}, json={
            "source_id": source.id, "start": start + offset, "end": start + offset + 9, "codes": ["H1.1"]})
    assert create(0).status_code == 201 and create(1).status_code == 201  # the next one goes the known way
    one_statement = engines_of(app)[1]
    one_statement.dispose()
    with one_statement.connect() as connection:  # the only connection of its pool now
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with engine.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
    before = session.scalar(select(func.count()).select_from(Excerpt))
    answer = create(2)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Excerpt)) == before + 1
    assert create(3).status_code == 201
