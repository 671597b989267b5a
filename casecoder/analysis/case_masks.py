"""The tally's measures per code from ``evidence_summary`` for the filters it serves (no source filter):
``measure_keys`` (the case keys behind each number) and ``measure_counts`` (the numbers alone), from one
grouped query of each selected case's (code, mask of its perspective x direction pairs). No Flask."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import CountFilter, _ancestors, selected_cases, summary_serves
from casecoder.analysis.measures import pair_mask
from casecoder.kernel.measures import NAMES, measures_of_masks
from casecoder.models import Case, EvidenceSummary

__all__ = ["measure_counts", "measure_keys"]


def measure_keys(session: Session, project_id: int, f: CountFilter, case_keys: dict[int, str],
                 below: int | None = None) -> dict[int, dict[str, tuple[str, ...]]] | None:
    """Per code, the sorted keys of the cases behind each tally measure; ``None`` when the summary
    cannot serve ``f`` (a source filter), and codes without evidence are left out. ``below``: only that
    code's lists are wanted (a click on a number): only its own and its sub-codes' evidence is read, so
    only its lists (and its sub-codes') are whole.

    The same rules as ``collect`` + ``tally.tally_from_evidence``: one grouped query over
    ``evidence_summary`` gives per (case, code) the mask of its (perspective, direction) pairs, which
    is rolled up to the ancestors by OR (sub-codes, when asked for); the measures that hold for each
    mask under the chosen directions come from their declaration (``kernel.measures``). ``case_keys``
    are the selected cases (``collect``); cases are walked in key order, so no list needs sorting.
    """
    if not summary_serves(f):
        return None
    by_case, targets = _case_masks(session, project_id, f, below)
    hits = measures_of_masks(frozenset(f.directions))   # mask -> the indices of the measures that hold
    lists: dict[int, tuple[list[str], ...]] = {}  # per code, a list of case keys per measure (NAMES order)
    for case_id in sorted(by_case, key=case_keys.__getitem__):
        key = case_keys[case_id]
        for code_id, mask in _rolled_up(by_case[case_id], targets).items():
            out = lists.get(code_id)
            if out is None:
                out = lists[code_id] = tuple([] for _ in NAMES)
            for i in hits[mask]:
                out[i].append(key)
    return {code_id: dict(zip(NAMES, map(tuple, out))) for code_id, out in lists.items()}


def _case_masks(session: Session, project_id: int, f: CountFilter, below: int | None = None
                ) -> tuple[dict[int, list[tuple[int, int]]], dict[int, tuple[int, ...]]]:
    """Per selected case, (code, mask of its pairs) from one grouped query over ``evidence_summary``; and
    per code the codes its evidence counts for (itself and, with sub-codes, its ancestors). ``below``:
    only the evidence of that code and the codes under it (with sub-codes)."""
    S = EvidenceSummary.__table__.c
    ancestors = _ancestors(session, project_id, f)
    selection = selected_cases(session, project_id, f).with_only_columns(Case.id).scalar_subquery()
    conditions = [S.project_id == project_id, S.case_id.in_(selection)]
    if below is not None:
        conditions.append(S.code_id.in_([below, *(code for code, chain in ancestors.items() if below in chain)]))
    if f.coder_ids:
        conditions.append(S.coder_id.in_(f.coder_ids))
    if not f.independent:
        conditions.append(S.of_record.is_(True))
    # grouped in primary-key order (project, case, code): no sort on either database
    query = select(S.case_id, S.code_id, pair_mask(S)).where(*conditions).group_by(S.case_id, S.code_id)
    result = session.connection().execute(query)
    try:  # the driver's own tuples of ints: no row objects for the 40,000 groups of a large project
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    by_case: dict[int, list[tuple[int, int]]] = {}
    for case_id, code_id, mask in rows:
        by_case.setdefault(case_id, []).append((code_id, mask))
    targets = {code_id: (code_id, *chain) for code_id, chain in ancestors.items()}
    return by_case, targets


def _rolled_up(pairs: list[tuple[int, int]], targets: dict[int, tuple[int, ...]]) -> dict[int, int]:
    """One case's (code, mask) pairs rolled up by OR to the codes each counts for (itself, its ancestors)."""
    rolled: dict[int, int] = {}
    for code_id, mask in pairs:
        for target in targets.get(code_id, (code_id,)):
            rolled[target] = rolled.get(target, 0) | mask
    return rolled


def measure_counts(session: Session, project_id: int, f: CountFilter) -> dict[int, tuple[int, ...]] | None:
    """Per code, n of each measure (``NAMES`` order): what ``measure_keys`` gives, counted without the
    keys (the tally page); ``None`` when the summary cannot serve ``f``. The rolled-up masks of the
    cases are counted per code and mask, and each measure sums the masks that satisfy it."""
    if not summary_serves(f):
        return None
    by_case, targets = _case_masks(session, project_id, f)
    cells: dict[int, dict[int, int]] = {}   # code -> mask -> cases
    for pairs in by_case.values():
        for code_id, mask in _rolled_up(pairs, targets).items():
            masks = cells.get(code_id)
            if masks is None:
                masks = cells[code_id] = {}
            masks[mask] = masks.get(mask, 0) + 1
    hits = measures_of_masks(frozenset(f.directions))
    counts = {}
    for code_id, masks in cells.items():
        n = [0] * len(NAMES)
        for mask, cases in masks.items():
            for i in hits[mask]:
                n[i] += cases
        counts[code_id] = tuple(n)
    return counts
