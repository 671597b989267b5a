"""A blind double coder's counts as a correction of everyone's counts (issue #25). No Flask.

On the transcripts a coder codes blind (``double_coding.blind_source_ids``) only their own codings
count for them (``CountFilter.blind_source_ids``). Blindness only takes evidence away, and only where
another coder's codings on those transcripts are all the evidence a row of ``evidence_summary`` has: a
row (case, code, perspective, direction, coder, of record) vanishes when every one of its ``n`` codings
lies on a blind transcript. So for the filters ``tally_cells`` serves (every case, every coder, of
record, sub-codes included) the blind numbers are the everyday numbers (the derived tables) less the
cells that lose a pair:

1. which other coders' rows vanish: the coders with codings on the blind transcripts and how many they
   have on and off them come from ``source_coder_codings`` (no coding read); then from whichever of two
   reads is smaller: their codings *off* the blind transcripts (a row vanishes when none of its codings
   is there; a second coder who coded only the double-coded material has none, and nothing is read), or
   their codings *on* them, counted per row and compared with ``n``;
2. when every row of those coders vanishes (a second coder who coded only the double-coded material): a
   (case, code) loses a pair exactly when their rows behind it, sub-codes included, are all the rows
   ``case_code_evidence`` counts there. For one such coder those cells are kept by triggers
   (``sole_coder_cells``, migration 0032): one primary-key range. For several, one range per coder of
   ``case_code_coder_evidence`` (the same counts per coder, migration 0028), summed and read against it,
   in one statement;
3. otherwise the "lost" leaves: (case, code, perspective, direction) whose every row of record belongs to
   those coders and vanishes (one query over their rows, each probing its leaf for a row of anyone else),
   rolled up to the ancestors (``code_ancestry``) and compared with ``case_code_evidence`` in the same way.

``correct_tally`` and ``correct_evidence`` take those cells out of a tally or of collected evidence
(the cases behind each measure lose a case where the case's mask stops satisfying it), and drop from the
coders those none of whose evidence the viewer may see. ``tests/analysis/test_tally_brute_force.py``
holds the result to a brute-force count of the rules, blind viewers included.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from itertools import chain, filterfalse
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, cast, exists, func, literal, literal_column, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased

from casecoder.analysis.evidence import CountFilter, Evidence, _driver_rows, _not_indexed
from casecoder.analysis.lazy_keys import CaseKeys, LazyKeys
from casecoder.analysis.sql_helpers import among
from casecoder.kernel.measures import BITS, NAMES, PAIRS, measures_of_masks
from casecoder.models import Case, CaseCodeEvidence, CodeAncestry, Coding, EvidenceSummary, Excerpt, Source, User
from casecoder.models.derived.coder_evidence import CaseCodeCoderEvidence
from casecoder.models.derived.sole_coder_cells import SoleCoderCells
from casecoder.models.derived.source_coder_codings import SourceCoderCodings
from casecoder.models.derived.tally_cells import COLUMNS

__all__ = ["BlindDelta", "blind_delta", "correct_evidence", "correct_tally", "unblind"]

Key = tuple[int, int, str, str, int, bool]   # (code, case, perspective, direction, coder, of record)


@dataclass(frozen=True)
class BlindDelta:
    """What a blind viewer loses of everyone's evidence: the (case, code) cells whose mask changes (sub-codes
    rolled up), grouped by (code id, mask before, bits lost) -> the case ids (a cell is in one group); the
    coders none of whose evidence counts."""
    groups: dict[tuple[int, int, int], list[int]]
    gone_coders: frozenset[int]
    gone_names: frozenset[str] = frozenset()   # their user names

    @cached_property
    def changed(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(case, code) -> (mask before, bits lost)."""
        return {(case, code): (old, cleared) for (code, old, cleared), cases in self.groups.items() for case in cases}

    @cached_property
    def by_code(self) -> dict[int, list[tuple[int, int, int]]]:
        """The cells per code: (case, mask before, bits lost), worked out once for the evidence."""
        out: dict[int, list[tuple[int, int, int]]] = {}
        for (code, old, cleared), cases in self.groups.items():
            out.setdefault(code, []).extend((case, old, cleared) for case in cases)
        return out


