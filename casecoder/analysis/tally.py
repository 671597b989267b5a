""""n of N cases" per code and perspective — the method's headline numbers (docs/counting.md).

Three ways to the same numbers (tests/analysis/test_tally.py and test_evidence_summary.py hold them
to each other): ``tally_default``/``tally_cells`` and ``case_sources`` for the plain tally without case
keys (a few hundred rows whatever the size; models/derived/tally_cells.py), ``tally_keys`` for its case
keys under the default direction set (``default_keys``: a row per code and measure, the keys resolved
when first read, ``CaseKeys``) and ``case_code_evidence`` under any other (``cell_keys``),
``case_masks.measure_keys`` for a case or coder filter, and set
algebra over ``collect`` when a source filter is set. The six measures (family, system, both, either, contradicts, nuances: what each counts and
its N) are declared once, in kernel/measures.py; all three ways are generated from that declaration
(the queries and the set algebra in analysis/measures.py).
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, func, literal, select
from sqlalchemy.orm import Session

from casecoder.analysis import blind_counts, measures
from casecoder.analysis.case_digits import CASES_JOINED, key_denominators, split_joined
from casecoder.analysis.case_masks import measure_counts, measure_keys
from casecoder.analysis.evidence import (
    CountFilter,
    Evidence,
    collect,
    selected_cases,
    summary_serves,
)
from casecoder.analysis.lazy_keys import CaseKeys
from casecoder.kernel import measures as declared
from casecoder.kernel import tree
from casecoder.kernel.measures import DEFAULT_DIRECTIONS, NAMES
from casecoder.models import (
    Case,
    CaseCodeEvidence,
    CaseSources,
    Code,
    EvidenceSummary,
    Project,
    TallyDefault,
    TallyKeys,
    User,
)

MEASURES = NAMES   # family, system, both, either, contradicts, nuances (kernel/measures.py)
UNIT = "cases"


class Count(NamedTuple):
    """n of N cases (a value; named tuples because a tally makes hundreds of them)."""
    n: int
    N: int
    case_keys: Sequence[str] | None   # None unless asked for (``compute_tally(case_keys=True)``): a tuple or CaseKeys

    @property
    def share(self) -> float | None:
        """n / N, or None when N is 0 (shown as "—", never a division by zero)."""
        return self.n / self.N if self.N else None

    def label(self) -> str:
        return f"{self.n}/{self.N}" if self.N else "—"


class CodeTally(NamedTuple):
    code_id: int
    key: str
    label_da: str
    label_en: str
    kind: str
    depth: int
    parent_key: str | None
    hypothesis_key: str          # the top-level code this row belongs under
    codable: bool
    counts: dict[str, Count]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_da


@dataclass
class Tally:
    project_slug: str
    codebook_name: str | None
    codebook_sha256: str | None
    filter: CountFilter
    N: dict[str, int]
    denominators: dict[str, tuple[str, ...]]   # the same -> case keys; empty unless case keys were asked for
    coders: tuple[str, ...]
    rows: list[CodeTally] = field(default_factory=list)
    unit: str = UNIT

    def row(self, key: str) -> CodeTally:
        return next(r for r in self.rows if r.key == key)


def tally_from_evidence(ev: Evidence, code_id: int, directions: frozenset[str]) -> dict[str, Count]:
    """Every measure of the code by set algebra over collected evidence (``analysis.measures``)."""
    dens, sets = measures.denominator_sets(ev), measures.measure_case_sets(ev, code_id, directions)
    return {m.name: Count(len(sets[m.name]), len(dens[m.denominator]), ev.keys(sets[m.name]))
            for m in measures.MEASURES}


def _counts(den: dict[str, int], keys: dict[str, tuple[str, ...]], with_keys: bool) -> dict[str, Count]:
    """Counts from ``case_masks.measure_keys`` (the case keys per measure) and the denominators' sizes."""
    empty: tuple[str, ...] = ()
    return {m: Count(len(keys.get(m, empty)), den[m], keys.get(m, empty) if with_keys else None) for m in MEASURES}


