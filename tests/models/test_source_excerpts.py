"""``source_excerpts`` and ``source_code_excerpts`` (models/derived/source_excerpts.py, the excerpt list's counts)
stay exact under every write, on SQLite and PostgreSQL: after random sequences of writes (test_evidence_summary's
harness: excerpts created, coded by both coders, recoded, merged, moved, deleted with their source...) they equal a
GROUP BY over the excerpts and codings, and their rebuild; one statement writing or deleting two codings of one
excerpt and code (PostgreSQL runs AFTER row triggers at the statement's end, hence its BEFORE triggers) counts
the excerpt once; after a paused bulk import (models/derived/pause.py) they equal the same GROUP BY; a deleted
project leaves no rows."""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, example, given, settings
from sqlalchemy import delete, insert, text, update
from sqlalchemy.orm import Session

from casecoder.coding import excerpt_create
from casecoder.models import Coding, Excerpt, Project
from casecoder.models.derived.pause import paused
from casecoder.models.derived.source_excerpts import CODE_TABLE, TABLE, rebuild_source_excerpts
from tests.models.test_derived_pause import _import
from tests.models.test_evidence_summary import build, ops, run_writes


def kept(session: Session, project_id: int) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    return (sorted(tuple(r) for r in session.execute(text(
                f"SELECT source_id, project_id, excerpts FROM {TABLE} WHERE project_id = :p"), {"p": project_id})),
            sorted(tuple(r) for r in session.execute(text(
                f"SELECT source_id, code_id, project_id, excerpts FROM {CODE_TABLE} WHERE project_id = :p"),
                {"p": project_id})))


def expected(session: Session, project_id: int) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    """Straight from the excerpts and codings."""
    return (sorted(tuple(r) for r in session.execute(text(
                "SELECT source_id, project_id, count(*) FROM excerpts WHERE project_id = :p "
                "GROUP BY source_id, project_id"), {"p": project_id})),
            sorted(tuple(r) for r in session.execute(text(
                "SELECT e.source_id, c.code_id, e.project_id, count(DISTINCT e.id) FROM codings c "
                "JOIN excerpts e ON e.id = c.excerpt_id WHERE e.project_id = :p "
                "GROUP BY e.source_id, c.code_id, e.project_id"), {"p": project_id})))


def assert_exact(session: Session, project_id: int) -> None:
    session.flush()
    rows = kept(session, project_id)
    assert rows == expected(session, project_id)
    assert all(r[-1] > 0 for part in rows for r in part)
    rebuild_source_excerpts(session, project_id)
    assert kept(session, project_id) == rows


@settings(max_examples=30, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=ops)
@example(sequence=[("create", 0, 0, 0), ("add", 0, 0, 0), ("add", 1, 0, 0), ("delete_source", 0, 0, 0)])
@example(sequence=[("create", 0, 0, 0), ("add", 1, 0, 1), ("merge", 0, 0, 1), ("raw_resource", 0, 1, 0),
                   ("remove", 0, 0, 0), ("delete", 0, 0, 0)])
def test_counts_stay_exact_under_random_writes(session, factory, sequence):
    try:
        project = run_writes(session, factory, sequence)
        assert_exact(session, project.id)
    finally:
        session.rollback()


def test_one_statement_with_two_codings_of_one_excerpt_and_code_counts_it_once(session, factory):
    project, users, case_list, sources = build(session, factory)
    code, other = factory.code(project, "H1.1"), factory.code(project, "H1.2")
    excerpt = factory.excerpt(users[0], sources[0], "Min koordinator", [(other, "supports")], case=case_list[0])
    session.flush()
    session.execute(insert(Coding).values([   # one INSERT of two rows
        {"excerpt_id": excerpt.id, "code_id": code.id, "coder_id": users[0].id, "direction": "supports"},
        {"excerpt_id": excerpt.id, "code_id": code.id, "coder_id": users[1].id, "direction": "nuances"}]))
    assert_exact(session, project.id)
    assert (sources[0].id, code.id, project.id, 1) in kept(session, project.id)[1]
    third = factory.code(project, "H1.4")
    session.execute(update(Coding).where(Coding.excerpt_id == excerpt.id, Coding.code_id == code.id)   # one UPDATE
                    .values(code_id=third.id).execution_options(synchronize_session=False))           # of both
    assert_exact(session, project.id)
    assert [r[1] for r in kept(session, project.id)[1]] == sorted([other.id, third.id])
    session.execute(delete(Coding).where(Coding.excerpt_id == excerpt.id))   # one DELETE of every coding
    assert_exact(session, project.id)
    assert kept(session, project.id)[1] == []
    session.execute(update(Excerpt).where(Excerpt.id == excerpt.id).values(source_id=sources[1].id))
    assert_exact(session, project.id)
    session.rollback()


def test_a_paused_import_leaves_exact_counts(session, factory):
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    codes = [factory.code(project, key) for key in ("H1.1", "H1.2", "H1.4")]
    with paused(session, project.id):
        _import(session, project, owner, codes)
    rows = kept(session, project.id)
    assert len(rows[0]) == 6 and sum(r[-1] for r in rows[0]) == 18 and rows == expected(session, project.id)
    session.commit()
    assert_exact(session, project.id)


def test_deleting_a_project_drops_its_counts(session, factory):
    project, users, case_list, sources = build(session, factory)
    factory.excerpt(users[0], sources[1], "Min koordinator", [(factory.code(project, "H1.1"), "supports")],
                    case=case_list[1])
    session.commit()
    assert [len(part) for part in kept(session, project.id)] == [1, 1]
    session.execute(delete(Project).where(Project.id == project.id))
    session.commit()
    assert session.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar() == 0
    assert session.execute(text(f"SELECT count(*) FROM {CODE_TABLE}")).scalar() == 0


def test_the_workbench_create_in_one_statement_counts(session, factory):
    """``coding/excerpt_create.create`` (on PostgreSQL the excerpt and its codings in ONE statement): counted."""
    owner = factory.user("olga")
    project = factory.project("proj", owner)
    source = factory.source(project, [factory.case(project)])
    for key in ("H1.4", "H1.1"):
        factory.code(project, key)
    session.commit()
    found, by_key = excerpt_create.source_and_codes(session, source.id, project.id, ["H1.4", "H1.1"])
    excerpt_create.create(session, owner.id, owner.username, found, 0, 20,
                          [(by_key["H1.4"], "supports"), (by_key["H1.1"], "nuances")])
    session.commit()
    assert_exact(session, project.id)
    assert [len(part) for part in kept(session, project.id)] == [1, 2]
