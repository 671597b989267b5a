"""The report chapter page's quote candidates (``first_quotes``): for each group of sub-mechanisms how many
excerpts ``quote_bank`` would quote and the first ones in its order, read as integers without building the
quotes (issue #25). The bank's own filters are ``quotes.py``'s."""
from __future__ import annotations

import heapq
import math
from dataclasses import replace
from typing import Any, Collection, Container, Sequence

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, selected_cases, source_conditions
from casecoder.analysis.quotes import _selected
from casecoder.analysis.sql_helpers import among, driver_rows
from casecoder.kernel.measures import DIRECTIONS
from casecoder.kernel.vocabulary import Direction
from casecoder.models import Case, EvidenceSummary, Project, Source
from casecoder.models.derived.coding_places import CodingPlace

First = dict[int, tuple[int, int, int, int]]   # excerpt -> (its first section's place, case, source, start)
SMALL = 2   # a place with at most SMALL times the shown quotes is read in full (``_needed``)
SPARE = 2   # a larger place: the cases that hold SPARE times the quotes still needed, on average


def _rows(session: Session, project: Project, f: CountFilter, place_of: dict[int, int], blind: Blindness,
          skip: Collection[int], *columns: Any, more: Sequence[Any] = ()) -> Select[Any]:
    """SELECT ``columns`` of the ``coding_places`` rows that a coding ``quotes._codings`` gives for the codes of
    ``place_of`` is on, ``skip``'s excerpts and those without a case left out (the selected cases of a case filter
    in SQL; with none every case of the project is selected). ``more``: conditions checked first (SQLite checks
    them in order: some cases' rows, then blindness, ~4 instead of ~8 ms for a blind coder).

    The codings of each code with their excerpts' places are one range of ``ix_coding_places_code``
    (``coding_places``, kept by triggers; migrations 0034 and 0035) instead of a probe of ``ix_excerpts_id_place``
    per excerpt. Some directions only (not the chapter's): its rows of those directions. The viewer's blindness
    is ``Blindness.sees_coding``."""
    P = CodingPlace
    query = select(*columns).where(P.code_id.in_(sorted(place_of)), P.project_id == project.id,
                                   P.case_id.is_not(None), *more)
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
    if skip:
        query = query.where(among(session, P.excerpt_id, skip, not_=True))
    if blind:   # the viewer's own codings first: SQLite then looks up fewer sources (~3.4 instead of ~6 ms)
        query = query.where(or_(P.coder_id == blind.viewer_id,
                                among(session, P.source_id, blind.source_ids, not_=True)))
    return query


def _first_places(session: Session, project: Project, f: CountFilter, place_of: dict[int, int], blind: Blindness,
                  cases: Container[int | None], skip: Collection[int] = (),
                  more: Sequence[Any] = ()) -> First:
    """Each excerpt of ``_rows`` (``more``: further conditions on them) with the least place of its codings'
    codes, its case, source and start; ``cases`` are ``f``'s selected cases."""
    P = CodingPlace
    query = _rows(session, project, f, place_of, blind, skip, P.excerpt_id, P.code_id, P.case_id, P.source_id,
                  P.start_offset, more=more)
    first: First = {}
    get = first.get
    for excerpt_id, code_id, case_id, source_id, start in driver_rows(session, query):
        if case_id in cases:
            place = place_of[code_id]
            seen = get(excerpt_id)
            if seen is None or place < seen[0]:
                first[excerpt_id] = (place, case_id, source_id, start)
    return first


def _totals(session: Session, project: Project, f: CountFilter, place_of: dict[int, int], blind: Blindness,
            skip: Collection[int]) -> dict[int, int]:
    """Place -> how many excerpts of ``_rows`` have it as their least place: per code its excerpts in one string
    (SQLite) or array (PostgreSQL), in the index's order without a sort, and set algebra here (a few rows instead
    of ~11,000 on the large project; SQLite's grouping by excerpt took longer)."""
    P = CodingPlace
    postgresql = session.get_bind().dialect.name == "postgresql"
    joined = func.array_agg(P.excerpt_id) if postgresql else func.group_concat(P.excerpt_id)
    coded: dict[int, set[int]] = {}
    for code_id, ids in driver_rows(session, _rows(session, project, f, place_of, blind, skip, P.code_id, joined)
                                    .group_by(P.code_id)):
        coded.setdefault(place_of[code_id], set()).update(ids if postgresql else map(int, ids.split(",")))
    seen: set[int] = set()
    totals: dict[int, int] = {}
    for place in sorted(coded):
        totals[place] = len(coded[place] - seen)
        seen |= coded[place]
    return totals


def _needed(totals: dict[int, int], group_of: dict[int, int], limit: int, n_cases: int) -> tuple[int, list[int]]:
    """How many of the selected cases (key order) to read the rows of, and the places to read in full (few
    excerpts), so that each group's first ``limit`` excerpts are likely among them: per group its places in order
    until ``limit`` excerpts, a small place read in full, a larger one from the first cases, ``SPARE`` times the
    share of the cases its excerpts need."""
    cases, small = 0, []
    remaining: dict[int, int] = {}
    for place in sorted(totals):
        left = remaining.setdefault(group_of[place], limit)
        if left <= 0:
            continue
        if totals[place] <= SMALL * limit:
            small.append(place)
            remaining[group_of[place]] = left - totals[place]
        else:
            cases = max(cases, math.ceil(SPARE * left * n_cases / totals[place]))
            remaining[group_of[place]] = 0
    return cases, small


