"""The excerpt list's count with a code, coder or direction filter reads the codings' set of excerpts first on
SQLite also when the planner has statistics like the large project's (#25): with ``ix_excerpts_id_place``
(migration 0030) analysed, SQLite sought every (transcript, excerpt) pair of the two lists in
``ix_excerpts_source_id`` instead (31 s for one code on the large benchmark project). SQLite only: PostgreSQL's
planner joins the sets."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casecoder.analysis.excerpt_list import ExcerptFilter, excerpt_conditions
from casecoder.models import Code, Direction, Excerpt

# sqlite_stat1 of the large benchmark project after migration 0030 (bench/pages.py --size large)
STATS = [("codings", "ix_codings_code_excerpt", "293017 5746 2 1"), ("codings", "ix_codings_excerpt_id", "293017 2"),
         ("codings", "ix_codings_coder_id", "293017 97673"), ("codings", "sqlite_autoindex_codings_1", "293017 2 2 1"),
         ("sources", "ix_sources_project_id", "3001 3001"),
         ("excerpts", "ix_excerpts_id_place", "191858 1 1 1 1 1"), ("excerpts", "ix_excerpts_source_id", "191858 64"),
         ("excerpts", "ix_excerpts_project_id", "191858 191858"), ("excerpts", "ix_excerpts_case_id", "191858 192")]


def _plan(session, project_id: int, f: ExcerptFilter) -> list[str]:  # type: ignore[no-untyped-def]
    query = select(Excerpt.source_id, func.count()).where(*excerpt_conditions(session, project_id, f)).group_by(
        Excerpt.source_id)
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return [row[-1] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]


def test_the_codings_set_leads_with_large_statistics(session, factory):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's planner")
    owner, viewer = factory.user("olga"), factory.user("vera")
    project = factory.project(owner=owner)
    case = factory.case(project)
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    source = factory.source(project, [case])
    factory.excerpt(owner, source, "Det gav ro.", [(code, "supports")], case=case)
    session.flush()
    conn = session.connection()
    conn.exec_driver_sql("ANALYZE")
    conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl IN ('codings', 'sources', 'excerpts')")
    for table, index, stat in STATS:
        conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", (table, index, stat))
    conn.exec_driver_sql("ANALYZE sqlite_schema")   # the planner reads the statistics again
    blind = {"blind_source_ids": frozenset({source.id}), "viewer_id": viewer.id}
    for f in (ExcerptFilter(code_id=code.id), ExcerptFilter(code_id=code.id, **blind),  # type: ignore[arg-type]
              ExcerptFilter(coder_ids=(owner.id,)), ExcerptFilter(directions=(Direction.CONTRADICTS,))):
        plan = _plan(session, project.id, f)
        assert not [step for step in plan if "source_id=?" in step and "rowid=?" in step], (f, plan)
