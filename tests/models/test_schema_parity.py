"""A database built by the migrations and one built by ``Base.metadata.create_all`` hold the same schema.

Tables, columns (name, type affinity, nullability, server default), indexes (name, columns, unique),
unique, check and foreign-key constraints (PostgreSQL: also their definitions, and the sequences), and the triggers with their SQL (SQLite ``sqlite_master``; PostgreSQL
``pg_trigger`` with ``pg_get_triggerdef`` and the functions' ``pg_get_functiondef``), including the
full-text objects (the FTS5 table and its triggers; ``sources.search_vector`` and its GIN index).
``test_migrations.py`` checks the same through Alembic's ``compare_metadata``, which sees neither
triggers nor the search objects.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.orm import Session

from casecoder.models import Base, migrate
from casecoder.models.derived import DERIVED, rebuild_all, search
from casecoder.models.engine import make_engine


def _sql(statement: str | None, schema: str = "") -> str:
    """SQL text without layout: runs of whitespace made one space, none next to brackets, the schema dropped."""
    statement = re.sub(r"\s+", " ", statement or "").strip()
    statement = re.sub(r"\s*([(),;])\s*", r"\1", statement)
    return statement.replace(f"{schema}.", "") if schema else statement


def _sqlite_affinity(declared: str) -> str:
    """SQLite's column affinity of a declared type (https://sqlite.org/datatype3.html, 3.1)."""
    declared = declared.upper()
    if "INT" in declared:
        return "INTEGER"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in declared or not declared:
        return "BLOB"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _columns(conn: Connection, table: str) -> list[tuple[str, str, bool, str]]:
    """(name, type affinity, nullable, server default) of each column."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text(f'PRAGMA table_info("{table}")')).all()
        return sorted((r.name, _sqlite_affinity(r.type), not r.notnull and not r.pk, _sql(r.dflt_value)) for r in rows)
    rows = conn.execute(text(
        "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = :t"), {"t": table}).all()
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    return sorted((name, f"{kind}({length})" if length else kind, nullable == "YES", _sql(default, schema))
                  for name, kind, length, nullable, default in rows)


def _constraints(engine: Engine, table: str) -> dict[str, Any]:
    insp = inspect(engine)
    return {
        "primary key": insp.get_pk_constraint(table)["constrained_columns"],
        "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)),
        "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)),
        "checks": sorted((c["name"], _sql(c["sqltext"])) for c in insp.get_check_constraints(table)),
        "foreign keys": sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"],
                                tuple(f["referred_columns"]), (f["options"].get("ondelete") or "").upper())
                               for f in insp.get_foreign_keys(table)),
    }


def _sqlite_objects(conn: Connection) -> dict[str, Any]:
    rows = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master")).all()
    return {
        "triggers": sorted((r.name, r.tbl_name, _sql(r.sql)) for r in rows if r.type == "trigger"),
        # the FTS5 table is virtual: its SQL is what it is (regular tables are compared column by column)
        "virtual tables": sorted((r.name, _sql(r.sql)) for r in rows
                                 if r.type == "table" and (r.sql or "").upper().startswith("CREATE VIRTUAL")),
    }


def _postgres_objects(conn: Connection) -> dict[str, Any]:
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    triggers = conn.execute(text(
        "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND NOT t.tgisinternal"), {"s": schema})
    functions = conn.execute(text(
        "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = :s"), {"s": schema})
    indexes = conn.execute(text("SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = :s"),
                           {"s": schema})
    constraints = conn.execute(text(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = :s"),
        {"s": schema})
    sequences = conn.execute(text(
        "SELECT sequencename, data_type, start_value, increment_by FROM pg_sequences WHERE schemaname = :s"),
        {"s": schema})
    return {
        "triggers": sorted((name, table, _sql(sql, schema)) for name, table, sql in triggers),
        "functions": sorted((name, _sql(sql, schema)) for name, sql in functions),
        "index definitions": sorted((name, table, _sql(sql, schema)) for name, table, sql in indexes),
        "constraint definitions": sorted((table, name, _sql(sql, schema)) for table, name, sql in constraints),
        "sequences": sorted(tuple(row) for row in sequences),
    }


def schema_of(engine: Engine) -> dict[str, Any]:
    """Everything of the schema this test compares, keyed by what it is (the Alembic version table left out)."""
    tables = sorted(set(inspect(engine).get_table_names()) - {"alembic_version"})
    with engine.connect() as conn:
        found: dict[str, Any] = {"tables": tables}
        for table in tables:
            found[f"{table}: columns"] = _columns(conn, table)
            if not table.startswith("sources_fts"):  # FTS5's shadow tables: compared through the virtual table
                for what, value in _constraints(engine, table).items():
                    found[f"{table}: {what}"] = value
        found.update(_sqlite_objects(conn) if conn.dialect.name == "sqlite" else _postgres_objects(conn))
        if conn.dialect.name == "postgresql":
            for what in ("index definitions", "constraint definitions"):
                found[what] = [row for row in found[what] if "alembic_version" not in row[:2]]
    return found


def _empty_again(engine: Engine, db_url: str) -> Engine:
    """A second empty database of the same kind (SQLite: another file; PostgreSQL: the schema anew)."""
    if engine.dialect.name == "sqlite":
        engine.dispose()
        return make_engine(db_url.replace(".sqlite", "-models.sqlite"))
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return engine


@pytest.fixture
def migrated_and_created(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    migrated = schema_of(engine)
    engine = _empty_again(engine, db_url)
    Base.metadata.create_all(engine)
    created = schema_of(engine)
    engine.dispose()
    return migrated, created


def test_migrations_and_models_build_the_same_schema(migrated_and_created):
    migrated, created = migrated_and_created
    assert migrated["tables"] == created["tables"]
    differences = {key: {"migrations": migrated.get(key), "models": created.get(key)}
                   for key in sorted(set(migrated) | set(created)) if migrated.get(key) != created.get(key)}
    assert differences == {}


def test_the_search_objects_are_there(migrated_and_created):
    """Both sides hold the full-text objects (so the comparison above compares something)."""
    for schema in migrated_and_created:
        if "virtual tables" in schema:
            assert [name for name, _ in schema["virtual tables"]] == ["sources_fts"]
            assert {"sources_fts_ai", "sources_fts_ad", "sources_fts_au"} <= {t[0] for t in schema["triggers"]}
        else:
            assert ("search_vector", "tsvector", True, "") in schema["sources: columns"]
            assert any(name == "ix_sources_fts" and "USING gin(search_vector)" in sql
                       for name, _, sql in schema["index definitions"])
            assert "sources_search_vector_biu" in {t[0] for t in schema["triggers"]}
        sqlite = "virtual tables" in schema
        assert {"evidence_summary_codings_ai" if sqlite else "codings_derived_ai", "tally_evidence_ai",
                "case_sources_links_ai", "audit_events_no_delete" if sqlite else "audit_events_no_change"} \
            <= {t[0] for t in schema["triggers"]}


@pytest.fixture
def created(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_the_registry_drops_what_it_creates(created):
    """Every trigger, trigger function and search object of create_all comes from ``DERIVED``, whose drop
    SQL removes it again; the tables stay."""
    tables = schema_of(created)["tables"]
    with created.begin() as conn:
        for part in DERIVED:
            for sql in part.drop[conn.dialect.name]:
                conn.exec_driver_sql(sql)
    left = schema_of(created)
    for what in ("triggers", "functions", "virtual tables"):
        assert left.get(what, []) == [], what
    assert "search_vector" not in [name for name, *_ in left["sources: columns"]]
    assert set(tables) - set(left["tables"]) <= search.SQLITE_NAMES


def test_drop_all_leaves_nothing(created):
    Base.metadata.drop_all(created)
    left = schema_of(created)
    assert left["tables"] == []
    for what in ("triggers", "functions", "virtual tables", "index definitions"):
        assert left.get(what, []) == [], what


def test_every_derived_table_is_a_model_and_rebuilt(created):
    tables = {table for part in DERIVED for table in part.tables}
    assert tables - set(Base.metadata.tables) == {search.FTS_TABLE}
    assert [part.name for part in DERIVED if part.rebuild] == ["evidence_summary", "tally_cells", "tally_keys",
                                                              "coder_evidence", "sole_coder_cells", "case_sources",
                                                              "source_coder_codings", "source_case_codings",
                                                              "source_coder_spans", "source_excerpts", "coding_places"]
    with Session(created) as session:
        assert rebuild_all(session) == {"evidence_summary": 0, "tally_cells": 0, "tally_keys": 0, "coder_evidence": 0,
                                         "sole_coder_cells": 0, "case_sources": 0, "source_coder_codings": 0,
                                         "source_case_codings": 0, "source_coder_spans": 0, "source_excerpts": 0,
                                         "coding_places": 0}
