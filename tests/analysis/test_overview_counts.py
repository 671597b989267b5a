"""The codebook page's codings per code (analysis/overview.py): equal to counting the codings one by one."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from casecoder.analysis.overview import codings_per_code
from casecoder.coding import accounts
from casecoder.kernel.vocabulary import Role
from casecoder.models import Code, Coding


def test_codings_per_code_counts_every_coding_of_the_project(session, factory):  # type: ignore[no-untyped-def]
    eva, bo = factory.user("eva"), factory.user("bo")
    project, other = factory.project("proj", eva), factory.project("other", eva)
    accounts.add_member(session, project, bo, Role.CODER)
    f01, f02 = factory.case(project, "F01"), factory.case(project, "F02")
    h14, h11, h21 = factory.code(project, "H1.4"), factory.code(project, "H1.1"), factory.code(project, "H2.1")
    shared = factory.source(project, [f01, f02])
    factory.excerpt(eva, shared, "Min koordinator", [(h14, "supports"), (h11, "contradicts")], case=f01)
    factory.excerpt(bo, shared, "Min koordinator", [(h14, "nuances")], case=f01)   # a second coder
    factory.excerpt(eva, shared, "ringede altid", [(h14, "supports")], case=f02)
    factory.excerpt(eva, factory.source(project, [], title="No case"), "Det gav ro.",
                    [(h21, "supports")])                                         # no case: counted too
    factory.excerpt(eva, factory.source(other, [factory.case(other)]), "Det gav ro.",
                    [(factory.code(other, "H1.4"), "supports")])                    # another project: not
    session.commit()
    project_codes = set(session.scalars(select(Code.id).where(Code.project_id == project.id)))
    want = Counter(code_id for code_id in session.scalars(select(Coding.code_id)) if code_id in project_codes)
    assert codings_per_code(session, project.id) == dict(want) == {h14.id: 3, h11.id: 1, h21.id: 1}


def test_project_summary_totals_equal_counting_the_rows(session, factory):  # type: ignore[no-untyped-def]
    """The overview's excerpts and codings (summed from source_excerpts and source_coder_codings) equal counting
    the project's excerpts and codings, after deletes too, another project's rows left out."""
    from sqlalchemy import func

    from casecoder.analysis.overview import ProjectSummary, project_summary
    from casecoder.coding import excerpts
    from casecoder.models import Case, Excerpt, Source
    eva, bo = factory.user("eva"), factory.user("bo")
    project, other = factory.project("proj", eva), factory.project("other", eva)
    accounts.add_member(session, project, bo, Role.CODER)
    f01 = factory.case(project, "F01")
    h14, h11 = factory.code(project, "H1.4"), factory.code(project, "H1.1")
    shared, loose = factory.source(project, [f01]), factory.source(project, [], title="No case")
    factory.excerpt(eva, shared, "Min koordinator", [(h14, "supports"), (h11, "contradicts")], case=f01)
    factory.excerpt(bo, shared, "Min koordinator", [(h14, "nuances")], case=f01)
    gone = factory.excerpt(eva, shared, "ringede altid", [(h14, "supports")], case=f01)
    cut = factory.excerpt(eva, loose, "Det gav ro.", [(h11, "supports"), (h14, "nuances")])
    factory.excerpt(eva, factory.source(other, [factory.case(other)]), "Det gav ro.",
                    [(factory.code(other, "H1.4"), "supports")])
    session.commit()
    excerpts.delete_excerpt(session, eva, gone)
    excerpts.remove_coding(session, eva, cut.codings[0])
    session.commit()

    def counted() -> tuple[int, int]:
        n_excerpts = session.scalar(select(func.count(Excerpt.id)).where(Excerpt.project_id == project.id))
        n_codings = session.scalar(select(func.count(Coding.id)).join(Excerpt, Excerpt.id == Coding.excerpt_id)
                                   .where(Excerpt.project_id == project.id))
        return n_excerpts, n_codings
    summary = project_summary(session, project.id)
    assert (summary.excerpts, summary.codings) == counted() == (3, 4)
    f02 = factory.case(project, "F02", "Sydby")
    factory.source(project, [f02], perspective="system", title="System")
    factory.source(project, [f01, f02], perspective="system", title="Both")
    session.commit()
    cases = session.scalars(select(Case).where(Case.project_id == project.id)).all()
    sources = session.scalars(select(Source).where(Source.project_id == project.id)).all()
    assert project_summary(session, project.id) == ProjectSummary(
        cases=len(cases), municipalities=len({c.municipality for c in cases}),
        sources_family=sum(s.perspective == "family" for s in sources),
        sources_system=sum(s.perspective == "system" for s in sources),
        cases_with_family_source=len({c.id for s in sources if s.perspective == "family" for c in s.cases}),
        excerpts=3, codings=4) == ProjectSummary(2, 2, 2, 2, 1, 3, 4)
    assert project_summary(session, factory.project("empty", eva).id) == ProjectSummary(0, 0, 0, 0, 0, 0, 0)