def cells_serve(f: CountFilter) -> bool:
    """Whether ``tally_cells`` answers ``f``: every case, every coder, of record, sub-codes included."""
    return (summary_serves(f) and not (f.municipalities or f.attributes or f.coder_ids or f.independent)
            and f.include_subcodes)


def blind_served(f: CountFilter) -> bool:
    """Whether ``f`` is a blind viewer's filter whose everyone's-counterpart ``tally_cells`` serves: then the
    numbers are everyone's less the cells the viewer loses (``blind_counts.blind_delta``)."""
    return bool(f.blind_source_ids) and cells_serve(blind_counts.unblind(f))


def _coders_query() -> Select[str]:
    """Users with codings in the project: one index probe each (as ``evidence.collect``)."""
    S = EvidenceSummary
    probe = (select(literal(1)).where(S.coder_id == User.id, S.project_id == bindparam("project_id"))
             .order_by(S.case_id).limit(1).scalar_subquery())
    return select(User.username).where(probe.is_not(None))


DENOMINATORS_ORDER = tuple(declared.DENOMINATORS)   # family, system, both, any: the columns of DENOMINATORS
# built once: a tally from the cells is four small statements, no expression building per call
CELLS, DENOMINATORS, CODERS = measures.cells_query(), measures.denominators_query(), _coders_query()
KEYS, CASE_KEYS = {False: measures.keys_query(), True: measures.keys_query(ordered=True)}, measures.case_keys_query()
OCCURS = measures.occurs_query()
OCCURS_OF = OCCURS.where(CaseCodeEvidence.code_id.in_(bindparam("code_ids", expanding=True)))
CODES = (select(Code.id, Code.parent_id, Code.key, Code.label_da, Code.label_en, Code.kind, Code.codable)
         .where(Code.project_id == bindparam("project_id")).order_by(Code.position, Code.id))
# the codes with their numbers for the default direction set (NULL: no evidence)
CODES_DEFAULT = CODES.add_columns(*measures.default_query_columns()).outerjoin(
    TallyDefault, and_(TallyDefault.project_id == Code.project_id, TallyDefault.code_id == Code.id))


def cell_counts(session: Session, project_id: int, directions: frozenset[str]) -> dict[int, tuple[int, ...]]:
    """Per code with evidence, n for each measure (in ``MEASURES`` order): the sum of the cases of
    every mask that satisfies it (the default direction set reads ``tally_default`` instead)."""
    rows = session.connection().execute(CELLS, {"project_id": project_id, **measures.cell_params(directions)})
    return {code_id: tuple(n) for code_id, *n in rows}


def case_denominators(session: Session, project_id: int) -> dict[str, int]:
    """N over every case of the project: cases with a family, a system, both kinds of source, and any case."""
    row = session.connection().execute(DENOMINATORS, {"project_id": project_id}).one()
    return dict(zip(DENOMINATORS_ORDER, row))


def served_evidence(session: Session, project_id: int, f: CountFilter,
                    code_ids: Collection[int] | None = None, *, delta: blind_counts.BlindDelta | None = None
                    ) -> Evidence:
    """``collect(f)``; where ``tally_cells`` serves ``f``, the occurrences come from ``case_code_evidence``
    (sub-codes already rolled up, one row per code: ``measures.occurs_query``) instead of a row per
    code, case, perspective and direction of ``evidence_summary`` (chains, statement graph, matrix).
    ``code_ids``: only these codes' occurrences are needed (there, the others may be left out).
    ``delta``: ``blind_delta(f)`` when the caller has it already (a page that also counts the tally)."""
    if blind_served(f):   # everyone's evidence less what the viewer codes blind (analysis/blind_counts.py)
        ev = served_evidence(session, project_id, blind_counts.unblind(f), code_ids)
        return blind_counts.correct_evidence(session, ev, delta if delta is not None
                                             else blind_counts.blind_delta(session, project_id, f))
    if not cells_serve(f):
        return collect(session, project_id, f)
    ev = served_cases(session, project_id)
    sep = measures.KEYS_SEP
    query, params = OCCURS, dict[str, Any](project_id=project_id)
    if code_ids is not None:
        query, params = OCCURS_OF, {"project_id": project_id, "code_ids": list(code_ids)}
    for code_id, *joined in session.connection().execute(query, params):
        for (perspective, direction), ids in zip(declared.BITS, joined):
            if ids:
                ev.occurs[(code_id, perspective, direction)] = set(map(int, ids.split(sep)))
    return ev


