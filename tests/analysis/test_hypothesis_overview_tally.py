"""``hypothesis_overview`` reads its numbers from the tally (``cell_counts``, ``case_denominators``) where
``tally_cells`` serves the filter (issue #25): the same nodes and edges as set algebra over the filter's evidence
(``ev=``, the path every other filter takes), for every top code and direction set, and after codings change."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.analysis.chains import evidence, hypothesis_overview
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import cells_serve
from casecoder.coding import excerpts as excerpt_ops
from casecoder.models import Code, Coding, Excerpt
from tests.fresh_db import demo_project

FILTERS = [CountFilter(), CountFilter(directions=frozenset({"supports", "contradicts", "nuances"})),
           CountFilter(directions=frozenset({"contradicts"})), CountFilter(directions=frozenset({"nuances", "supports"}))]


def _same(session, project) -> int:  # type: ignore[no-untyped-def]
    tops = session.scalars(select(Code.key).where(Code.project_id == project.id, Code.parent_id.is_(None))).all()
    counted = 0
    for f in FILTERS:
        assert cells_serve(f)
        ev = evidence(session, project.id, f, None)     # every code's evidence: the set-algebra path
        for key in tops:
            nodes, edges = hypothesis_overview(session, project, key, f)
            assert (nodes, edges) == hypothesis_overview(session, project, key, f, ev), (f, key)
            counted += sum(n.family[0] + n.system[0] for n in nodes)
    return counted


def test_the_overview_from_the_tally_equals_set_algebra(session):  # type: ignore[no-untyped-def]
    project = demo_project(session)
    assert _same(session, project) > 0
    codings = session.scalars(select(Coding).join(Excerpt).where(Excerpt.project_id == project.id)
                              .order_by(Coding.id)).all()
    for coding in codings[::7]:                         # codings go: the tally's cells follow
        excerpt_ops.remove_coding(session, coding.coder, coding)
    session.flush()
    _same(session, project)
    excerpt = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id)).first()
    for coding in list(excerpt.codings):                # another direction
        excerpt_ops.set_direction(session, coding.coder, coding, "contradicts")
    session.flush()
    _same(session, project)