def _enough(first: First, full: First, small: list[int], totals: dict[int, int], group_of: dict[int, int],
            limit: int) -> bool:
    """Whether the excerpts read hold each group's first ``limit``: per group, place by place, a small place's
    excerpts all in ``full``, a larger one's in ``first`` (its first cases' excerpts, which come before its
    others: case key order) all of them or enough of them."""
    seen: dict[tuple[int, bool], int] = {}
    for read, is_full in ((first, False), (full, True)):
        for place, *_rest in read.values():
            seen[place, is_full] = seen.get((place, is_full), 0) + 1
    remaining: dict[int, int] = {}
    for place in sorted(totals):
        left = remaining.setdefault(group_of[place], limit)
        got = seen.get((place, place in small), 0)
        if got > totals[place]:
            return False
        if left <= 0 or got >= left:
            remaining[group_of[place]] = 0
        elif got == totals[place]:
            remaining[group_of[place]] = left - got
        else:
            return False
    return True


def _some_places(session: Session, project: Project, f: CountFilter, place_of: dict[int, int], blind: Blindness,
                 case_keys: dict[int, str], skip: Collection[int], totals: dict[int, int],
                 group_of: dict[int, int], limit: int) -> First | None:
    """``_first_places`` of the excerpts that can be shown only (``_needed``): those of the first cases in key
    order and those coded with a small place's codes; None when that is not much less than every case or does not
    hold each group's first ``limit`` (then every row is read)."""
    n_cases, small = _needed(totals, group_of, limit, len(case_keys))
    if 2 * n_cases >= len(case_keys):
        return None
    P = CodingPlace
    first: First = {}
    full: First = {}
    if n_cases:
        ordered = sorted(case_keys, key=case_keys.__getitem__)
        while n_cases < len(ordered) and case_keys[ordered[n_cases]] == case_keys[ordered[n_cases - 1]]:
            n_cases += 1   # never between two equal keys
        first = _first_places(session, project, f, place_of, blind, case_keys, skip,
                              [among(session, P.case_id, ordered[:n_cases])])  # type: ignore[arg-type]
    if small:
        coded = select(P.excerpt_id).where(P.code_id.in_([c for c, place in place_of.items() if place in small]),
                                           P.project_id == project.id)
        full = _first_places(session, project, f, place_of, blind, case_keys, skip,
                             [P.excerpt_id.in_(coded.scalar_subquery())])
    if not _enough(first, full, small, totals, group_of, limit):
        return None
    return first | full


def first_quotes(session: Session, project: Project, f: CountFilter, ranks: dict[int, tuple[int, int]],
                 blind: Blindness = NOT_BLIND, exclude: Collection[int] = (), limit: int = 30,
                 case_keys: dict[int, str] | None = None) -> dict[int, tuple[int, list[int]]]:
    """Group -> (how many excerpts, the first ``limit`` excerpt ids) without building the quotes: the
    chapter page's candidates.

    ``ranks`` maps a code id to (its section's place, its group), the group never decreasing with the
    place (sections in tree order, a group a run of them). An excerpt passing the bank's filters for
    codes of ``ranks`` belongs to the group of its first section and comes in the order of
    ``quote_bank``'s sections with the duplicates left out: by that section, then as the bank sorts a
    section's quotes (case key, source title, start, excerpt id; codepoint order on both databases).
    ``exclude``: excerpts left out. ``case_keys``: ``f``'s selected cases' keys by id when the caller has them.

    How many excerpts each place has is counted in SQL (``_totals``); the codings are read as integers (excerpt,
    code, and the excerpt's case, source and start from the index of ``coding_places``, never the excerpt's row)
    of the excerpts that can be shown only, when that is enough (``_some_places``: on the large project ~850 of
    ~11,300 rows, #25), else all (``_first_places``), and ranked here with the selected cases' keys (read once,
    also the case filter) and the source titles, on both databases: SQLite grouped and sorted ~10,000 rows by
    their strings in more time than it took to read them."""
    if not ranks:
        return {}
    if not f.independent and not _set_aside(session, project.id, ranks):
        f = replace(f, independent=True)   # every coding of these codes is of record: no lookup of each coding's row
    if case_keys is None:
        case_keys = dict(driver_rows(session, selected_cases(session, project.id, f)
                                     .with_only_columns(Case.id, Case.key)))
    if not case_keys:
        return {}
    place_of = {code_id: place for code_id, (place, _grp) in ranks.items()}
    group_of = dict(ranks.values())
    skip = set(exclude)
    totals = _totals(session, project, f, place_of, blind, skip)
    if not totals:
        return {}
    first = _some_places(session, project, f, place_of, blind, case_keys, skip, totals, group_of, limit)
    if first is None:
        first = _first_places(session, project, f, place_of, blind, case_keys, skip)
    sources = {source_id for _p, _c, source_id, _s in first.values()}   # the project's when many
    titles: dict[int, str] = dict(driver_rows(session, select(Source.id, Source.title).where(
        among(session, Source.id, sources) if len(sources) <= 1000 else Source.project_id == project.id)))
    by_group: dict[int, list[tuple[int, str, str, int, int]]] = {}
    for excerpt_id, (place, case_id, source_id, start) in first.items():   # Python's str order: codepoints
        by_group.setdefault(group_of[place], []).append((place, case_keys[case_id], titles[source_id], start,
                                                         excerpt_id))
    n: dict[int, int] = {}
    for place, count in totals.items():
        n[group_of[place]] = n.get(group_of[place], 0) + count
    return {grp: (n[grp], [item[-1] for item in heapq.nsmallest(limit, by_group.get(grp, []))])
            for grp in sorted(n)}


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
