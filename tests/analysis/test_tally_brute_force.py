"""The tally against a brute-force count (casecoder/analysis/evidence.py + tally.py).

A ``hypothesis`` property test: random small projects and random filters, every count compared
with a brute-force count over the ORM objects the example created (``brute_force``), which
implements the rules of docs/counting.md on its own and shares no code with evidence.py. The
tally is read through ``tally_check.compute_tally``, so the counts-only tally (``tally_cells``
where it serves the filter) is held to the same numbers. Every example on SQLite and PostgreSQL.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis import blind_counts, chains
from casecoder.analysis.evidence import AttributeCondition, CountFilter
from casecoder.analysis.tally import Count, blind_served, number_keys, served_evidence
from casecoder.coding import cases, excerpts
from casecoder.models import Case, Code, Excerpt, Project, Source, User
from tests.factories import Factory
from tests.tally_check import compute_tally

DIRECTIONS = ("supports", "contradicts", "nuances")
CODES = ("H1", "H1.1", "H1.2", "H2", "H2.1")       # H1 and H2 with children: roll-up matters
CHECKED = CODES + ("H1.3", "H3")                   # plus codes nobody uses
MUNICIPALITIES = ("Nordby", "Sydby", "Vestby")
ROLES = ("mor", "familiekoordinator", "jobkonsulent")
DATES = (date(2024, 1, 10), date(2024, 4, 1), date(2024, 8, 20))
TEXT = "Interviewer: Hvordan gik det? Interviewperson: Det gik godt med koordinatoren. " * 3


@dataclass(frozen=True)
class SourceSpec:
    perspective: str
    cases: tuple[int, ...]                   # indices into the world's cases
    role: str | None                          # one interviewee of this role, or none
    interview_date: date | None
    # each excerpt: (index into ``cases``, {(code key, coder index): direction})
    excerpts: tuple[tuple[int, tuple[tuple[tuple[str, int], str], ...]], ...]


@dataclass(frozen=True)
class World:
    municipalities: tuple[str, ...]          # of each case
    who5: tuple[int | None, ...]             # of each case; None: not set
    n_coders: int
    sources: tuple[SourceSpec, ...]


@st.composite
def worlds(draw, coders=(2, 2, 1)) -> World:  # type: ignore[no-untyped-def]
    n_cases = draw(st.integers(2, 6))
    n_munis = draw(st.integers(1, 3))
    n_coders = draw(st.sampled_from(coders))
    codings = st.dictionaries(st.tuples(st.sampled_from(CODES), st.integers(0, n_coders - 1)),
                              st.sampled_from(DIRECTIONS), min_size=1, max_size=4).map(lambda d: tuple(d.items()))

    @st.composite
    def source(draw2) -> SourceSpec:  # type: ignore[no-untyped-def]
        linked = tuple(draw2(st.lists(st.integers(0, n_cases - 1), min_size=1, max_size=2, unique=True)))
        return SourceSpec(
            perspective=draw2(st.sampled_from(("family", "system"))), cases=linked,
            role=draw2(st.none() | st.sampled_from(ROLES)), interview_date=draw2(st.none() | st.sampled_from(DATES)),
            excerpts=tuple(draw2(st.lists(st.tuples(st.integers(0, len(linked) - 1), codings), min_size=1,
                                            max_size=3))))

    return World(
        municipalities=tuple(draw(st.lists(st.sampled_from(MUNICIPALITIES[:n_munis]), min_size=n_cases,
                                           max_size=n_cases))),
        who5=tuple(draw(st.lists(st.none() | st.integers(25, 45), min_size=n_cases, max_size=n_cases))),
        n_coders=n_coders, sources=tuple(draw(st.lists(source(), min_size=1, max_size=6))))


@dataclass(frozen=True)
class FilterSpec:
    """A CountFilter with coders as indices (user ids exist only once the world is built)."""
    municipalities: tuple[str, ...]
    who5: tuple[str, int] | None
    roles: tuple[str, ...]
    coders: tuple[int, ...]
    directions: frozenset[str]
    include_subcodes: bool
    date_from: date | None
    date_to: date | None
    blind: tuple[int, ...] = ()               # the sources the viewer codes blind (indices into the world's)
    viewer: int | None = None                 # a coder index; None: every coding on ``blind`` is hidden


def some_of(values) -> st.SearchStrategy[tuple]:  # type: ignore[no-untyped-def]
    """A non-empty sorted tuple of ``values``."""
    return st.sets(st.sampled_from(values), min_size=1).map(lambda v: tuple(sorted(v)))


def sometimes(strategy, empty):  # type: ignore[no-untyped-def]
    """``strategy`` about one time in three, else ``empty``: with every filter at once, most selections
    would be empty and the counts trivially zero."""
    return st.sampled_from((False, False, True)).flatmap(lambda on: strategy if on else st.just(empty))


@st.composite
def filters(draw, world: World) -> FilterSpec:  # type: ignore[no-untyped-def]
    return FilterSpec(
        municipalities=draw(sometimes(some_of(MUNICIPALITIES), ())),
        who5=draw(sometimes(st.tuples(st.sampled_from(("eq", "ne", "lt", "le", "gt", "ge")), st.integers(25, 45)),
                            None)),
        roles=draw(sometimes(some_of(ROLES), ())),
        # a filter on one coder is the one that matters; both coders is the same as no filter
        coders=draw(st.sampled_from(((), (), (0,), (1,), (0, 1))).map(
            lambda picked: tuple(i for i in picked if i < world.n_coders))),
        directions=draw(st.sampled_from((frozenset({"supports"}), None)).flatmap(
            lambda d: st.just(d) if d else st.frozensets(st.sampled_from(DIRECTIONS), min_size=1))),
        include_subcodes=draw(st.sampled_from((True, True, False))),  # the default, twice as often
        date_from=draw(sometimes(st.sampled_from(DATES), None)),
        date_to=draw(sometimes(st.sampled_from(DATES), None)),
        **draw(sometimes(blindness(world), {})))


def blindness(world: World) -> st.SearchStrategy[dict]:  # type: ignore[type-arg]
    """A blind viewer (``FilterSpec.blind`` and ``viewer``): some sources, and a coder or nobody."""
    return st.fixed_dictionaries({
        "blind": st.sets(st.integers(0, len(world.sources) - 1), min_size=1).map(lambda b: tuple(sorted(b))),
        "viewer": st.none() | st.integers(0, world.n_coders - 1)})


@st.composite
def blind_filters(draw, world: World) -> FilterSpec:  # type: ignore[no-untyped-def]
    """A blind viewer's filter that ``tally_cells`` would serve for everyone (analysis/blind_counts.py)."""
    return FilterSpec(municipalities=(), who5=None, roles=(), coders=(),
                      directions=draw(st.sampled_from((frozenset({"supports"}), None)).flatmap(
                          lambda d: st.just(d) if d else st.frozensets(st.sampled_from(DIRECTIONS), min_size=1))),
                      include_subcodes=True, date_from=None, date_to=None, **draw(blindness(world)))


