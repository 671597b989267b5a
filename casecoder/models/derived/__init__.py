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
excerpt's place: the chapter's quote candidates), ``codings_insert`` (PostgreSQL: the one AFTER INSERT
trigger on codings that adds a new coding to five of those tables, from their statements),
``sources.text_version``, the full-text index (SQLite FTS5 table, PostgreSQL ``sources.search_vector`` and
its GIN index) and the append-only triggers of ``audit_events``. Each entry holds its DDL per dialect, the SQL that drops
it, and the function that recomputes its rows (if it has rows).

The loop at the end attaches the DDL to ``Base.metadata``: ``create_all`` runs it after every table
exists, ``drop_all`` drops it first. The migrations do not read it: each carries its own frozen SQL,
and tests/models/test_schema_parity.py checks that both build the same database.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import DDL, event
from sqlalchemy.orm import Session

from casecoder.models import audit
from casecoder.models.base import Base
from casecoder.models.derived import (
    case_sources,
    coder_evidence,
    coding_places,
    codings_insert,
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


def _kept(name: str, module: ModuleType, tables: tuple[str, ...], rebuild: Rebuild | None = None,
          create: tuple[str, str] = ("SQLITE_TRIGGERS", "POSTGRES_TRIGGERS")) -> Derived:
    """The entry of a module that names its DDL ``create`` (SQLite, PostgreSQL), its drops ``SQLITE_DROP`` and
    ``POSTGRES_DROP``."""
    return Derived(name, tables, {"sqlite": getattr(module, create[0]), "postgresql": getattr(module, create[1])},
                   {"sqlite": module.SQLITE_DROP, "postgresql": module.POSTGRES_DROP}, rebuild)


DERIVED: tuple[Derived, ...] = (
    _kept("evidence_summary", summary, ("evidence_summary",), summary.rebuild_summary),
    _kept("tally_cells", tally_cells, tally_cells.TABLES, tally_cells.rebuild_tally_cells),
    _kept("tally_keys", tally_keys, (tally_keys.TABLE,), tally_keys.rebuild_tally_keys),
    _kept("coder_evidence", coder_evidence, (coder_evidence.TABLE,), coder_evidence.rebuild_coder_evidence),
    _kept("sole_coder_cells", sole_coder_cells, (sole_coder_cells.TABLE,), sole_coder_cells.rebuild_sole_coder_cells),
    _kept("case_sources", case_sources, ("case_sources",), case_sources.rebuild_case_sources),
    _kept("source_coder_codings", source_coder_codings, (source_coder_codings.TABLE,),
          source_coder_codings.rebuild_source_coder_codings),
    _kept("source_case_codings", source_case_codings, (source_case_codings.TABLE,),
          source_case_codings.rebuild_source_case_codings),
    _kept("source_coder_spans", source_coder_spans, (source_coder_spans.TABLE,),
          source_coder_spans.rebuild_source_coder_spans),
    _kept("source_excerpts", source_excerpts, source_excerpts.TABLES, source_excerpts.rebuild_source_excerpts),
    _kept("coding_places", coding_places, (coding_places.TABLE,), coding_places.rebuild_coding_places),
    _kept("codings_insert", codings_insert, ()),
    _kept("text_version", source_text, ()),
    _kept("full_text_search", search, (search.FTS_TABLE,), create=("SQLITE_FTS", "POSTGRES_FTS")),
    _kept("audit_append_only", audit, ()),
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