def _grouped(rows: Sequence[tuple[int, int]]) -> dict[tuple[int, int, int], list[int]]:
    """``BlindDelta.groups`` from rows of (code id, mask before, bits lost) packed in one number (``PACKED``),
    and case id: grouped by the number, unpacked once per group (a row per cell: thousands)."""
    packed: dict[int, list[int]] = {}
    for number, case in rows:
        cases = packed.get(number)
        if cases is None:
            packed[number] = [case]
        else:
            cases.append(case)
    return {(number >> 2 * WIDTH, number >> WIDTH & LOW, number & LOW): cases for number, cases in packed.items()}


WIDTH = len(PAIRS)   # bits of a mask
LOW = (1 << WIDTH) - 1


def _packed(code: Any, old: Any, cleared: Any) -> Any:
    """SQL: (code, mask before, bits lost) as one number, unpacked by ``_grouped`` (one column, not three)."""
    return cast(code, BigInteger) * (1 << 2 * WIDTH) + old * (1 << WIDTH) + cleared


NOTHING = BlindDelta({}, frozenset())
# which reads ``blind_delta`` takes (None: the cheaper one); the brute-force test sets them to cover each
READ_OFF_BLIND: bool | None = None   # True: the hiding coders' codings off the blind transcripts; False: on them
IN_SQL: bool | None = None           # False: the lost leaves rolled up in Python even when every row of the
                                     # hiding coders vanishes (else case_code_coder_evidence answers that case)


def unblind(f: CountFilter) -> CountFilter:
    """``f`` for everyone: the owner's numbers, which the delta corrects."""
    return replace(f, blind_source_ids=(), viewer_id=None)


def _others(session: Session, project_id: int, viewer_id: int | None) -> dict[int, str]:
    """The users other than the viewer with evidence in the project (one index probe each): id -> user name."""
    return {uid: name for uid, name in session.connection().execute(OTHERS, {"project_id": project_id})
            if uid != viewer_id}


_PROBE = (select(literal(1)).where(EvidenceSummary.coder_id == User.id,
                                   EvidenceSummary.project_id == bindparam("project_id"))
          .order_by(EvidenceSummary.case_id).limit(1).scalar_subquery())
OTHERS = select(User.id, User.username).where(_PROBE.is_not(None))


@lru_cache(maxsize=8)
def _codings(on_blind: bool, sqlite: bool) -> Any:
    """The codings (with a case) of the users ``coders`` on the sources ``blind`` or off them, counted per
    summary key; found from the smaller side: on them through the excerpts' sources, off them through the
    coders' codings (on SQLite ``+ 0`` keeps the planner, which has no statistics, from taking the other
    side's indexes). Built once per variant; parameters ``project_id``, ``coders`` and ``blind``."""
    plain = _not_indexed if sqlite else (lambda column: column)
    coders: Any = bindparam("coders", expanding=True)
    blind: Any = bindparam("blind", expanding=True)
    key = (plain(Coding.code_id), Excerpt.case_id, Source.perspective, Coding.direction, Coding.coder_id,
           Coding.of_record)
    where = ([Excerpt.source_id.in_(blind), plain(Coding.coder_id).in_(coders)] if on_blind else
             [plain(Excerpt.source_id).not_in(select(Source.id).where(Source.id.in_(blind))),  # hashed, not a
              Coding.coder_id.in_(coders)])                                                  # list per row
    return (select(*key, func.count()).join(Excerpt, Excerpt.id == Coding.excerpt_id)
            .join(Source, Source.id == (Excerpt.source_id if on_blind else plain(Excerpt.source_id)))
            .where(plain(Excerpt.project_id) == bindparam("project_id"), plain(Excerpt.case_id).is_not(None), *where)
            .group_by(*key))


