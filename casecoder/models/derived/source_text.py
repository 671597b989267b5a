"""A new ``sources.text_version`` whenever a transcript's text changes, by database trigger.

The version is a random number (a rolled-back edit's version never comes back), set on insert by
the model's default and replaced by these triggers on every change of ``text``, whatever the write
path. ``coding/text_cache.py`` keeps texts per process under (source id, version). The registry in
``models/derived/__init__.py`` attaches the DDL to ``create_all``.
"""
from __future__ import annotations

MAX_VERSION = 4611686018427387903  # 2**62 - 1
SQLITE_RANDOM = f"(((random() >> 2) & {MAX_VERSION}) + 1)"  # no "%": DDL() formats with it
POSTGRES_RANDOM = f"(floor(random() * {MAX_VERSION})::bigint + 1)"

SQLITE_TRIGGERS = [
    "CREATE TRIGGER sources_text_version_au AFTER UPDATE OF text ON sources FOR EACH ROW "
    f"WHEN old.text IS NOT new.text BEGIN UPDATE sources SET text_version = {SQLITE_RANDOM} WHERE id = new.id; END",
]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION sources_text_version_bu() RETURNS trigger AS $$\nBEGIN\n"
    f"  NEW.text_version := {POSTGRES_RANDOM};\n  RETURN NEW;\nEND; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER sources_text_version_bu BEFORE UPDATE OF text ON sources FOR EACH ROW "
    "WHEN (old.text IS DISTINCT FROM new.text) EXECUTE FUNCTION sources_text_version_bu()",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS sources_text_version_au"]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS sources_text_version_bu ON sources",
                 "DROP FUNCTION IF EXISTS sources_text_version_bu()"]
FILL = {"sqlite": f"UPDATE sources SET text_version = {SQLITE_RANDOM}",
        "postgresql": f"UPDATE sources SET text_version = {POSTGRES_RANDOM}"}
