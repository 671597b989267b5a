"""The report chapter page's quote candidates (``first_quotes``): for each group of sub-mechanisms how many
excerpts ``quote_bank`` would quote and the first ones in its order, read as integers without building the
quotes (issue #25). The bank's own filters are ``quotes.py``'s."""
from __future__ import annotations

import heapq
from dataclasses import replace
from typing import Any, Collection, Container, Sequence

from sqlalchemy import Select, any_, false, func, select
from sqlalchemy.orm import Session

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, selected_cases, source_conditions
from casecoder.analysis.quotes import _coding_conditions, _selected
from casecoder.analysis.sql_helpers import driver_rows
from casecoder.kernel.measures import DIRECTIONS
from casecoder.models import Case, Coding, EvidenceSummary, Excerpt, Project, Source
from casecoder.models.derived.coding_places import CodingPlace

First = dict[int, tuple[int, int, int, int]]   # excerpt -> (its first section's place, case, source, start)


def _first_places(session: Session, project: Project, f: CountFilter, place_of: dict[int, int], blind: Blindness,
                  cases: Container[int | None], skip: Container[int] = ()) -> First:
    """Each excerpt that a coding ``quotes._codings`` gives for the codes of ``place_of`` is on (but ``skip``)
    with the least place of those codings' codes, its case, source and start; ``cases`` are ``f``'s selected
    cases: checked here, not by an IN-subquery of every case per coding (#25; kept when only some are selected,
    ``_fewer_cases``).

    SQLite: the codings joined to their excerpts, each excerpt's place a probe of ``ix_excerpts_id_place``
    (its planner takes it given planner statistics, ``ANALYZE``). PostgreSQL: the codings, and apart the
    places of their excerpts by ``id = ANY(ARRAY(the codings' excerpt ids))`` in that index, joined here (the
    viewer's blindness too, ``Blindness.sees_coding``): about 14 ms instead of the 22 of a LATERAL lookup per
    coding (its planner hashed every excerpt of the project for a plain join)."""
    code_ids = sorted(place_of)
    first: First = {}
    if set(f.directions) == set(DIRECTIONS):   # the chapter's: every direction
        return _kept_places(session, project, f, place_of, blind, cases, skip)
    if session.get_bind().dialect.name != "postgresql":
        for excerpt_id, code_id, case_id, source_id, start in driver_rows(session, _joined(session, project, f, code_ids, blind)):
            if case_id in cases and excerpt_id not in skip:
                place = place_of[code_id]
                seen = first.get(excerpt_id)
                if seen is None or place < seen[0]:
                    first[excerpt_id] = (place, case_id, source_id, start)
        return first
    at = {excerpt_id: (case_id, source_id, start) for excerpt_id, case_id, source_id, start
          in driver_rows(session, _excerpt_places(session, project, f, code_ids)) if case_id in cases and excerpt_id not in skip}
    best: dict[int, int] = {}
    conditions = _coding_conditions(f, code_ids)
    hidden, viewer = (blind.source_ids, blind.viewer_id) if blind else (frozenset(), None)
    codings = driver_rows(session, select(Coding.excerpt_id, Coding.code_id, Coding.coder_id).where(*conditions))
    get, never = at.get, max(place_of.values()) + 1
    for excerpt_id, code_id, coder_id in codings:   # Blindness.sees_coding inline: ~11,000 codings
        where = get(excerpt_id)
        if where is None or (coder_id != viewer and where[1] in hidden):
            continue
        place = place_of[code_id]
        if place < best.get(excerpt_id, never):
            best[excerpt_id] = place
    return {excerpt_id: (place, *at[excerpt_id]) for excerpt_id, place in best.items()}