@lru_cache(maxsize=4)
def _lost_rows(in_cases: bool) -> Any:
    """The rows of record of the users ``hiding`` at leaves (case, code, perspective, direction) where no one
    else has evidence of record (only these leaves can be lost); ``in_cases``: only in the cases ``cases``."""
    S, T = EvidenceSummary.__table__.c, aliased(EvidenceSummary)
    hiding: Any = bindparam("hiding", expanding=True)
    query = select(S.code_id, S.case_id, S.perspective, S.direction, S.coder_id, S.n).where(
        S.project_id == bindparam("project_id"), S.coder_id.in_(hiding), S.of_record.is_(True),
        ~exists().where(T.project_id == S.project_id, T.case_id == S.case_id, T.code_id == S.code_id,
                        T.perspective == S.perspective, T.direction == S.direction, T.of_record.is_(True),
                        T.coder_id.not_in(hiding)))
    return query.where(S.case_id.in_(bindparam("cases", expanding=True))) if in_cases else query


def _rows(session: Session, query: Any, params: dict[str, Any]) -> list[Any]:
    """The driver's own tuples (as ``evidence._driver_rows``), with parameters."""
    result = session.connection().execute(query, params)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def _vanishing(session: Session, project_id: int, f: CountFilter, others: list[int]
               ) -> tuple[list[int], Any, frozenset[int], list[int] | None]:
    """Which rows vanish: the coders who lose some (H), a test ``vanishes(key, n)``, the coders who lose
    all, and the cases their vanishing rows are in (None: anywhere).

    Who codes on the blind transcripts and elsewhere comes from ``source_coder_codings`` (kept by triggers):
    the coders with codings there (with a case or not: see ``hiding``), and how many codings each has
    on them and off them, without reading a coding."""
    blind, S = list(f.blind_source_ids), EvidenceSummary
    sqlite = session.connection().dialect.name == "sqlite"
    blind_set = f.blind_source_ids if isinstance(f.blind_source_ids, frozenset) else frozenset(blind)
    per_coder: dict[int, list[int]] = {}   # coder -> [codings on the blind transcripts, codings elsewhere]
    for k, source_id, n in _rows(session, CODINGS_PER_SOURCE, {"project_id": project_id, "others": others}):
        per_coder.setdefault(k, [0, 0])[source_id not in blind_set] += n   # a set, not a list per row
    params = {"project_id": project_id, "blind": blind}
    # a coder whose codings there all lack a case loses nothing: their rows all rest on codings elsewhere, so
    # they are among ``elsewhere`` and every read below finds each of their rows still there
    hiding = [k for k in others if per_coder.get(k, (0, 0))[0] > 0]
    if not hiding:
        return [], None, frozenset(), []
    elsewhere = [k for k in hiding if per_coder[k][1] > 0]   # a second coder who coded only there has none
    # their codings off the blind transcripts, when they are few to read (often none)
    if READ_OFF_BLIND if READ_OFF_BLIND is not None else (
            not elsewhere or sum(per_coder[k][1] for k in elsewhere) <= 2 * sum(
                on for on, _off in per_coder.values()) + 2 * _others_there(session, project_id, others, blind)):
        seen: dict[int, set[Key]] = {}
        for *key, _n in (_rows(session, _codings(False, sqlite), {**params, "coders": elsewhere}) if elsewhere else ()):
            k = (key[0], key[1], key[2], key[3], key[4], bool(key[5]))
            seen.setdefault(k[4], set()).add(k)
        visible = set().union(*seen.values()) if seen else set()
        gone = frozenset(k for k in hiding if k not in seen)
        return hiding, lambda key, n: key not in visible, gone, None
    hidden: dict[Key, int] = {
        (code, case, p, d, coder, bool(rec)): n for code, case, p, d, coder, rec, n
        in _rows(session, _codings(True, sqlite), {**params, "coders": hiding})}
    cases = sorted({key[1] for key in hidden})
    vanished: dict[int, int] = {}
    for code, case, p, d, coder, rec, n in _driver_rows(session, select(
            S.code_id, S.case_id, S.perspective, S.direction, S.coder_id, S.of_record, S.n).where(
            S.project_id == project_id, S.coder_id.in_(hiding), S.case_id.in_(cases))):
        if hidden.get((code, case, p, d, coder, bool(rec)), 0) >= n:
            vanished[coder] = vanished.get(coder, 0) + 1
    rows = dict(session.execute(select(S.coder_id, func.count()).where(
        S.project_id == project_id, S.coder_id.in_(hiding)).group_by(S.coder_id)).all())
    gone = frozenset(k for k in hiding if vanished.get(k, 0) >= rows.get(k, 0))
    return hiding, lambda key, n: hidden.get(key, 0) >= n, gone, cases