@dataclass
class Built:
    project: Project
    cases: list[Case]
    who5: dict[int, int | None]               # case id -> value set (None: no value)
    coders: list[User]
    excerpts: list[Excerpt]
    sources: list[Source]


def build_world(session: Session, factory: Factory, world: World) -> Built:
    """Create the world through the app's write functions (flushed, never committed)."""
    coders = [factory.user(f"coder{i}") for i in range(world.n_coders)]
    project = factory.project("world", coders[0])
    who5 = cases.define_attribute(session, project, "who5_entry", "integer")
    case_list = [factory.case(project, f"F{i + 1:02d}", m) for i, m in enumerate(world.municipalities)]
    for case, value in zip(case_list, world.who5):
        if value is not None:
            cases.set_attribute(session, case, who5, value)
    code = {key: factory.code(project, key) for key in CODES}
    made: list[Excerpt] = []
    sources: list[Source] = []
    for j, spec in enumerate(world.sources):
        people = [cases.create_interviewee(session, project, f"I{j}", spec.role, spec.perspective)] if spec.role else []
        source = cases.create_source(session, project, title=f"S{j}", text=TEXT, perspective=spec.perspective,
                                     cases=[case_list[i] for i in spec.cases], interviewees=people,
                                     interview_date=spec.interview_date)
        sources.append(source)
        for k, (which, codings) in enumerate(spec.excerpts):
            excerpt = excerpts.create_excerpt(session, coders[0], source, 3 * k, 3 * k + 20,
                                              case=case_list[spec.cases[which]])
            for (key, coder), direction in codings:
                excerpts.add_coding(session, coders[0], excerpt, code[key], direction, coder=coders[coder])
            made.append(excerpt)
    return Built(project, case_list, {c.id: v for c, v in zip(case_list, world.who5)}, coders, made, sources)


