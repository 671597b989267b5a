"""A project's transcripts in title order (the excerpt list, the project page, the upload form) come from
``ix_sources_project_title`` already ordered, without a sort (migration 0036 put the id in it: PostgreSQL
sorted 3,000 titles by the database's collation, 5-10 ms on the large project)."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.models import Source


def test_the_title_order_needs_no_sort(session, factory):  # type: ignore[no-untyped-def]
    owner = factory.user("olga")
    project = factory.project(owner=owner)
    for title in ("b", "a", "b", "c"):
        factory.source(project, [], title=title)
    session.flush()
    query = (select(Source.id, Source.title).where(Source.project_id == project.id)
             .order_by(Source.title, Source.id))
    compiled = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    conn = session.connection()
    if session.get_bind().dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")   # a few rows: as with many, the index's way
        plan = [row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}")]
        conn.exec_driver_sql("SET LOCAL enable_seqscan = on")
    else:
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    assert "ix_sources_project_title" in " ".join(plan) and not [s for s in plan if "Sort" in s or "B-TREE" in s], plan
    ids = [row.id for row in session.execute(query)]
    assert [session.get(Source, i).title for i in ids] == ["a", "b", "b", "c"] and ids[1] < ids[2]