def blind_delta(session: Session, project_id: int, f: CountFilter,
                code_ids: Collection[int] | None = None) -> BlindDelta:
    """What ``f``'s viewer loses of the evidence of record (every case, sub-codes rolled up). ``code_ids``: only
    the cells of these codes (a page that reads only their numbers: the chapter's; the coders lost are all)."""
    names = _others(session, project_id, f.viewer_id)
    if not names or not f.blind_source_ids:
        return NOTHING
    hiding, vanishes, gone, cases = _vanishing(session, project_id, f, list(names))
    if not hiding:
        return NOTHING
    gone_names = frozenset(names[k] for k in gone)
    query = _lost_rows(cases is not None)
    params = {"project_id": project_id, "hiding": hiding, **({"cases": cases} if cases is not None else {})}
    # every row of theirs vanishes: their rows per (case, code) of case_code_coder_evidence against
    # case_code_evidence's, one statement
    if gone == frozenset(hiding) and IN_SQL is not False:
        some: dict[str, Any] = {} if code_ids is None else {"code_ids": sorted(code_ids)}
        cells: dict[str, Any] = {"project_id": project_id, **some}
        if len(hiding) == 1:   # one coder: the cells they alone stand behind, kept (sole_coder_cells), one range
            rows = _rows(session, SOLE_CELLS_OF if some else SOLE_CELLS, {**cells, "coder": hiding[0]})
        else:
            rows = _rows(session, CELLS_LOSING_OF if some else CELLS_LOSING, {**cells, "hiding": hiding})
        return BlindDelta(_grouped(rows), gone, gone_names)
    leaves: dict[tuple[int, int, str, str], int] = {}   # leaf -> its rows, or -1 once one of them stays
    for code, case, p, d, coder, n in _rows(session, query, params):
        leaf = (code, case, p, d)
        if leaves.get(leaf, 0) < 0:
            continue
        leaves[leaf] = leaves.get(leaf, 0) + 1 if vanishes((code, case, p, d, coder, True), n) else -1
    if not any(n > 0 for n in leaves.values()):
        return BlindDelta({}, gone, gone_names)
    up = _targets(session, project_id)
    removed: dict[tuple[int, int], list[int]] = {}   # (case, code) -> rows lost per pair (PAIRS order)
    index = {pair: i for i, pair in enumerate(PAIRS)}
    for (code, case, p, d), n in leaves.items():
        if n > 0:
            for target in up.get(code, (code,)):
                if code_ids is None or target in code_ids:
                    removed.setdefault((case, target), [0] * len(PAIRS))[index[(p, d)]] += n
    E = CaseCodeEvidence.__table__.c
    changed: dict[tuple[int, int, int], list[int]] = {}
    for case, code, *counts in _driver_rows(session, select(E.case_id, E.code_id, *[E[c] for c in COLUMNS]).where(
            E.project_id == project_id, E.case_id.in_(sorted({case for case, _ in removed})))):
        lost = removed.get((case, code))
        if lost is None:
            continue
        old = cleared = 0
        for i, (have, less) in enumerate(zip(counts, lost)):
            if have > 0:
                old |= 1 << i
                if less >= have:
                    cleared |= 1 << i
        if cleared:
            changed.setdefault((code, old, cleared), []).append(case)
    return BlindDelta(changed, gone, gone_names)


