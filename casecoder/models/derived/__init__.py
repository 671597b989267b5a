"""Tables and columns kept by database triggers from the coded data, never written by the application;
and the one registry of everything a trigger keeps.

``DERIVED`` lists, in the order they are created and rebuilt: ``evidence_summary`` (from the codings),
the tally's ``code_ancestry``/``case_code_evidence``/``tally_cells``/``tally_default`` (from codes and
evidence_summary), ``tally_keys`` (the cases behind each default measure, from case_code_evidence),
``case_code_coder_evidence`` (case_code_evidence per coder: a blind coder's counts),
``sole_coder_cells`` (the pairs of each cell one coder alone stands behind: the same, in one range),
``case_sources`` (from the sources and their cases), ``source_coder_codings`` (each user's codings per
source, from the codings), ``source_case_codings`` (each coder's codings per source, case, code and
direction: the agreement's presence), ``source_coder_spans`` (each coder's codings per source, code,
direction and span: the agreement's segments), ``source_excerpts``/``source_code_excerpts`` (each source's
excerpts, and those per code: the excerpt list's counts), ``coding_places`` (each coding with its
excerpt's place: the chapter's quote candidates), ``sources.text_version``, the full-text index
(SQLite FTS5 table, PostgreSQL ``sources.search_vector`` and its GIN index) and the append-only
triggers of ``audit_events``. Each entry holds its DDL per dialect, the SQL that drops
it, and the function that recomputes its rows (if it has rows).

The loop at the end attaches the DDL to ``Base.metadata``: ``create_all`` runs it after every table
exists, ``drop_all`` drops it first. The migrations do not read it: each carries its own frozen SQL,
and tests/models/test_schema_parity.py checks that both build the same database.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import DDL, event
from sqlalchemy.orm import Session

from casecoder.models import audit
from casecoder.models.base import Base
from casecoder.models.derived import (
    case_sources,
    coder_evidence,
    coding_places,
    search,
    sole_coder_cells,
    source_case_codings,
    source_coder_codings,
    source_coder_spans,
    source_excerpts,
    source_text,
    summary,
    tally_cells,
    tally_keys,
)

Rebuild = Callable[[Session, int | None], int]


@dataclass(frozen=True)
class Derived:
    """One trigger-kept piece of the schema."""

    name: str
    tables: tuple[str, ...]  # the tables whose rows the triggers write (empty: a column or a guard)
    create: Mapping[str, Sequence[str]]  # dialect name -> DDL, run once every table exists
    drop: Mapping[str, Sequence[str]]  # dialect name -> the SQL that removes what ``create`` made
    rebuild: Rebuild | None = None  # recompute the rows (one project, or all); returns the rows written


DERIVED: tuple[Derived, ...] = (
    Derived("evidence_summary", ("evidence_summary",),
            {"sqlite": summary.SQLITE_TRIGGERS, "postgresql": summary.POSTGRES_TRIGGERS},
            {"sqlite": summary.SQLITE_DROP, "postgresql": summary.POSTGRES_DROP},
            summary.rebuild_summary),
    Derived("tally_cells", tally_cells.TABLES,
            {"sqlite": tally_cells.SQLITE_TRIGGERS, "postgresql": tally_cells.POSTGRES_TRIGGERS},
            {"sqlite": tally_cells.SQLITE_DROP, "postgresql": tally_cells.POSTGRES_DROP},
            tally_cells.rebuild_tally_cells),
    Derived("tally_keys", (tally_keys.TABLE,),
            {"sqlite": tally_keys.SQLITE_TRIGGERS, "postgresql": tally_keys.POSTGRES_TRIGGERS},
            {"sqlite": tally_keys.SQLITE_DROP, "postgresql": tally_keys.POSTGRES_DROP},
            tally_keys.rebuild_tally_keys),
    Derived("coder_evidence", (coder_evidence.TABLE,),
            {"sqlite": coder_evidence.SQLITE_TRIGGERS, "postgresql": coder_evidence.POSTGRES_TRIGGERS},
            {"sqlite": coder_evidence.SQLITE_DROP, "postgresql": coder_evidence.POSTGRES_DROP},
            coder_evidence.rebuild_coder_evidence),
    Derived("sole_coder_cells", (sole_coder_cells.TABLE,),
            {"sqlite": sole_coder_cells.SQLITE_TRIGGERS, "postgresql": sole_coder_cells.POSTGRES_TRIGGERS},
            {"sqlite": sole_coder_cells.SQLITE_DROP, "postgresql": sole_coder_cells.POSTGRES_DROP},
            sole_coder_cells.rebuild_sole_coder_cells),
    Derived("case_sources", ("case_sources",),
            {"sqlite": case_sources.SQLITE_TRIGGERS, "postgresql": case_sources.POSTGRES_TRIGGERS},
            {"sqlite": case_sources.SQLITE_DROP, "postgresql": case_sources.POSTGRES_DROP},
            case_sources.rebuild_case_sources),
    Derived("source_coder_codings", (source_coder_codings.TABLE,),
            {"sqlite": source_coder_codings.SQLITE_TRIGGERS, "postgresql": source_coder_codings.POSTGRES_TRIGGERS},
            {"sqlite": source_coder_codings.SQLITE_DROP, "postgresql": source_coder_codings.POSTGRES_DROP},
            source_coder_codings.rebuild_source_coder_codings),
    Derived("source_case_codings", (source_case_codings.TABLE,),
            {"sqlite": source_case_codings.SQLITE_TRIGGERS, "postgresql": source_case_codings.POSTGRES_TRIGGERS},
            {"sqlite": source_case_codings.SQLITE_DROP, "postgresql": source_case_codings.POSTGRES_DROP},
            source_case_codings.rebuild_source_case_codings),
    Derived("source_coder_spans", (source_coder_spans.TABLE,),
            {"sqlite": source_coder_spans.SQLITE_TRIGGERS, "postgresql": source_coder_spans.POSTGRES_TRIGGERS},
            {"sqlite": source_coder_spans.SQLITE_DROP, "postgresql": source_coder_spans.POSTGRES_DROP},
            source_coder_spans.rebuild_source_coder_spans),
    Derived("source_excerpts", source_excerpts.TABLES,
            {"sqlite": source_excerpts.SQLITE_TRIGGERS, "postgresql": source_excerpts.POSTGRES_TRIGGERS},
            {"sqlite": source_excerpts.SQLITE_DROP, "postgresql": source_excerpts.POSTGRES_DROP},
            source_excerpts.rebuild_source_excerpts),
    Derived("coding_places", (coding_places.TABLE,),
            {"sqlite": coding_places.SQLITE_TRIGGERS, "postgresql": coding_places.POSTGRES_TRIGGERS},
            {"sqlite": coding_places.SQLITE_DROP, "postgresql": coding_places.POSTGRES_DROP},
            coding_places.rebuild_coding_places),
    Derived("text_version", (),
            {"sqlite": source_text.SQLITE_TRIGGERS, "postgresql": source_text.POSTGRES_TRIGGERS},
            {"sqlite": source_text.SQLITE_DROP, "postgresql": source_text.POSTGRES_DROP}),
    Derived("full_text_search", (search.FTS_TABLE,),
            {"sqlite": search.SQLITE_FTS, "postgresql": search.POSTGRES_FTS},
            {"sqlite": search.SQLITE_DROP, "postgresql": search.POSTGRES_DROP}),
    Derived("audit_append_only", (),
            {"sqlite": audit.SQLITE_TRIGGERS, "postgresql": audit.POSTGRES_TRIGGERS},
            {"sqlite": audit.SQLITE_DROP, "postgresql": audit.POSTGRES_DROP}),
)


def rebuild_all(session: Session, project_id: int | None = None) -> dict[str, int]:
    """Recompute every derived table (one project, or all) in order; the rows written, by entry name.

    Only needed if rows were written with the triggers off; the triggers keep them exact otherwise.
    """
    return {part.name: part.rebuild(session, project_id) for part in DERIVED if part.rebuild is not None}


for _part in DERIVED:
    for _dialect, _statements in _part.create.items():
        for _sql in _statements:
            event.listen(Base.metadata, "after_create", DDL(_sql).execute_if(dialect=_dialect))
    for _dialect, _statements in _part.drop.items():
        for _sql in _statements:
            event.listen(Base.metadata, "before_drop", DDL(_sql).execute_if(dialect=_dialect))
