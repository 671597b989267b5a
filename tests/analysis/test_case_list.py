"""The cases page's rows (analysis/case_list.py) and the interviewees page's (analysis/interviewee_list.py):
counts per case, filter, sort, what a delete takes; in a fixed number of queries."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event

from casecoder.analysis.case_list import case_impact, case_list
from casecoder.analysis.interviewee_list import interviewee_list, interviewee_sources, roles_in_use
from casecoder.coding import cases


def build(session, factory):  # type: ignore[no-untyped-def]
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    f01, f02, s01 = factory.case(project, "F01"), factory.case(project, "F02"), factory.case(project, "S01", "Sydby")
    children = cases.define_attribute(session, project, "children", "integer")
    entry = cases.define_attribute(session, project, "entry", "date")
    cases.set_attribute(session, f01, children, 3)
    cases.set_attribute(session, f02, children, 1)
    cases.set_attribute(session, s01, entry, date(2024, 2, 1))
    h14 = factory.code(project, "H1.4")
    shared = factory.source(project, [f01, f02], title="Begge")
    factory.source(project, [f01], title="System", perspective="system")
    factory.excerpt(eva, shared, "Det gav ro.", [(h14, "supports")], case=f01)
    factory.excerpt(eva, shared, "Min koordinator", [(h14, "supports")], case=f01)
    factory.excerpt(eva, shared, "ringede altid", [], case=f02)   # not coded: not counted
    anna = cases.create_interviewee(session, project, "P01", "Casemanager", "system")
    cases.create_interviewee(session, project, "P02", "Casemanager", "system")
    cases.create_interviewee(session, project, "M01", "Mor", "family")
    shared.interviewees = [anna]
    session.commit()
    return project, (f01, f02, s01), (children, entry), shared


def count_queries(session):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_rows_filter_sort(session, factory):
    project, (f01, f02, s01), (children, entry), _shared = build(session, factory)
    seen = count_queries(session)
    listing = case_list(session, project.id)
    assert len(seen) <= 7   # a fixed number, whatever the number of cases
    assert [(r.key, r.municipality, r.family, r.system, r.coded_excerpts) for r in listing.rows] == [
        ("F01", "Nordby", 1, 1, 2), ("F02", "Nordby", 1, 0, 0), ("S01", "Sydby", 0, 0, 0)]
    assert listing.rows[0].attributes == {children.id: 3}
    assert listing.rows[2].attributes == {entry.id: date(2024, 2, 1)}
    assert [d.name for d in listing.definitions] == ["children", "entry"]
    assert listing.municipalities == ["Nordby", "Sydby"] and listing.total == 3 and not listing.filtered
    assert [r.key for r in case_list(session, project.id, municipality="Nordby").rows] == ["F01", "F02"]
    assert [r.key for r in case_list(session, project.id, text="f0").rows] == ["F01", "F02"]
    assert [r.key for r in case_list(session, project.id, text="%").rows] == []   # a literal, not a wildcard
    found = case_list(session, project.id, municipality="Sydby", text="1")
    assert [r.key for r in found.rows] == ["S01"] and found.filtered and found.total == 3
    by_children = case_list(session, project.id, sort=f"attr-{children.id}")
    assert [r.key for r in by_children.rows] == ["F02", "F01", "S01"]   # no value: last
    down = case_list(session, project.id, sort=f"attr-{children.id}", descending=True)
    assert [r.key for r in down.rows] == ["F01", "F02", "S01"]
    assert [r.key for r in case_list(session, project.id, sort="excerpts", descending=True).rows][0] == "F01"
    assert case_list(session, project.id, sort="nonsense").sort == "key"


def test_impact_and_interviewees(session, factory):
    project, (f01, f02, s01), _defs, shared = build(session, factory)
    impact = case_impact(session, f01)
    assert [title for _id, title in impact.sources] == ["Begge", "System"]
    assert (impact.sources_left_without_case, impact.excerpts, impact.codings) == (1, 2, 2)
    assert impact.anything and not case_impact(session, s01).anything
    rows = interviewee_list(session, project.id).rows
    assert [(r.person.key, [t for _i, t in r.sources]) for r in rows] == [
        ("M01", []), ("P01", ["Begge"]), ("P02", [])]
    assert interviewee_sources(session, rows[1].person.id) == [(shared.id, "Begge")]
    assert roles_in_use(session, project.id) == ["Casemanager", "Mor"]


def test_pages_of_cases_and_interviewees(session, factory):
    """A page holds ``per_page`` rows of the sorted, filtered list; totals and counts stay exact."""
    project, (f01, f02, s01), (children, _entry), _shared = build(session, factory)
    first = case_list(session, project.id, per_page=2)
    assert [r.key for r in first.rows] == ["F01", "F02"] and (first.page, first.pages, first.matched) == (1, 2, 3)
    second = case_list(session, project.id, per_page=2, page=2)
    assert [(r.key, r.family, r.system, r.coded_excerpts) for r in second.rows] == [("S01", 0, 0, 0)]
    assert second.total == 3 and second.matched == 3 and second.page == 2
    assert case_list(session, project.id, per_page=2, page=99).page == 2        # past the end: the last page
    assert case_list(session, project.id, per_page=2, page=-1).page == 1
    by_excerpts = case_list(session, project.id, sort="excerpts", descending=True, per_page=1)
    assert [(r.key, r.coded_excerpts) for r in by_excerpts.rows] == [("F01", 2)] and by_excerpts.pages == 3
    by_children = case_list(session, project.id, sort=f"attr-{children.id}", per_page=2, page=1)
    assert [(r.key, r.attributes) for r in by_children.rows] == [("F02", {children.id: 1}), ("F01", {children.id: 3})]
    nordby = case_list(session, project.id, municipality="Nordby", per_page=1, page=2)
    assert [(r.key, r.family) for r in nordby.rows] == [("F02", 1)] and (nordby.matched, nordby.total) == (2, 3)
    people = interviewee_list(session, project.id, page=2, per_page=2)
    assert [(r.person.key, [t for _i, t in r.sources]) for r in people.rows] == [("P02", [])]
    assert (people.page, people.pages, people.total) == (2, 2, 3)
    assert [(r.person.key, [t for _i, t in r.sources]) for r in interviewee_list(session, project.id,
                                                                                 per_page=2).rows] == [
        ("M01", []), ("P01", ["Begge"])]


def test_overview_summary_counts_every_coding(session, factory):
    """The overview's codings: those of excerpts about a case (summed from evidence_summary) and those of
    excerpts without a case, equal to counting the codings themselves."""
    from sqlalchemy import func, select

    from casecoder.analysis.overview import project_summary
    from casecoder.models import Coding, Excerpt
    project, (f01, _f02, _s01), _defs, shared = build(session, factory)
    eva = project.memberships[0].user
    h11 = factory.code(project, "H1.1")
    loose = factory.source(project, [], title="Uden sag")   # no case: its excerpts have none
    factory.excerpt(eva, loose, "Det gav ro.", [(h11, "supports"), (factory.code(project, "H2.1"), "contradicts")])
    factory.excerpt(eva, shared, "altid", [(h11, "supports")], case=f01)
    session.commit()
    codings = session.scalar(select(func.count(Coding.id)).join(Excerpt, Excerpt.id == Coding.excerpt_id)
                             .where(Excerpt.project_id == project.id))
    summary = project_summary(session, project.id)
    assert codings == 5 and summary.codings == codings and summary.excerpts == 5