def _kept_places(session: Session, project: Project, f: CountFilter, place_of: dict[int, int], blind: Blindness,
                 cases: Container[int | None], skip: Container[int]) -> First:
    """``_first_places`` for every direction, on both databases: the codings of each code with their excerpts'
    places are one range of ``ix_coding_places_code`` (``coding_places``, kept by triggers; migration 0034)
    instead of a probe of ``ix_excerpts_id_place`` per excerpt (PostgreSQL: ~9,600 probes, 9 ms, and the
    codings read apart on the large project). The viewer's blindness is ``Blindness.sees_coding``, inline."""
    P = CodingPlace
    query = select(P.excerpt_id, P.code_id, P.coder_id, P.case_id, P.source_id, P.start_offset).where(
        P.code_id.in_(sorted(place_of)), P.project_id == project.id)
    if not f.independent:  # the coding of record, as the counts use it
        query = query.where(P.of_record.is_(True))
    if f.coder_ids:
        query = query.where(P.coder_id.in_(f.coder_ids))
    conditions = source_conditions(f)
    if conditions:
        query = query.join(Source, Source.id == P.source_id).where(*conditions)
    if f.municipalities or f.attributes:   # only some cases selected: the others' rows not sent (_fewer_cases)
        query = query.where(_selected(session, project, f, P.case_id))
    hidden, viewer = (blind.source_ids, blind.viewer_id) if blind else (frozenset(), None)
    first: First = {}
    get = first.get
    for excerpt_id, code_id, coder_id, case_id, source_id, start in driver_rows(session, query):
        if case_id in cases and excerpt_id not in skip and (coder_id == viewer or source_id not in hidden):
            place = place_of[code_id]
            seen = get(excerpt_id)
            if seen is None or place < seen[0]:
                first[excerpt_id] = (place, case_id, source_id, start)
    return first


def _excerpt_places(session: Session, project: Project, f: CountFilter,
                    code_ids: Sequence[int]) -> Select[int, int | None, int, int]:
    """PostgreSQL's places: (excerpt, case, source, start) of the excerpts of the codings of ``code_ids``."""
    conditions = source_conditions(f) + _fewer_cases(session, project, f)
    excerpt_ids = select(Coding.excerpt_id).where(*_coding_conditions(f, code_ids)).scalar_subquery()
    query = select(Excerpt.id, Excerpt.case_id, Excerpt.source_id, Excerpt.start_offset).where(
        Excerpt.id == any_(func.array(excerpt_ids)), Excerpt.project_id == project.id, *conditions)
    return query.join(Source, Source.id == Excerpt.source_id) if conditions else query


def _joined(session: Session, project: Project, f: CountFilter, code_ids: Sequence[int],
            blind: Blindness) -> Select[int, int, int | None, int, int]:
    """SQLite's ``_first_places`` query: the codings with their excerpts' places (the cases checked by the caller)."""
    conditions = source_conditions(f)
    query = (select(Coding.excerpt_id, Coding.code_id, Excerpt.case_id, Excerpt.source_id, Excerpt.start_offset)
             .select_from(Coding).join(Excerpt, Excerpt.id == Coding.excerpt_id))
    if conditions:
        query = query.join(Source, Source.id == Excerpt.source_id)
    return query.where(Excerpt.project_id == project.id, blind.coding_seen(), *conditions,
                       *_fewer_cases(session, project, f), *_coding_conditions(f, code_ids))


def _fewer_cases(session: Session, project: Project, f: CountFilter) -> list[Any]:
    """When ``f`` selects only some cases (municipality, attributes): the excerpt's case among them in SQL too, so
    that the other cases' rows are not sent (the caller's check in Python alone gave 20 ms instead of 14 on SQLite
    for one municipality's tenth of the cases)."""
    return [_selected(session, project, f, Excerpt.case_id)] if f.municipalities or f.attributes else []


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

    The codings are read as integers (excerpt, code, and the excerpt's case, source and start from the index of
    ``coding_places``, ``_kept_places``; for some directions only from ``ix_excerpts_id_place``; never the excerpt's
    row; ``_first_places``) as the driver's tuples and ranked here with the
    selected cases' keys (read once, also the case filter) and the source titles, on both databases (#25): SQLite
    grouped and sorted ~10,000 rows by their strings in more time than it took to read them; PostgreSQL's grouped
    and windowed query over the strings ("C" collation) ran about twice as long as reading and ranking here."""
    if not ranks:
        return {}
    if not f.independent and not _set_aside(session, project.id, ranks):
        f = replace(f, independent=True)   # every coding of these codes is of record: no lookup of each coding's row
    case_keys: dict[int, str] = dict(driver_rows(session, selected_cases(session, project.id, f)
                                                 .with_only_columns(Case.id, Case.key)))
    if not case_keys:
        return {}
    place_of = {code_id: place for code_id, (place, _grp) in ranks.items()}
    group_of = dict(ranks.values())
    first = _first_places(session, project, f, place_of, blind, case_keys, set(exclude))
    if not first:
        return {}
    titles: dict[int, str] = dict(driver_rows(session, select(Source.id, Source.title).where(
        Source.project_id == project.id)))
    by_group: dict[int, list[tuple[int, str, str, int, int]]] = {}
    for excerpt_id, (place, case_id, source_id, start) in first.items():   # Python's str order: codepoints
        by_group.setdefault(group_of[place], []).append((place, case_keys[case_id], titles[source_id], start,
                                                         excerpt_id))
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
