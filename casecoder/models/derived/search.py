"""Full-text search DDL for ``sources.text``; no Flask.

SQLite: an FTS5 external-content table ``sources_fts`` (the text lives only in ``sources``),
kept in sync by AFTER INSERT/UPDATE/DELETE triggers using FTS5's 'delete' command.
``remove_diacritics 0`` keeps æ, ø and å distinct from a, o and a.
PostgreSQL: the column ``sources.search_vector`` holds ``to_tsvector('danish', text)``, set by a
BEFORE INSERT/UPDATE OF text trigger, with the GIN index ``ix_sources_fts`` on it (migration 0013; a
paused bulk import computes new rows' vectors on a second connection: ``search_later.py``, 0037).
Until then the index was on the expression, which a ranked query had to recompute for every matched
transcript (3-5 s per search on 900 transcripts). The column is not mapped: the ORM never reads it.

The registry in ``models/derived/__init__.py`` attaches the DDL to ``create_all``/``drop_all``;
migrations 0002 (SQLite) and 0013 (PostgreSQL) hold frozen copies. The FTS objects are not in
``Base.metadata``.
"""
from __future__ import annotations

FTS_TABLE = "sources_fts"
PG_INDEX = "ix_sources_fts"
PG_COLUMN = "search_vector"
TSVECTOR_SQL = f"sources.{PG_COLUMN}"

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

# A bulk import inside a pause leaves a new row's vector to models/derived/search_later.py (transaction-local
# setting, migration 0037), which writes the same to_tsvector before the import commits.
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION sources_search_vector_biu() RETURNS trigger AS $$\nBEGIN\n"
    "  IF TG_OP = 'INSERT' AND current_setting('casecoder.search_vector_later', true) = 'on' THEN\n"
    "    RETURN NEW;\n  END IF;\n"
    "  IF TG_OP = 'INSERT' OR NEW.text IS DISTINCT FROM OLD.text THEN\n"
    f"    NEW.{PG_COLUMN} := to_tsvector('danish', NEW.text);\n  END IF;\n  RETURN NEW;\nEND; $$ LANGUAGE plpgsql")
POSTGRES_FTS = [
    f"ALTER TABLE sources ADD COLUMN {PG_COLUMN} tsvector",
    POSTGRES_FUNCTION,
    "CREATE TRIGGER sources_search_vector_biu BEFORE INSERT OR UPDATE OF text ON sources FOR EACH ROW "
    "EXECUTE FUNCTION sources_search_vector_biu()",
    f"CREATE INDEX {PG_INDEX} ON sources USING gin ({PG_COLUMN})",
]
POSTGRES_FILL = f"UPDATE sources SET {PG_COLUMN} = to_tsvector('danish', text)"  # rows that already exist
POSTGRES_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}",
                 "DROP TRIGGER IF EXISTS sources_search_vector_biu ON sources",
                 "DROP FUNCTION IF EXISTS sources_search_vector_biu()",
                 f"ALTER TABLE sources DROP COLUMN IF EXISTS {PG_COLUMN}"]

SQLITE_NAMES = {FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config"))}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name`` hook: the FTS5 table, its shadow tables, the search vector column and
    its index are not in ``Base.metadata``, so autogenerate/compare_metadata must not report them."""
    if type_ == "table":
        return name not in SQLITE_NAMES
    if type_ == "index":
        return name != PG_INDEX
    if type_ == "column":
        return name != PG_COLUMN
    return True
