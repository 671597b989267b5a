"""The project page's transcript table (analysis/project_page.py): each transcript's excerpt count (the
trigger-kept ``source_excerpts``) equals counting its excerpts, after a delete too; none is 0."""
from __future__ import annotations

from sqlalchemy import func, select

from casecoder.analysis.project_page import overview_sources
from casecoder.coding import excerpts
from casecoder.models import Excerpt


def test_the_transcripts_excerpt_counts_equal_counting_them(session, factory):  # type: ignore[no-untyped-def]
    eva = factory.user("eva")
    project, other = factory.project("proj", eva), factory.project("other", eva)
    f01, h14 = factory.case(project, "F01"), factory.code(project, "H1.4")
    first, second = factory.source(project, [f01], title="A"), factory.source(project, [], title="B")
    empty = factory.source(project, [], title="C")
    factory.excerpt(eva, first, "Min koordinator", [(h14, "supports")], case=f01)
    gone = factory.excerpt(eva, first, "ringede altid", [(h14, "nuances")], case=f01)
    factory.excerpt(eva, second, "Det gav ro.", [(h14, "supports")])
    factory.excerpt(eva, factory.source(other, []), "Det gav ro.", [(factory.code(other, "H1.4"), "supports")])
    session.commit()
    excerpts.delete_excerpt(session, eva, gone)
    session.commit()
    page = overview_sources(session, project.id)
    counted = dict(session.execute(select(Excerpt.source_id, func.count()).where(Excerpt.project_id == project.id)
                                   .group_by(Excerpt.source_id)).all())
    assert [(line.title, line.excerpts) for line in page.rows] == [("A", 1), ("B", 1), ("C", 0)]
    assert {line.id: line.excerpts for line in page.rows} == {**counted, empty.id: 0}
    assert page.rows[0].cases == ("F01",) and page.total == 3