def to_filter(built: Built, fs: FilterSpec) -> CountFilter:
    return CountFilter(
        municipalities=fs.municipalities,
        attributes=(AttributeCondition("who5_entry", *fs.who5),) if fs.who5 else (),
        roles=fs.roles, coder_ids=tuple(built.coders[i].id for i in fs.coders),
        directions=fs.directions, include_subcodes=fs.include_subcodes, date_from=fs.date_from, date_to=fs.date_to,
        blind_source_ids=tuple(sorted(built.sources[i].id for i in fs.blind)),
        viewer_id=None if fs.viewer is None else built.coders[fs.viewer].id)


COMPARE = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
           "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def _case_selected(built: Built, f: CountFilter, case: Case) -> bool:
    """The case filters: municipality, and the who5_entry condition (a case without a value never passes)."""
    if f.municipalities and case.municipality not in f.municipalities:
        return False
    for cond in f.attributes:  # only who5_entry here
        value = built.who5[case.id]
        if value is None or not COMPARE[cond.op](value, int(cond.value)):  # type: ignore[call-overload]
            return False
    return True


def _source_counts(f: CountFilter, source: Source) -> bool:
    """The source filters: interview date in range (a source without a date fails any range) and role."""
    d = source.interview_date
    if f.date_from is not None and (d is None or d < f.date_from):
        return False
    if f.date_to is not None and (d is None or d > f.date_to):
        return False
    return not f.roles or any(person.role in f.roles for person in source.interviewees)


def _seen(f: CountFilter, excerpt: Excerpt, coding) -> bool:  # type: ignore[no-untyped-def]
    """Blind double coding: on the sources the viewer codes blind only their own codings count."""
    return excerpt.source_id not in f.blind_source_ids or coding.coder_id == f.viewer_id


def brute_force(built: Built, f: CountFilter) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, Count]]]:
    """The denominators and every count of the CHECKED codes, straight from the rules and the ORM objects.

    One loop over the cases and their sources for the denominators, one over every excerpt and
    coding for the evidence; a coding of code C counts for code X when C is X, or, with sub-codes
    included, when X is an ancestor of C (walked through ``Code.parent``).
    """
    selected = [c for c in built.cases if _case_selected(built, f, c)]
    with_source: dict[str, set[str]] = {"family": set(), "system": set()}
    for case in selected:
        for source in case.sources:
            if _source_counts(f, source):
                with_source[source.perspective.value].add(case.key)
    N = {"family": with_source["family"], "system": with_source["system"],
         "both": with_source["family"] & with_source["system"], "any": {c.key for c in selected}}

    occurs = brute_occurs(built, f)

    def cases_with(key: str, perspectives: tuple[str, ...], directions) -> set[str]:  # type: ignore[no-untyped-def]
        return {k for p in perspectives for d in directions for k in occurs.get((key, p, d), ())}

    counts = {}
    for key in CHECKED:
        family = cases_with(key, ("family",), f.directions)
        system = cases_with(key, ("system",), f.directions)
        ns = {"family": (family, N["family"]), "system": (system, N["system"]),
              "both": (family & system, N["both"]), "either": (family | system, N["any"]),
              "contradicts": (cases_with(key, ("family", "system"), ("contradicts",)), N["any"]),
              "nuances": (cases_with(key, ("family", "system"), ("nuances",)), N["any"])}
        counts[key] = {m: Count(len(n), len(d), tuple(sorted(n))) for m, (n, d) in ns.items()}
    return {name: tuple(sorted(keys)) for name, keys in N.items()}, counts


def brute_occurs(built: Built, f: CountFilter) -> dict[tuple[str, str, str], set[str]]:
    """(code key, perspective, direction) -> the keys of the cases with such evidence (sub-codes rolled up
    when included), over every excerpt and coding that passes ``f``."""
    selected_ids = {c.id for c in built.cases if _case_selected(built, f, c)}
    occurs: dict[tuple[str, str, str], set[str]] = {}
    for excerpt in built.excerpts:
        if excerpt.case_id not in selected_ids or not _source_counts(f, excerpt.source):
            continue
        for coding in excerpt.codings:
            if f.coder_ids and coding.coder_id not in f.coder_ids or not _seen(f, excerpt, coding):
                continue
            targets, code = [coding.code], coding.code.parent
            while f.include_subcodes and code is not None:
                targets.append(code)
                code = code.parent
            for target in targets:
                occurs.setdefault((target.key, excerpt.source.perspective.value, coding.direction.value),
                                  set()).add(excerpt.case.key)
    return occurs


def brute_force_coders(built: Built, f: CountFilter) -> tuple[str, ...]:
    """The user names of the coders with a coding that passes the case, source and coder filters
    (any direction: contradicting and nuancing codings are counted in their own columns)."""
    names = set()
    for excerpt in built.excerpts:
        if not _case_selected(built, f, excerpt.case) or not _source_counts(f, excerpt.source):
            continue
        names |= {c.coder.username for c in excerpt.codings
                  if (not f.coder_ids or c.coder_id in f.coder_ids) and _seen(f, excerpt, c)}
    return tuple(sorted(names))