def _cells_losing(some: bool) -> Any:
    """(code, mask before, bits lost) packed (``_packed``) and case of the cells whose mask changes when every
    evidence row of record of the users ``hiding`` (more than one) vanishes: their rows behind each (case, code), sub-codes included
    (``case_code_coder_evidence``, one range per coder), summed and compared with all the rows behind it
    (``case_code_evidence``). One user's cells are kept: ``SOLE_CELLS``. ``some``: of the codes ``code_ids`` only."""
    C, E = CaseCodeCoderEvidence.__table__.c, CaseCodeEvidence.__table__.c
    up = (select(C.case_id, C.code_id, *[func.sum(C[c]).label(c) for c in COLUMNS])
          .where(C.project_id == bindparam("project_id"), C.coder_id.in_(bindparam("hiding", expanding=True)),
                 *([C.code_id.in_(bindparam("code_ids", expanding=True))] if some else []))
          .group_by(C.case_id, C.code_id).subquery("up"))
    zero: Any = literal_column("0")
    old = sum((when((E[c] > zero, literal_column(str(BITS[pair]))), else_=zero) for pair, c in zip(PAIRS, COLUMNS)),
              start=zero)
    cleared = sum((when((and_(E[c] > zero, up.c[c] >= E[c]), literal_column(str(BITS[pair]))), else_=zero)
                   for pair, c in zip(PAIRS, COLUMNS)), start=zero)
    on = and_(E.project_id == bindparam("project_id"), E.case_id == up.c.case_id, E.code_id == up.c.code_id)
    return (select(_packed(E.code_id, old, cleared), E.case_id).select_from(up.join(CaseCodeEvidence.__table__, on))
            .where(cleared != zero))


CELLS_LOSING, CELLS_LOSING_OF = _cells_losing(False), _cells_losing(True)   # _OF: of the codes ``code_ids`` only
# one user's cells that lose a pair when every row of theirs vanishes, kept by triggers (migration 0032); _OF: of
# the codes ``code_ids`` only, a test in the primary key's range before a row is read
SOLE_CELLS = select(_packed(SoleCoderCells.code_id, SoleCoderCells.mask, SoleCoderCells.sole), SoleCoderCells.case_id).where(
    SoleCoderCells.project_id == bindparam("project_id"), SoleCoderCells.coder_id == bindparam("coder"))
SOLE_CELLS_OF = SOLE_CELLS.where(SoleCoderCells.code_id.in_(bindparam("code_ids", expanding=True)))
# each other user's codings per transcript (``source_coder_codings``), classified in Python against the blind set
CODINGS_PER_SOURCE = select(SourceCoderCodings.user_id, SourceCoderCodings.source_id, SourceCoderCodings.codings).where(
    SourceCoderCodings.project_id == bindparam("project_id"),
    SourceCoderCodings.user_id.in_(bindparam("others", expanding=True)))


def _others_there(session: Session, project_id: int, others: list[int], blind: list[int]) -> int:
    """The codings of users outside ``others`` (the viewer) on the blind transcripts."""
    T = SourceCoderCodings
    return session.scalar(select(func.coalesce(func.sum(T.codings), 0)).where(
        T.project_id == project_id, T.source_id.in_(blind), T.user_id.not_in(others))) or 0