# every case of the project with its number of family and system sources (``case_sources``)
SERVED_CASES = (select(Case.id, Case.key, Case.municipality, func.coalesce(CaseSources.family, 0),
                       func.coalesce(CaseSources.system, 0))
                .outerjoin(CaseSources, and_(CaseSources.project_id == Case.project_id, CaseSources.case_id == Case.id))
                .where(Case.project_id == bindparam("project_id")))


def served_cases(session: Session, project_id: int) -> Evidence:
    """``collect(f, occurs=False)`` for a filter ``tally_cells`` serves (every case, every coder): the cases,
    who has a source of each perspective (``case_sources``) and the coders, in two small statements (collect
    reads the cases and then their sources by a subquery of the selection)."""
    case_keys, municipality = {}, {}
    family_ids, system_ids = set(), set()
    for case_id, key, place, family, system in session.connection().execute(SERVED_CASES, {"project_id": project_id}):
        case_keys[case_id], municipality[case_id] = key, place
        if family > 0:
            family_ids.add(case_id)
        if system > 0:
            system_ids.add(case_id)
    return Evidence(case_keys=case_keys, municipality=municipality,
                    with_source={declared.FAMILY: frozenset(family_ids), declared.SYSTEM: frozenset(system_ids)},
                    coders=project_coders(session, project_id))


KEY_LISTS = (select(TallyKeys.code_id, TallyKeys.measure, TallyKeys.case_ids)
             .where(TallyKeys.project_id == bindparam("project_id")))


def default_keys(session: Session, project_id: int
                 ) -> tuple[dict[str, tuple[str, ...]], Mapping[str, str], dict[int, dict[str, str]]]:
    """What ``cell_keys`` gives under the default direction set, from ``tally_keys``: the case keys of every
    denominator, the cases' keys by id (as text), and per code with evidence the joined ids of the cases
    behind each measure (``CaseKeys`` resolves them when they are read). Two statements, one row per
    code and measure."""
    conn = session.connection()
    ids, joined_keys, digits = conn.execute(CASES_JOINED[conn.dialect.name == "postgresql"],
                                            {"project_id": project_id}).one()
    keys = split_joined(joined_keys)
    key_of = dict(zip(split_joined(ids), keys))
    denominators = key_denominators(keys, digits or "")
    lists: dict[int, dict[str, str]] = {}
    for code_id, measure, case_ids in conn.execute(KEY_LISTS, {"project_id": project_id}).all():
        lists.setdefault(code_id, {})[measure] = case_ids
    return denominators, key_of, lists


