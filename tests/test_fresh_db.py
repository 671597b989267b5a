"""The fixtures' cheap fresh databases (tests/fresh_db.py) are as fresh as new ones: a reused
PostgreSQL schema comes back empty with its sequences restarted, one changed by DDL is replaced,
and a copied demo holds what loading the demo writes."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import DateTime, Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from casecoder.models import Base, Case, Project
from casecoder.models.engine import make_engine
from tests.conftest import pg_base_url, require_postgres
from tests.factories import Factory
from tests.fresh_db import PostgresSchemas, SqliteTemplates, build_demo, demo_project

# Columns a new load fills differently every time: clock times, random versions, salted hashes.
VARYING = {"text_version", "password_hash", "source_coder_span_versions.version"}  # drawn at random


def contents(engine: Engine) -> dict[str, list[tuple]]:
    """Every model table's rows, without the columns that vary from load to load."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VARYING and f"{table.name}.{c.name}" not in VARYING
                       and not isinstance(c.type, DateTime)]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(row) for row in rows]
    return out


def test_a_reused_schema_comes_back_empty_and_a_changed_one_is_replaced() -> None:
    require_postgres()
    schemas = PostgresSchemas(pg_base_url())
    try:
        url = schemas.schema_url(demo=False)
        engine = make_engine(url)
        with Session(engine) as session:
            Factory(session).coded_project()
            session.commit()
            session.add(Case(project_id=session.scalar(select(Project.id)), key="F02", municipality="Sydby"))
            session.flush()
            session.rollback()  # the sequence moved on, the table did not
        engine.dispose()
        assert schemas.schema_url(demo=False) == url
        engine = make_engine(url)
        with engine.connect() as conn:
            for table in inspect(engine).get_table_names():
                assert conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one() == 0, table
        with Session(engine) as session:
            project, _, _ = Factory(session).coded_project()
            assert project.id == 1 and session.scalar(select(Case.id)) == 1
            session.commit()
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE cases ADD COLUMN extra INTEGER"))
        engine.dispose()
        other = schemas.schema_url(demo=False)
        assert other != url
        engine = make_engine(other)
        assert "extra" not in {c["name"] for c in inspect(engine).get_columns("cases")}
        assert schemas.schema_url(demo=False) == other  # reset again: its stamp is now the one found right
        with engine.begin() as conn:  # a change that adds no catalog row, only rewrites one
            table, trigger = conn.execute(text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal "
                "ORDER BY 1, 2 LIMIT 1")).one()
            conn.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"'))
        engine.dispose()
        assert schemas.schema_url(demo=False) not in (url, other)
    finally:
        schemas.close()


def test_a_copied_demo_holds_what_loading_the_demo_writes(db_url: str, request: pytest.FixtureRequest) -> None:
    """``db_url`` alone is an empty database: the demo is loaded into it and compared with a copy made by this
    process's fixtures (SQLite: a copy of the template file; PostgreSQL: two copies, the second into the
    emptied schema)."""
    loaded = make_engine(db_url)
    Base.metadata.create_all(loaded)
    with Session(loaded, expire_on_commit=False) as session:
        build_demo(session)
    if db_url.startswith("sqlite"):
        copy = Path(str(make_url(db_url).database)).with_name("copy.sqlite")
        templates: SqliteTemplates = request.getfixturevalue("sqlite_templates")
        for _ in range(2):  # built when this process had not yet, then copied
            templates.copy_to("demo", copy)
        copied = make_engine(f"sqlite:///{copy}")
    else:
        schemas: PostgresSchemas = request.getfixturevalue("pg_schemas")
        schemas.schema_url(demo=True)
        copied = make_engine(schemas.schema_url(demo=True))  # the second copy, into the emptied schema
    try:
        assert contents(copied) == contents(loaded)
        with Session(copied) as session:
            assert demo_project(session).slug == "demo"
        with copied.connect() as conn, loaded.connect() as other:
            versions = conn.execute(text("SELECT text_version FROM sources ORDER BY id")).scalars().all()
            assert None not in versions
            assert versions != other.execute(text("SELECT text_version FROM sources ORDER BY id")).scalars().all()
            pairs = "SELECT version FROM source_coder_span_versions ORDER BY source_id, coder_id"
            assert conn.execute(text(pairs)).scalars().all() != other.execute(text(pairs)).scalars().all()
    finally:
        copied.dispose()
        loaded.dispose()


def test_the_fixtures_give_the_demo_only_to_tests_that_ask(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM projects")).scalar_one() == 0


@pytest.mark.parametrize("run", [1, 2])
def test_the_demo_fixture_starts_from_the_demo_every_time(demo, session, run: int) -> None:  # type: ignore[no-untyped-def]
    """Whichever runs second in a process sees no trace of the first: no extra row, the ids restarted."""
    demo_cases = session.scalars(select(Case.id).order_by(Case.id)).all()
    assert session.scalars(select(Project.slug)).all() == ["demo"]
    assert demo_cases == list(range(1, len(demo_cases) + 1))
    extra = Case(project_id=demo.id, key=f"EXTRA{run}", municipality="Sydby")
    session.add(extra)
    session.commit()
    assert extra.id == len(demo_cases) + 1