def _targets(session: Session, project_id: int) -> dict[int, tuple[int, ...]]:
    """Code id -> the codes its evidence counts for: itself and its ancestors (``code_ancestry``)."""
    up: dict[int, list[int]] = {}
    for ancestor, code in session.execute(select(CodeAncestry.ancestor_id, CodeAncestry.code_id).where(
            CodeAncestry.project_id == project_id)):
        up.setdefault(code, []).append(ancestor)
    return {code: tuple(targets) for code, targets in up.items()}


def correct_evidence(session: Session, ev: Evidence, delta: BlindDelta) -> Evidence:
    """``ev`` (everyone's evidence of record) as the viewer may count it (only the codes ``ev`` holds)."""
    codes = {code for code, _p, _d in ev.occurs}
    by_code = delta.by_code
    for code in codes.intersection(by_code) if delta.groups else ():
        for case, _old, cleared in by_code[code]:
            for pair, bit in BITS.items():
                if cleared & bit:
                    found = ev.occurs.get((code, *pair))
                    if found is not None:
                        found.discard(case)
                        if not found:
                            del ev.occurs[(code, *pair)]
    gone = delta.gone_names
    ev.coders = tuple(name for name in ev.coders if name not in gone)
    return ev


class KeysLess(LazyKeys):
    """Sorted case keys less some, worked out when first read; with ``key_of``, ``less`` holds case ids,
    mapped to their keys then too."""

    __slots__ = ("_all", "_less", "_key_of")

    def __init__(self, keys: Sequence[str], less: set[str] | set[int], n: int,
                 key_of: Mapping[int, str] | None = None) -> None:
        super().__init__(n)
        self._all, self._less, self._key_of = keys, less, key_of

    def _resolve(self) -> tuple[str, ...]:
        key_of = self._key_of
        less = self._less if key_of is None else {key_of[case] for case in self._less}  # type: ignore[index]
        return tuple(filterfalse(less.__contains__, self._all))   # no Python loop per key


def correct_tally(session: Session, tally: Any, delta: BlindDelta, directions: frozenset[str]) -> None:
    """Take the viewer's losses out of ``tally`` (``tally.compute_tally`` for everyone), in place."""
    hits = measures_of_masks(frozenset(directions))
    lost: dict[int, list[list[list[int]]]] = {}   # code -> per measure (NAMES order) the groups of cases it loses
    losing: dict[tuple[int, int], tuple[int, ...]] = {}   # (mask before, after) -> the measures that stop holding
    for (code, old, cleared), cases in delta.groups.items():
        stop = losing.get((old, cleared))
        if stop is None:
            stop = losing[(old, cleared)] = tuple(sorted(set(hits[old]) - set(hits[old & ~cleared])))
        if stop:
            per = lost.get(code)
            if per is None:
                per = lost[code] = [[] for _ in NAMES]
            for i in stop:   # a (case, code) is one cell: a case is in one group of a code
                per[i].append(cases)
    if lost:
        key_of: dict[int, str] | None = None   # read when a count has its case keys as keys (not as ids)
        for row in tally.rows:
            per = lost.get(row.code_id)
            for i, name in enumerate(NAMES) if per else ():
                groups = per[i]  # type: ignore[index]
                if groups:
                    count, n = row.counts[name], sum(map(len, groups))
                    keys = count.case_keys
                    if isinstance(keys, CaseKeys):   # still ids: those left out need no key
                        keys = keys.without(chain.from_iterable(groups), count.n - n)
                    elif keys is not None:
                        if key_of is None:
                            every = sorted({c for per_code in lost.values() for one in per_code for g in one for c in g})
                            key_of = dict(session.execute(select(Case.id, Case.key).where(among(session, Case.id, every))).all())
                        keys = KeysLess(keys, set(chain.from_iterable(groups)), count.n - n, key_of)
                    row.counts[name] = count._replace(n=count.n - n, case_keys=keys)
    gone = delta.gone_names
    tally.coders = tuple(name for name in tally.coders if name not in gone)
