"""``source_coder_spans`` (models/derived/source_coder_spans.py, the segment-level agreement's spans) stays
exact under every write, on SQLite and PostgreSQL: after random sequences of writes (those of
test_evidence_summary's harness, plus span changes through the app and by raw SQL) it equals a GROUP BY
over the codings and their excerpts, and its rebuild; after a paused bulk import (models/derived/pause.py)
it equals the same GROUP BY; a deleted project leaves no rows. ``source_coder_span_versions`` has a row
for every (source, coder) that has spans and no other, and a pair's version changes with its spans and
its rows of source_case_codings."""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from casecoder.coding import excerpts
from casecoder.models import Excerpt, Project
from casecoder.models.derived.pause import paused
from casecoder.models.derived.source_coder_spans import KEY, TABLE, VERSIONS, rebuild_source_coder_spans
from tests.models.test_derived_pause import _import
from tests.models.test_evidence_summary import TEXT, apply, build, ops

SPAN_OPS = st.lists(st.tuples(st.sampled_from(["span", "raw_span"]), st.integers(0, 50), st.integers(0, 50),
                              st.integers(0, 50)), max_size=4)


def kept(session: Session, project_id: int) -> list[tuple]:  # type: ignore[type-arg]
    return sorted(tuple(r) for r in session.execute(text(
        f"SELECT {KEY}, project_id, codings FROM {TABLE} WHERE project_id = :p"), {"p": project_id}))


def expected(session: Session, project_id: int) -> list[tuple]:  # type: ignore[type-arg]
    """Straight from the codings."""
    return sorted(tuple(r) for r in session.execute(text(
        "SELECT e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset, e.project_id, count(*) "
        "FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE e.project_id = :p "
        "GROUP BY e.source_id, c.coder_id, c.code_id, c.direction, e.start_offset, e.end_offset, e.project_id"),
        {"p": project_id}))


def versions(session: Session) -> dict[tuple[int, int], tuple[int, int]]:
    """(source, coder) -> (project, version)."""
    return {(s, k): (p, v) for s, k, p, v in session.execute(text(
        f"SELECT source_id, coder_id, project_id, version FROM {VERSIONS}"))}


def spans_by_pair(session: Session) -> dict[tuple[int, int], set[tuple]]:  # type: ignore[type-arg]
    """(source, coder) -> its rows of source_coder_spans and of source_case_codings without their counts
    (the project last)."""
    pairs: dict[tuple[int, int], set[tuple]] = {}  # type: ignore[type-arg]
    for row in session.execute(text(f"SELECT {KEY}, project_id FROM {TABLE}")):
        pairs.setdefault((row[0], row[1]), set()).add(("span", *row[2:]))
    for row in session.execute(text("SELECT source_id, coder_id, code_id, case_id, direction, project_id "
                                    "FROM source_case_codings")):
        assert (row[0], row[1]) in pairs   # every pair with presence rows has spans
        pairs[(row[0], row[1])].add(("case", *row[2:]))
    return pairs


def assert_versions_follow(before: tuple, after: tuple) -> None:  # type: ignore[type-arg]
    """Every pair with spans has a version, no other; a pair whose spans changed has a new one."""
    (spans_before, versions_before), (spans_after, versions_after) = before, after
    assert set(versions_after) == set(spans_after)
    assert all(versions_after[pair][0] == next(iter(rows))[-1] for pair, rows in spans_after.items())
    for pair, rows in spans_after.items():
        if pair in versions_before and spans_before.get(pair) != rows:
            assert versions_after[pair][1] != versions_before[pair][1], pair


def snapshot(session: Session) -> tuple:  # type: ignore[type-arg]
    session.flush()
    return spans_by_pair(session), versions(session)


def assert_exact(session: Session, project_id: int) -> None:
    session.flush()
    rows = kept(session, project_id)
    assert rows == expected(session, project_id)
    assert all(r[-1] > 0 for r in rows)
    before = snapshot(session)
    assert_versions_follow(before, before)
    rebuild_source_coder_spans(session, project_id)
    assert kept(session, project_id) == rows
    after = snapshot(session)
    assert set(after[1]) == set(before[1])


def move_span(session: Session, world, op) -> None:  # type: ignore[no-untyped-def]
    """An excerpt's span changed: through the app, or by a raw UPDATE as a script would."""
    project, users, case_list, sources, excerpt_list = world
    kind, a, b, c = op
    if not excerpt_list:
        return
    excerpt = excerpt_list[a % len(excerpt_list)]
    start = (b * 5) % (len(TEXT) - 40)
    if kind == "span":
        excerpts.update_excerpt(session, users[0], excerpt, start=start, end=start + 5 + c % 30)
    else:
        session.execute(update(Excerpt).where(Excerpt.id == excerpt.id).values(
            start_offset=start, end_offset=start + 5 + c % 30))
        session.expire(excerpt)
    session.flush()


@settings(max_examples=25, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=ops, spans=SPAN_OPS)
@example(sequence=[("create", 1, 2, 3), ("create", 1, 2, 3), ("add", 0, 1, 2), ("create", 2, 2, 3)],
         spans=[("raw_span", 0, 2, 3), ("span", 1, 2, 3)])   # two excerpts on one span, then moved apart
def test_spans_stay_exact_under_random_writes(session, factory, sequence, spans):
    try:
        project, users, case_list, sources = build(session, factory)
        world = (project, users, case_list, sources, [])
        for i, op in enumerate(sequence):
            before = snapshot(session)
            apply(session, world, op)
            after = snapshot(session)
            assert_versions_follow(before, after)
            if i < len(spans):
                move_span(session, world, spans[i])
                assert_versions_follow(after, snapshot(session))
        assert_exact(session, project.id)
    finally:
        session.rollback()


def test_a_paused_import_leaves_exact_spans(session, factory):
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    codes = [factory.code(project, key) for key in ("H1.1", "H1.2", "H1.4")]
    with paused(session, project.id):
        _import(session, project, owner, codes)
    rows = kept(session, project.id)
    assert len(rows) == 18 and rows == expected(session, project.id)
    session.commit()
    assert_exact(session, project.id)


def test_deleting_a_project_drops_its_spans(session, factory):
    project, users, case_list, sources = build(session, factory)
    factory.excerpt(users[0], sources[1], "Min koordinator", [(factory.code(project, "H1.1"), "supports")],
                    case=case_list[1])
    session.commit()
    assert len(kept(session, project.id)) == 1
    session.execute(delete(Project).where(Project.id == project.id))
    session.commit()
    assert session.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar() == 0
    assert session.execute(text(f"SELECT count(*) FROM {VERSIONS}")).scalar() == 0