def cell_keys(session: Session, project_id: int, directions: frozenset[str]
              ) -> tuple[dict[str, tuple[str, ...]], dict[int, dict[str, tuple[str, ...]]]]:
    """The case keys of every denominator, and per code with evidence the sorted case keys behind each
    measure: what ``measure_keys`` gives for the filters ``tally_cells`` serves, gathered by the
    database from ``case_code_evidence`` (a few strings per code instead of a row per case and code)."""
    conn = session.connection()
    cases = [(key, {p for p, n in (("family", family), ("system", system)) if n > 0})
             for key, family, system in sorted(map(tuple, conn.execute(CASE_KEYS, {"project_id": project_id})))]
    denominators = {name: tuple(key for key, has in cases if has.issuperset(needs))
                    for name, needs in declared.DENOMINATORS.items()}
    hits = measures.measures_of_masks(directions)   # mask -> the indices of the measures that hold
    holds = [{str(mask): i in found for mask, found in enumerate(hits)} for i in range(len(MEASURES))]
    query, sep = KEYS[conn.dialect.name == "postgresql"], measures.KEYS_SEP   # sorted by the database where it can
    keys = {}
    for code_id, joined_keys, joined_masks in conn.execute(query, {"project_id": project_id}):
        # sorted here too (linear when the database sorted them): the order never rests on the database
        pairs = sorted(zip(joined_keys.split(sep), joined_masks.split(sep)))
        case_keys, masks = [k for k, _ in pairs], [m for _, m in pairs]
        keys[code_id] = {name: tuple(compress(case_keys, map(holds[i].__getitem__, masks)))
                         for i, name in enumerate(MEASURES)}
    return denominators, keys


def project_coders(session: Session, project_id: int) -> tuple[str, ...]:
    return tuple(sorted(session.connection().execute(CODERS, {"project_id": project_id}).scalars()))


def number_keys(session: Session, project: Project, f: CountFilter, code_id: int, measure: str
                ) -> tuple[str, ...] | None:
    """The sorted keys of the cases behind one number of the tally (a click on it); ``None`` when the code
    is not the project's. Where ``evidence_summary`` serves ``f`` but the cells do not (a case or coder
    filter), only the code's own and its sub-codes' evidence is read; otherwise the tally with case keys
    (``tally_keys`` resolves only the list that is read)."""
    conn = session.connection()
    if conn.execute(CODE_IN_PROJECT, {"project_id": project.id, "code_id": code_id}).first() is None:
        return None
    if summary_serves(f) and not cells_serve(f):
        case_keys = dict(conn.execute(CASE_KEY_OF_ID.where(Case.id.in_(
            selected_cases(session, project.id, f).with_only_columns(Case.id).scalar_subquery()))).all())
        keys = measure_keys(session, project.id, f, case_keys, below=code_id)
        assert keys is not None
        return keys.get(code_id, {}).get(measure, ())
    # a blind viewer: everyone's keys less what they lose in this code's cells (the delta of one code: its
    # cells hold its sub-codes' evidence already), not in every code's
    delta = blind_counts.blind_delta(session, project.id, f, (code_id,)) if blind_served(f) else None
    row = next(r for r in compute_tally(session, project, f, case_keys=True, delta=delta).rows if r.code_id == code_id)
    return tuple(row.counts[measure].case_keys or ())


CODE_IN_PROJECT = select(Code.id).where(Code.project_id == bindparam("project_id"), Code.id == bindparam("code_id"))
CASE_KEY_OF_ID = select(Case.id, Case.key)


