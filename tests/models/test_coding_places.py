"""``coding_places`` (models/derived/coding_places.py, the chapter's quote candidates) stays exact under every
write, on SQLite and PostgreSQL: after random sequences of writes (test_evidence_summary's harness: excerpts
created, coded by both coders, recoded, merged, moved, deleted with their source...) it equals the codings
joined to their excerpts, and its rebuild; one statement writing, recoding (code, direction) or deleting two
codings, an excerpt moved to another case, source and start; after a paused bulk import (models/derived/pause.py)
the same; the workbench's one-statement create; a deleted project leaves no rows."""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, example, given, settings
from sqlalchemy import delete, insert, text, update
from sqlalchemy.orm import Session

from casecoder.coding import excerpt_create
from casecoder.models import Coding, Excerpt, Project
from casecoder.models.derived.coding_places import COLUMNS, TABLE, rebuild_coding_places
from casecoder.models.derived.pause import paused
from tests.models.test_derived_pause import _import
from tests.models.test_evidence_summary import build, ops, run_writes


def kept(session: Session, project_id: int) -> list[tuple]:  # type: ignore[type-arg]
    return sorted(tuple(r) for r in session.execute(text(
        f"SELECT {COLUMNS} FROM {TABLE} WHERE project_id = :p"), {"p": project_id}))


def expected(session: Session, project_id: int) -> list[tuple]:  # type: ignore[type-arg]
    """Straight from the codings and their excerpts."""
    return sorted(tuple(r) for r in session.execute(text(
        "SELECT c.id, c.code_id, c.direction, c.excerpt_id, c.coder_id, c.of_record, e.project_id, e.case_id, "
        "e.source_id, e.start_offset FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE e.project_id = :p"),
        {"p": project_id}))


def assert_exact(session: Session, project_id: int) -> None:
    session.flush()
    rows = kept(session, project_id)
    assert rows == expected(session, project_id)
    rebuild_coding_places(session, project_id)
    assert kept(session, project_id) == rows


@settings(max_examples=30, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=ops)
@example(sequence=[("create", 0, 0, 0), ("add", 0, 0, 0), ("add", 1, 0, 0), ("delete_source", 0, 0, 0)])
@example(sequence=[("create", 0, 0, 0), ("add", 1, 0, 1), ("merge", 0, 0, 1), ("raw_resource", 0, 1, 0),
                   ("remove", 0, 0, 0), ("delete", 0, 0, 0)])
def test_rows_stay_exact_under_random_writes(session, factory, sequence):
    try:
        project = run_writes(session, factory, sequence)
        assert_exact(session, project.id)
    finally:
        session.rollback()


def test_statements_of_several_codings_and_a_moved_excerpt(session, factory):
    project, users, case_list, sources = build(session, factory)
    code, other = factory.code(project, "H1.1"), factory.code(project, "H1.2")
    excerpt = factory.excerpt(users[0], sources[0], "Min koordinator", [(other, "supports")], case=case_list[0])
    session.flush()
    session.execute(insert(Coding).values([   # one INSERT of two rows
        {"excerpt_id": excerpt.id, "code_id": code.id, "coder_id": users[0].id, "direction": "supports"},
        {"excerpt_id": excerpt.id, "code_id": code.id, "coder_id": users[1].id, "direction": "nuances"}]))
    assert_exact(session, project.id)
    assert len(kept(session, project.id)) == 3
    third = factory.code(project, "H1.4")
    session.execute(update(Coding).where(Coding.excerpt_id == excerpt.id, Coding.code_id == code.id)   # one UPDATE
                    .values(code_id=third.id, of_record=False).execution_options(synchronize_session=False))
    assert_exact(session, project.id)
    session.execute(update(Coding).where(Coding.excerpt_id == excerpt.id).values(direction="contradicts")
                    .execution_options(synchronize_session=False))   # every coding's direction: one UPDATE
    assert_exact(session, project.id)
    session.execute(update(Excerpt).where(Excerpt.id == excerpt.id).values(   # another case, source and start
        source_id=sources[1].id, case_id=case_list[1].id, start_offset=1, end_offset=5))
    assert_exact(session, project.id)
    assert {(r[7], r[8], r[9]) for r in kept(session, project.id)} == {(case_list[1].id, sources[1].id, 1)}
    session.execute(update(Excerpt).where(Excerpt.id == excerpt.id).values(case_id=None))
    assert_exact(session, project.id)
    session.execute(delete(Coding).where(Coding.excerpt_id == excerpt.id))   # one DELETE of every coding
    assert_exact(session, project.id)
    assert kept(session, project.id) == []
    session.rollback()


def test_a_paused_import_leaves_exact_rows(session, factory):
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    codes = [factory.code(project, key) for key in ("H1.1", "H1.2", "H1.4")]
    with paused(session, project.id):
        _import(session, project, owner, codes)
    rows = kept(session, project.id)
    assert rows and rows == expected(session, project.id)
    session.commit()
    assert_exact(session, project.id)


def test_deleting_a_project_drops_its_rows(session, factory):
    project, users, case_list, sources = build(session, factory)
    factory.excerpt(users[0], sources[1], "Min koordinator", [(factory.code(project, "H1.1"), "supports")],
                    case=case_list[1])
    session.commit()
    assert len(kept(session, project.id)) == 1
    session.execute(delete(Project).where(Project.id == project.id))
    session.commit()
    assert session.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar() == 0


def test_the_workbench_create_in_one_statement_is_kept(session, factory):
    """``coding/excerpt_create.create`` (on PostgreSQL the excerpt and its codings in ONE statement)."""
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
    assert len(kept(session, project.id)) == 2