def _noise(session: Session, factory: Factory) -> None:
    """A committed "noise" project (same case keys, every code coded): nothing may leak across projects."""
    if session.scalar(select(Project.id).where(Project.slug == "noise")) is None:
        noise_user = factory.user("noise-coder")
        noise = factory.project("noise", noise_user)
        noise_cases = [factory.case(noise, f"F{i:02d}", m) for i, m in enumerate(MUNICIPALITIES * 2, start=1)]
        for perspective in ("family", "system"):
            source = factory.source(noise, noise_cases[:2], perspective=perspective)
            factory.excerpt(noise_user, source, "Det gav ro.", [(factory.code(noise, k), d)
                                                                  for k, d in zip(CODES, itertools.cycle(DIRECTIONS))],
                            case=noise_cases[0])
        session.commit()


def _check(session: Session, built: Built, f: CountFilter) -> None:
    """The tally (with and without case keys), each number's click and the coders against the brute force."""
    tally = compute_tally(session, built.project, f)
    expected_denominators, expected = brute_force(built, f)
    assert tally.denominators == expected_denominators
    for key in CHECKED:
        got = tally.row(key).counts
        assert got == expected[key], key
        for measure, count in got.items():  # the cases behind n are among the cases behind N
            denominator = measure if measure in ("family", "system", "both") else "any"
            assert set(count.case_keys) <= set(expected_denominators[denominator]), (key, measure)
            # a click on the number finds the same cases, reading only what is below the code
            assert number_keys(session, built.project, f, tally.row(key).code_id, measure) == \
                expected[key][measure].case_keys, (key, measure)
    assert tally.coders == brute_force_coders(built, f)


SETTINGS = settings(max_examples=25, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(example=worlds().flatmap(lambda world: st.tuples(st.just(world), filters(world))))
def test_tally_matches_a_brute_force_count(session, factory, example):
    """Each example is built inside the test's transaction and rolled back afterwards, so examples
    never see each other; the noise project checks that nothing leaks across projects."""
    _noise(session, factory)
    world, fs = example
    try:
        built = build_world(session, factory, world)
        _check(session, built, to_filter(built, fs))
    finally:
        session.rollback()


@SETTINGS
@given(example=worlds(coders=(2, 3, 3)).flatmap(lambda world: st.tuples(st.just(world), blind_filters(world))),
       read_off_blind=st.sampled_from((None, True, False)), in_sql=st.sampled_from((None, True, False)))
def test_a_blind_viewers_counts_match_a_brute_force_count(session, factory, example, read_off_blind, in_sql):
    """A blind double coder's tally, evidence (matrix, co-occurrence, chains) and coders, counted as
    everyone's less the cells they lose (analysis/blind_counts.py), by each of its reads."""
    _noise(session, factory)
    world, fs = example
    try:
        built = build_world(session, factory, world)
        f = to_filter(built, fs)
        assert blind_served(f)
        with patch.object(blind_counts, "READ_OFF_BLIND", read_off_blind), \
                patch.object(blind_counts, "IN_SQL", in_sql):
            _check(session, built, f)
            ev = served_evidence(session, built.project.id, f)
            some = [_code_id(session, built, key) for key in CHECKED[:2]]   # a chain's codes only
            chain_ev = chains.evidence(session, built.project.id, f, some)
            every = blind_counts.blind_delta(session, built.project.id, f)   # of some codes: those codes' cells
            of_some = blind_counts.blind_delta(session, built.project.id, f, some)
            assert of_some.changed == {cell: v for cell, v in every.changed.items() if cell[1] in some}
            assert of_some.gone_coders == every.gone_coders
        occurs = brute_occurs(built, f)
        for key in CHECKED:
            for p in ("family", "system"):
                for d in DIRECTIONS:
                    got = ev.occurs.get((_code_id(session, built, key), p, d), set())
                    assert {ev.case_keys[c] for c in got} == occurs.get((key, p, d), set()), (key, p, d)
                    if key in CHECKED[:2]:
                        assert chain_ev.occurs.get((_code_id(session, built, key), p, d), set()) == got, (key, p, d)
        assert ev.coders == brute_force_coders(built, f)
    finally:
        session.rollback()


def _code_id(session: Session, built: Built, key: str) -> int:
    return session.scalar(select(Code.id).where(Code.project_id == built.project.id, Code.key == key))
