"""The report chapter page's quote candidates (``first_quotes``): for each group of sub-mechanisms how many
excerpts ``quote_bank`` would quote and the first ones in its order, read as integers without building the
quotes (issue #25). The bank's own filters are ``quotes.py``'s."""
from __future__ import annotations

import heapq
from dataclasses import replace
from typing import Any, Collection, Container

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, selected_cases, source_conditions
from casecoder.analysis.quotes import _selected
from casecoder.analysis.sql_helpers import driver_rows
from casecoder.kernel.measures import DIRECTIONS
from casecoder.kernel.vocabulary import Direction
from casecoder.models import Case, EvidenceSummary, Project, Source
from casecoder.models.derived.coding_places import CodingPlace

First = dict[int, tuple[int, int, int, int]]   # excerpt -> (its first section's place, case, source, start)


def _first_places(session: Session, project: Project, f: CountFilter, place_of: dict[int, int], blind: Blindness,
                  cases: Container[int | None], skip: Container[int] = ()) -> First:
    """Each excerpt that a coding ``quotes._codings`` gives for the codes of ``place_of`` is on (but ``skip``)
    with the least place of those codings' codes, its case, source and start; ``cases`` are ``f``'s selected
    cases: checked here, not by an IN-subquery of every case per coding (#25).

    The codings of each code with their excerpts' places are one range of ``ix_coding_places_code``
    (``coding_places``, kept by triggers; migrations 0034 and 0035) instead of a probe of ``ix_excerpts_id_place``
    per excerpt (PostgreSQL: ~9,600 probes, 9 ms, and the codings read apart on the large project). Some
    directions only (not the chapter's): its rows of those directions. The viewer's blindness is
    ``Blindness.sees_coding``, inline."""
    P = CodingPlace
    query = select(P.excerpt_id, P.code_id, P.coder_id, P.case_id, P.source_id, P.start_offset).where(
        P.code_id.in_(sorted(place_of)), P.project_id == project.id)
    if not f.independent:  # the coding of record, as the counts use it
        query = query.where(P.of_record.is_(True))
    if set(f.directions) != set(DIRECTIONS):
        query = query.where(P.direction.in_([Direction(d) for d in sorted(f.directions)]))
    if f.coder_ids:
        query = query.where(P.coder_id.in_(f.coder_ids))
    conditions = source_conditions(f)
    if conditions:
        query = query.join(Source, Source.id == P.source_id).where(*conditions)
    if f.municipalities or f.attributes:   # only some cases selected: the other cases' rows not sent (SQLite:
        query = query.where(_selected(session, project, f, P.case_id))   # 20 ms instead of 14 for a tenth)
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
    ``coding_places``, never the excerpt's row; ``_first_places``) as the driver's tuples and ranked here with the
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
