"""Alembic: empty -> head on both databases gives exactly the models' schema; down and up again."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

import casecoder.migrations
from casecoder.models import Base, migrate
from casecoder.models.derived.search import include_name
from casecoder.models.engine import make_engine
from tests.models.test_schema_parity import schema_of


@pytest.fixture
def empty_engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_upgrade_from_empty_to_head_matches_the_models(empty_engine):
    assert migrate.current_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}), Base.metadata)
    assert diff == []
    tables = set(inspect(empty_engine).get_table_names())
    assert {"users", "projects", "memberships", "codes", "code_relations", "cases", "case_attributes",
            "attribute_definitions", "interviewees", "sources", "source_cases", "source_interviewees",
            "excerpts", "codings", "audit_events"} <= tables


def test_migrated_audit_table_is_append_only(empty_engine):
    migrate.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (action, entity, entity_id, at) "
                          "VALUES ('create', 'code', 1, CURRENT_TIMESTAMP)"))
    with pytest.raises(DBAPIError, match="append-only"):
        with empty_engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))


def test_downgrade_to_base_and_up_again(empty_engine):
    migrate.upgrade(empty_engine)
    at_head = schema_of(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    left = schema_of(empty_engine)  # no trigger, trigger function or FTS table outlives its migration
    for what in ("triggers", "functions", "virtual tables", "index definitions"):
        assert left.get(what, []) == [], what
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)
    assert schema_of(empty_engine) == at_head


def test_upgrade_is_idempotent(empty_engine):
    migrate.upgrade(empty_engine)
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_migrations_are_frozen_and_import_nothing_from_casecoder():
    """A migration carries its own DDL: importing today's models would change what an old revision does."""
    versions = Path(casecoder.migrations.__file__).parent / "versions"
    scripts = sorted(versions.glob("*.py"))
    assert len(scripts) >= 13
    for script in scripts:
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n == "casecoder" or n.startswith("casecoder.")], script.name
