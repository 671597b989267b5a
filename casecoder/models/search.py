"""Full-text search DDL for ``sources.text``; no Flask.

SQLite: an FTS5 external-content table ``sources_fts`` (the text lives only in ``sources``),
kept in sync by AFTER INSERT/UPDATE/DELETE triggers using FTS5's 'delete' command.
``remove_diacritics 0`` keeps æ, ø and å distinct from a, o and a.
PostgreSQL: an expression GIN index on ``to_tsvector('danish', text)``; queries must use the very
same expression (``TSVECTOR_SQL``) for the planner to use it.

The DDL is attached to ``Source.__table__`` for ``create_all``/``drop_all`` and reused by
migration 0002. The FTS objects are not in ``Base.metadata``.
"""
from __future__ import annotations

from sqlalchemy import DDL, event

from .cases import Source

FTS_TABLE = "sources_fts"
PG_INDEX = "ix_sources_fts"
TSVECTOR_SQL = "to_tsvector('danish', sources.text)"

SQLITE_FTS = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        text, content='sources', content_rowid='id', tokenize="unicode61 remove_diacritics 0")""",
    f"""CREATE TRIGGER sources_fts_ai AFTER INSERT ON sources BEGIN
        INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END""",
    f"""CREATE TRIGGER sources_fts_ad AFTER DELETE ON sources BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); END""",
    f"""CREATE TRIGGER sources_fts_au AFTER UPDATE OF id, text ON sources BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END""",
]
# Index rows that already exist (the migration); a no-op on an empty table.
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
# The triggers go with the sources table; the virtual table (and its shadow tables) do not.
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS sources_fts_ai",
    "DROP TRIGGER IF EXISTS sources_fts_ad",
    "DROP TRIGGER IF EXISTS sources_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

POSTGRES_FTS = [f"CREATE INDEX {PG_INDEX} ON sources USING gin (to_tsvector('danish', text))"]
POSTGRES_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}"]

for _sql in SQLITE_FTS:
    event.listen(Source.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in POSTGRES_FTS:
    event.listen(Source.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
event.listen(Source.__table__, "after_drop", DDL(SQLITE_DROP[-1]).execute_if(dialect="sqlite"))

SQLITE_NAMES = {FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config"))}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name`` hook: the FTS5 table, its shadow tables and the expression index
    are not in ``Base.metadata``, so autogenerate/compare_metadata must not report them."""
    if type_ == "table":
        return name not in SQLITE_NAMES
    if type_ == "index":
        return name != PG_INDEX
    return True
