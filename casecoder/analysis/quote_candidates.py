"""The report chapter page's quote candidates (``first_quotes``): for each group of sub-mechanisms how many
excerpts ``quote_bank`` would quote and the first ones in its order, read as integers without building the
quotes (issue #25). The bank's own filters are ``quotes.py``'s."""
from __future__ import annotations

import heapq
from dataclasses import replace
from typing import Any, Collection, Sequence

from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import Session

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, source_conditions
from casecoder.analysis.quotes import _coding_conditions, _codings, _selected
from casecoder.models import Case, Coding, EvidenceSummary, Excerpt, Project, Source


def _places(session: Session, project: Project, f: CountFilter, code_ids: Sequence[int],
            blind: Blindness) -> Select[Any]:
    """(excerpt, code, case, source, start) of each coding ``_codings`` gives for ``code_ids``, each coding's
    excerpt looked up in ``ix_excerpts_id_place`` (#25): SQLite's planner takes it given planner statistics
    (``ANALYZE``; without them it reads the excerpts' rows, as before the index). PostgreSQL by a LATERAL
    subquery ("OFFSET 0" keeps it one): its planner hashed every excerpt of the project instead (cost estimates
    for pages on disk), 2-3 times as long with the pages in memory."""
    columns = (Excerpt.case_id, Excerpt.source_id, Excerpt.start_offset)
    if session.get_bind().dialect.name != "postgresql":
        return _codings(session, project, f, code_ids, None, blind, Coding.excerpt_id, Coding.code_id, *columns,
                        lean=True)
    conditions = source_conditions(f)
    place = select(*columns).where(Excerpt.id == Coding.excerpt_id, Excerpt.project_id == project.id,
                                   blind.coding_seen(), *conditions)
    if conditions:
        place = place.join(Source, Source.id == Excerpt.source_id)
    lateral = place.correlate(Coding).offset(0).lateral("place")
    return (select(Coding.excerpt_id, Coding.code_id, lateral.c.case_id, lateral.c.source_id, lateral.c.start_offset)
            .select_from(Coding).join(lateral, true())
            .where(_selected(session, project, f, lateral.c.case_id), *_coding_conditions(f, code_ids)))


def first_quotes(session: Session, project: Project, f: CountFilter, ranks: dict[int, tuple[int, int]],
                 blind: Blindness = NOT_BLIND, exclude: Collection[int] = (),
                 limit: int = 30) -> dict[int, tuple[int, list[int]]]:
    """Group -> (how many excerpts, the first ``limit`` excerpt ids) without building the quotes: the
    chapter page's candidates.

    ``ranks`` maps a code id to (its section's place, its group), the group never decreasing with the
    place (sections in tree order, a group a run of them). An excerpt passing the bank's filters for
    codes of ``ranks`` belongs to the group of its first section and comes in the order of
    ``quote_bank``'s sections with the duplicates left out: by that section, then as the bank sorts a
    section's quotes (case key, source title, start, excerpt id; codepoint order on both databases).
    ``exclude``: excerpts left out.

    The codings are read as integers (excerpt, code, and the excerpt's case, source and start from the index
    ``ix_excerpts_id_place``, not the excerpt's row) and ranked here with the project's case keys and source
    titles, on both databases (#25): SQLite grouped and sorted ~10,000 rows by their strings in more time than
    it took to read them; PostgreSQL's grouped and windowed query over the strings ("C" collation) ran about
    twice as long as this one query and the ranking together."""
    if not ranks:
        return {}
    if not f.independent and not _set_aside(session, project.id, ranks):
        f = replace(f, independent=True)   # every coding of these codes is of record: no lookup of each coding's row
    query = _places(session, project, f, sorted(ranks), blind)
    skip = set(exclude)
    first: dict[int, tuple[tuple[int, int], int, int, int]] = {}   # excerpt -> (rank, case, source, start)
    connection = session.connection()   # Core rows: the ORM's per-row work cost more than the loop below
    for excerpt_id, code_id, case_id, source_id, start in connection.execute(query).all():
        if excerpt_id in skip:
            continue
        rank = ranks[code_id]
        seen = first.get(excerpt_id)
        if seen is None or rank < seen[0]:
            first[excerpt_id] = (rank, case_id, source_id, start)
    if not first:
        return {}
    case_keys: dict[int, str] = dict(connection.execute(select(Case.id, Case.key).where(
        Case.project_id == project.id)).all())
    titles: dict[int, str] = dict(connection.execute(select(Source.id, Source.title).where(
        Source.project_id == project.id)).all())
    by_group: dict[int, list[tuple[int, str, str, int, int]]] = {}
    for excerpt_id, ((place, grp), case_id, source_id, start) in first.items():   # Python's str order: codepoints
        by_group.setdefault(grp, []).append((place, case_keys[case_id], titles[source_id], start, excerpt_id))
    return {grp: (len(items), [item[-1] for item in heapq.nsmallest(limit, items)])
            for grp, items in sorted(by_group.items())}


def _set_aside(session: Session, project_id: int, code_ids: Collection[int]) -> bool:
    """Whether a reconciliation set aside (``of_record`` false) any coding of ``code_ids`` on an excerpt with a
    case in the project: ``evidence_summary`` (kept exact by triggers) has a row of it then. A quote needs a case,
    so without one the codings' own rows need not be read for ``of_record`` (on SQLite a lookup per coding).
    ``= false`` literally, as ``ix_evidence_summary_set_aside``'s condition: a probe of that partial index (the
    set-aside rows only) instead of a scan of the project's rows."""
    return session.scalar(_set_aside_probe(project_id, code_ids)) is not None


def _set_aside_probe(project_id: int, code_ids: Collection[int]) -> Select[Any]:
    return select(EvidenceSummary.n).where(EvidenceSummary.project_id == project_id,
                                           EvidenceSummary.of_record == false(),
                                           EvidenceSummary.code_id.in_(sorted(code_ids))).limit(1)