def compute_tally(session: Session, project: Project, f: CountFilter | None = None, *,
                  case_keys: bool = False, delta: blind_counts.BlindDelta | None = None) -> Tally:
    """The tally of every code. From ``tally_cells`` when it serves ``f`` (counts only), or from
    ``tally_keys`` with the case keys (``default_keys``; ``case_code_evidence`` for another direction set,
    ``cell_keys``); otherwise from ``evidence_summary``
    through ``measure_keys`` (one row per case and code), or set algebra over ``collect`` when a
    source filter is set. ``delta``: ``blind_delta(f)`` when the caller has it already (the chapter page
    also corrects its chains' evidence with it: computed once per page, not twice); one of some codes only
    (``code_ids``) corrects only their rows."""
    f = f or CountFilter()
    if blind_served(f):   # everyone's tally less what the viewer codes blind (analysis/blind_counts.py)
        tally = compute_tally(session, project, blind_counts.unblind(f), case_keys=case_keys)
        if delta is None:
            delta = blind_counts.blind_delta(session, project.id, f)
        blind_counts.correct_tally(session, tally, delta, f.directions)
        tally.filter = f
        return tally
    keys, ev, cells, codes, lists = None, None, None, None, None
    key_of: Mapping[str, str] = {}
    if case_keys and cells_serve(f) and f.directions == DEFAULT_DIRECTIONS:
        codes = session.connection().execute(CODES_DEFAULT, {"project_id": project.id}).all()
        cells = {c.id: tuple(c[7:]) for c in codes if c[7] is not None}   # n of each measure
        denominators, key_of, lists = default_keys(session, project.id)
        N = {k: len(v) for k, v in denominators.items()}
        coders = project_coders(session, project.id)
    elif case_keys and cells_serve(f):
        denominators, keys = cell_keys(session, project.id, f.directions)
        N = {k: len(v) for k, v in denominators.items()}
        coders = project_coders(session, project.id)
    elif cells_serve(f):
        if f.directions == DEFAULT_DIRECTIONS:  # the codes and their numbers in one statement
            codes = session.connection().execute(CODES_DEFAULT, {"project_id": project.id}).all()
            cells = {c.id: tuple(c[7:]) for c in codes if c[7] is not None}
        else:
            cells = cell_counts(session, project.id, f.directions)
        N = case_denominators(session, project.id)
        coders, denominators = project_coders(session, project.id), {}
    else:
        if summary_serves(f):
            ev = collect(session, project.id, f, occurs=False)
            if case_keys:
                keys = measure_keys(session, project.id, f, ev.case_keys)
            else:   # the numbers only (the tally page with a filter)
                cells = measure_counts(session, project.id, f)
        if keys is None and cells is None:
            ev = collect(session, project.id, f)
        assert ev is not None
        denominators = {name: ev.keys(cases) for name, cases in measures.denominator_sets(ev).items()}
        N = {k: len(v) for k, v in denominators.items()}
        coders = ev.coders
        if not case_keys:
            denominators = {}
    if codes is None:
        codes = session.connection().execute(CODES, {"project_id": project.id}).all()
    children: dict[int | None, list[tuple[Any, ...]]] = {}  # parent id -> the codes (``CODES``' columns, by
    for code in codes:                                       # position: a row's attribute costs ~1 µs, 54 x 12 here)
        children.setdefault(code[1], []).append(code[:7])
    tally = Tally(project_slug=project.slug, codebook_name=project.codebook_name,
                  codebook_sha256=project.codebook_sha256, filter=f, N=N, denominators=denominators, coders=coders)
    den = {m.name: N[m.denominator] for m in measures.MEASURES}
    none: dict[str, tuple[str, ...]] = {}
    zero, dens, nones = (0,) * len(MEASURES), [den[m] for m in MEASURES], (None,) * len(MEASURES)
    no_lists: dict[str, str] = {}

    def counts_of(code_id: int) -> dict[str, Count]:
        if lists is not None:
            found, ns = lists.get(code_id, no_lists), cells.get(code_id, zero)  # type: ignore[union-attr]
            return {m: Count(n, N_m, CaseKeys(found[m], key_of, n) if n else ())
                    for m, n, N_m in zip(MEASURES, ns, dens)}
        if cells is not None:
            return dict(zip(MEASURES, map(Count, cells.get(code_id, zero), dens, nones)))
        if keys is not None:
            return _counts(den, keys.get(code_id, none), case_keys)
        assert ev is not None
        counted = tally_from_evidence(ev, code_id, f.directions)
        return counted if case_keys else {m: Count(c.n, c.N, None) for m, c in counted.items()}

    top: dict[int, str] = {}  # code id -> the key of its top-level code (the tree is walked without recursion)
    for (code_id, _, key, label_da, label_en, kind, codable), depth, parent in tree.preorder(children, itemgetter(0)):
        hypothesis = top[code_id] = top[parent[0]] if parent else key
        tally.rows.append(CodeTally(code_id, key, label_da, label_en, kind.value, depth, parent[2] if parent else None,
                                    hypothesis, codable, counts_of(code_id)))
    return tally
