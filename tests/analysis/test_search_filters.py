"""Search filters (analysis/search.py): perspective, case, coded/uncoded; the coded marks of the hits
in one grouped query; blind double coding hides other coders' excerpts from the marks. Both databases."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from casecoder.analysis import double_coding as seen
from casecoder.analysis.search import SearchFilter, search
from casecoder.coding import accounts
from casecoder.models import Excerpt, Perspective
from tests.analysis import test_agreement

double = test_agreement.double  # owner olga; coders anna and bo blind on F01-F03; bo coded "Det gav ro." in F03

BODY = "Mor: Koordinatoren ringede tilbage samme dag. Senere ringede koordinatoren igen, og det gav ro.\n"


@pytest.fixture
def coded(session, factory):  # type: ignore[no-untyped-def]
    owner = factory.user("olga")
    project = factory.project("soeg", owner)
    f01, s01 = factory.case(project, "F01"), factory.case(project, "S01")
    family = factory.source(project, [f01], BODY, title="Family F01")
    system = factory.source(project, [s01], BODY, perspective="system", title="System S01")
    h12, h21 = factory.code(project, "H1.2"), factory.code(project, "H2.1")
    factory.excerpt(owner, family, "Koordinatoren ringede tilbage samme dag.", [(h21, "supports"), (h12, "nuances")])
    factory.excerpt(owner, family, "ringede tilbage", [(h12, "supports")])
    factory.excerpt(owner, system, "Senere ringede", [(h21, "supports")])  # covers only a part of "ringede koordinatoren"
    session.commit()
    return project, owner, {"F01": f01, "S01": s01}, {"family": family, "system": system}


def _rows(result):  # type: ignore[no-untyped-def]
    return [(h.source_title, h.match, h.codes) for h in result.hits]


def test_hits_carry_the_codes_of_the_excerpts_covering_them(session, coded):
    project = coded[0]
    result = search(session, project.id, '"ringede tilbage" koordinator')
    assert sorted(_rows(result)) == [
        ("Family F01", "Koordinatoren", ("H1.2", "H2.1")), ("Family F01", "koordinatoren", ()),
        ("Family F01", "ringede tilbage", ("H1.2", "H2.1")),
        ("System S01", "Koordinatoren", ()), ("System S01", "koordinatoren", ()), ("System S01", "ringede tilbage", ())]
    phrase = next(h for h in result.hits if h.match == "ringede tilbage" and h.coded)
    assert session.get(Excerpt, phrase.excerpt_id).text == "ringede tilbage"  # the narrowest covering excerpt
    # an excerpt covering only a part of the hit does not make it coded
    partly = search(session, project.id, '"senere ringede koordinatoren"')
    assert sorted(_rows(partly)) == [("Family F01", "Senere ringede koordinatoren", ()),
                                     ("System S01", "Senere ringede koordinatoren", ())]
    assert _rows(search(session, project.id, "senere", filters=SearchFilter(coded=True))) == [
        ("System S01", "Senere", ("H2.1",))]


def test_filters_by_perspective_case_and_coded(session, coded):
    project, _, cases, _ = coded
    family = search(session, project.id, "koordinator", filters=SearchFilter(perspective=Perspective.FAMILY))
    assert {h.source_title for h in family.hits} == {"Family F01"} and family.sources_matched == 1
    system = search(session, project.id, "koordinator", filters=SearchFilter(case_id=cases["S01"].id))
    assert {h.source_title for h in system.hits} == {"System S01"} and system.sources_matched == 1
    assert search(session, project.id, "koordinator", filters=SearchFilter(
        perspective=Perspective.FAMILY, case_id=cases["S01"].id)).hits == []
    yes = search(session, project.id, "koordinator ringede", filters=SearchFilter(coded=True))
    assert sorted((h.source_title, h.match) for h in yes.hits) == [
        ("Family F01", "Koordinatoren"), ("Family F01", "ringede"), ("System S01", "ringede")]
    assert all(h.coded for h in yes.hits)
    no = search(session, project.id, "koordinator ringede", filters=SearchFilter(coded=False))
    assert len(no.hits) == 8 - 3 and not any(h.coded for h in no.hits)
    assert len(search(session, project.id, "koordinator ringede", filters=SearchFilter(coded=False), limit=3).hits) == 3
    assert search(session, project.id, "koordinator ringede", filters=SearchFilter(coded=False), limit=3).truncated
    assert not search(session, project.id, "koordinator ringede", filters=SearchFilter(coded=True), limit=3).truncated


@contextmanager
def _statements(session):  # type: ignore[no-untyped-def]
    seen_sql: list[str] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen_sql.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen_sql
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_marks_take_one_query_whatever_the_number_of_hits(session, factory):
    owner = factory.user("olga")
    project = factory.project("mange", owner)
    case = factory.case(project, "F01")
    h12 = factory.code(project, "H1.2")
    for i in range(3):
        source = factory.source(project, [case], "Koordinatoren ringede. " * (5 + 20 * i), title=f"T{i}")
        factory.excerpt(owner, source, "Koordinatoren ringede.", [(h12, "supports")])
    session.commit()
    counts = []
    for limit in (5, 200):
        session.expire_all()
        with _statements(session) as sql:
            result = search(session, project.id, "koordinator", limit=limit)
        counts.append(sum("excerpts" in s for s in sql))
        assert sum(h.coded for h in result.hits) == min(3, len({h.source_id for h in result.hits}))
    assert counts == [1, 1]


def _role(session, project, user):  # type: ignore[no-untyped-def]
    return accounts.membership_of(session, project.id, user.id).role


def test_a_blind_coder_sees_only_her_own_codings_in_the_marks(session, double):
    project, olga, coders, cases, sources = double
    anna = coders["anna"]

    def as_user(user, **kw):  # type: ignore[no-untyped-def]
        blind = seen.blind_source_ids(session, project.id, user, _role(session, project, user))
        return search(session, project.id, '"gav ro" koordinator',
                      filters=SearchFilter(blind_source_ids=blind, viewer_id=user.id, **kw))

    def marks(result):  # type: ignore[no-untyped-def]
        return {(h.source_title, h.match): h.codes for h in result.hits}

    olga_sees, anna_sees = marks(as_user(olga)), marks(as_user(anna))
    assert olga_sees[("Interview F03", "gav ro")] == ("H1.1",)       # bo's excerpt, blind for anna
    assert anna_sees[("Interview F03", "gav ro")] == ()
    assert olga_sees[("Interview F01", "Koordinatoren")] == ("H1.4",)  # anna's and bo's
    assert anna_sees[("Interview F01", "Koordinatoren")] == ("H1.4",)  # her own
    assert anna_sees[("Interview F03", "Koordinatoren")] == ()
    # the filter tells no more than the mark
    assert ("Interview F03", "gav ro") in marks(as_user(anna, coded=False))
    assert ("Interview F03", "gav ro") not in marks(as_user(anna, coded=True))
    assert ("Interview F03", "gav ro") in marks(as_user(olga, coded=True))


def test_the_covering_excerpts_are_found_by_bisection_as_by_a_full_pass():
    """``_cover`` looks only at excerpts starting within the longest excerpt's length before the hit's end:
    the same keys and narrowest excerpt as a pass over every excerpt (random spans, long and nested)."""
    import random

    from casecoder.analysis.search import _cover, _natural, _Spans
    rng = random.Random(25)
    for _ in range(200):
        rows = []
        for i in range(rng.randint(1, 40)):
            start = rng.randint(0, 300)
            rows.append((start, start + rng.choice([1, 5, 20, 80, 250]), i + 1, {rng.choice(["H1.1", "H1.10", "ST.2"])}))
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        spans = _Spans([r[0] for r in rows], rows, max(r[1] - r[0] for r in rows))
        for _ in range(30):
            start = rng.randint(0, 350)
            end = start + rng.randint(1, 15)
            covering = [r for r in rows if r[0] <= start and r[1] >= end]
            wanted = ((tuple(sorted(set().union(*(r[3] for r in covering)), key=_natural)),
                       min(covering, key=lambda r: (r[1] - r[0], r[2]))[2]) if covering else ((), None))
            assert _cover(spans, start, end) == wanted
