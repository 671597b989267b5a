"""On PostgreSQL, ONE AFTER INSERT row trigger on codings (``codings_derived_ai``) adds a new coding to every table
that counts codings: ``coding_places``, ``evidence_summary``, ``source_case_codings``, ``source_coder_codings`` and
``source_coder_spans`` (issue #25).

Each of those tables had its own AFTER INSERT trigger on codings, each a PL/pgSQL function of its own that read
the coding's excerpt again: five function calls and five index probes of ``excerpts`` per coding, ~0.3 ms of the
~0.55 ms of the workbench's one-statement create of an excerpt with two codings. This function reads the
excerpt's project, case, source and span once into the record ``e`` (nothing when it is gone, as the joins
gave nothing) and runs every table's statement with the values from it: each table's module still owns its
statement (its ``POSTGRES_CODING_ADDED``, a ``summary.CodingAdded``, the same rows as its SQLite trigger), this
module only puts them together, in the order PostgreSQL fired the five triggers (by name), the statements
that count only codings of an excerpt with a case under one ``IF e.case_id IS NOT NULL``. Its WHEN is the
bulk import's pause test of the others (``summary.PG_NOT_PAUSED``, models/derived/pause.py); the rebuilds
stay each table's own. SQLite keeps one trigger per table (its triggers are statements, not functions:
nothing to merge). The other triggers on codings (delete, update, ``source_code_excerpts_bi``) are unchanged.
Migration 0038 made the change; DERIVED registers this entry without rows or a rebuild of its own.
"""
from __future__ import annotations

from casecoder.models.derived import (
    coding_places,
    source_case_codings,
    source_coder_codings,
    source_coder_spans,
    summary,
)
from casecoder.models.derived.summary import PG_NOT_PAUSED, CodingAdded

NAME = "codings_derived_ai"

# in the order of the triggers they replace (PostgreSQL fires a table's triggers by name)
PARTS: tuple[CodingAdded, ...] = (coding_places.POSTGRES_CODING_ADDED, summary.POSTGRES_CODING_ADDED,
                                  source_case_codings.POSTGRES_CODING_ADDED,
                                  source_coder_codings.POSTGRES_CODING_ADDED, source_coder_spans.POSTGRES_CODING_ADDED)


def _body(parts: tuple[CodingAdded, ...]) -> str:
    """The statements, consecutive ones that need a case under one IF."""
    lines, in_case = [], False
    for part in parts:
        if part.with_case_only != in_case:
            lines.append("  IF e.case_id IS NOT NULL THEN\n" if part.with_case_only else "  END IF;\n")
            in_case = part.with_case_only
        lines.append(f"{'    ' if in_case else '  '}{part.sql};\n")
    return "".join(lines) + ("  END IF;\n" if in_case else "")


POSTGRES_TRIGGERS = [
    f"CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger AS $$\nDECLARE\n  e record;\nBEGIN\n"
    "  SELECT x.project_id, x.case_id, x.source_id, x.start_offset, x.end_offset INTO e FROM excerpts x "
    "WHERE x.id = new.excerpt_id;\n  IF NOT FOUND THEN\n    RETURN NULL;\n  END IF;\n"
    + _body(PARTS) + "  RETURN NULL;\nEND; $$ LANGUAGE plpgsql",
    f"CREATE TRIGGER {NAME} AFTER INSERT ON codings FOR EACH ROW WHEN ({PG_NOT_PAUSED}) EXECUTE FUNCTION {NAME}()",
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS {NAME} ON codings", f"DROP FUNCTION IF EXISTS {NAME}()"]
SQLITE_TRIGGERS: list[str] = []
SQLITE_DROP: list[str] = []
