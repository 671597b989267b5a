"""Blind double coding on the read side, without a request: a blind coder gets only what they may
see (analysis/double_coding.py), and the read side's scope of a reconciliation is the write side's.
Both databases."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.analysis import double_coding as seen
from casecoder.analysis.workbench import excerpt_json, source_excerpt_rows
from casecoder.coding import accounts, excerpts
from casecoder.coding import double_coding as dc
from casecoder.models import Code, Excerpt
from tests.analysis import test_agreement

double = test_agreement.double  # owner olga; coders anna and bo on F01-F04 (cai on F04), blind


def _role(session, project, user):  # type: ignore[no-untyped-def]
    return accounts.membership_of(session, project.id, user.id).role


def test_a_blind_coder_sees_only_their_own_excerpts_and_codings(session, double):
    project, olga, coders, cases, sources = double
    anna, bo = coders["anna"], coders["bo"]
    f01 = sources["F01"].id
    anna_role, olga_role = _role(session, project, anna), _role(session, project, olga)
    bo_excerpt = session.scalar(select(Excerpt).where(Excerpt.source_id == f01, Excerpt.created_by_id == bo.id))
    anna_excerpt = session.scalar(select(Excerpt).where(Excerpt.source_id == f01, Excerpt.created_by_id == anna.id))
    excerpts.add_coding(session, olga, anna_excerpt, anna_excerpt.codings[0].code, coder=bo)
    session.commit()
    rows = source_excerpt_rows(session, f01)
    shown = seen.visible_rows(session, anna, anna_role, f01, rows)
    assert [r["id"] for r in shown] == [anna_excerpt.id]
    assert {c["coder"] for r in shown for c in r["codings"]} == {"anna"}
    everything = seen.visible_rows(session, olga, olga_role, f01, rows)
    assert [r["id"] for r in everything] == [data["id"] for _, data in rows] and len(everything) == 2
    assert {c["coder"] for r in everything for c in r["codings"]} == {"anna", "bo"}
    assert seen.visible_excerpt(session, anna, anna_role, bo_excerpt) is None
    assert seen.visible_excerpt(session, olga, olga_role, bo_excerpt) is bo_excerpt
    assert seen.visible_excerpt(session, anna, anna_role, anna_excerpt) is anna_excerpt
    data = excerpt_json(anna_excerpt)
    assert [c["coder"] for c in seen.visible_json(session, anna, anna_role, f01, data)["codings"]] == ["anna"]
    assert seen.visible_json(session, olga, olga_role, f01, data) == data
    # opened: anna sees what the owner sees
    dc.open_comparison(session, olga, dc.assignment_of(session, f01))
    session.commit()
    assert seen.visible_rows(session, anna, anna_role, f01, rows) == everything
    assert seen.visible_excerpt(session, anna, anna_role, bo_excerpt) is bo_excerpt


def test_blind_sources_agree_with_is_blind(session, double):
    project, olga, coders, cases, sources = double
    anna, cai = coders["anna"], coders["cai"]
    dc.open_comparison(session, olga, dc.assignment_of(session, sources["F03"].id))
    session.commit()
    for user in (olga, anna, cai):
        role = _role(session, project, user)
        blind = seen.blind_source_ids(session, project.id, user, role)
        assert blind == {s.id for s in sources.values() if seen.is_blind(session, s.id, user, role)}
        assert blind == {s.id for s in sources.values() if dc.is_blind(session, s.id, user, role)}
    assert seen.blind_source_ids(session, project.id, anna, _role(session, project, anna)) == {
        sources[k].id for k in ("F01", "F02", "F04")}
    assert seen.blind_source_ids(session, project.id, olga, _role(session, project, olga)) == frozenset()


def test_the_codings_a_decision_governs_are_the_same_on_both_sides(session, double, factory):
    project, olga, coders, cases, sources = double
    other = factory.source(project, [cases["F02"]], title="Single-coded")  # one coder: not double-coded
    h14 = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    factory.excerpt(coders["anna"], other, "Det gav ro.", [(h14, "supports")])
    dc.unmark(session, olga, dc.assignment_of(session, sources["F03"].id))  # bo's codings only: not double-coded
    session.commit()
    assert seen.double_coded_source_ids(session, project.id) == {sources[k].id for k in ("F01", "F02", "F04")}
    codes = session.scalars(select(Code).where(Code.project_id == project.id)).all()
    found = 0
    for case in cases.values():
        for code in codes:
            read = seen.reconciliation_codings(session, project.id, case.id, code.id)
            assert read == dc.governed_codings(session, project.id, case.id, code.id), (case.key, code.key)
            assert all(c.excerpt.source_id != other.id for c in read)
            found += len(read)
    assert found


def test_the_owners_overview(session, double):
    project, olga, coders, cases, sources = double
    from casecoder.kernel.vocabulary import Role
    page = seen.overview(session, project.id, (Role.OWNER, Role.CODER))
    assert [u.username for u in page.coders] == ["anna", "bo", "cai", "olga"]
    assert [s.title for s in page.sources.rows] == [f"Interview F0{i}" for i in range(1, 5)]
    assert set(page.assignments) == {s.id for s in sources.values()} and [c.key for c in page.cases] == list(cases)
    assert [(a.title, a.coders, a.opened) for a in page.assigned.rows] == [
        ("Interview F01", ("anna", "bo"), False), ("Interview F02", ("anna", "bo"), False),
        ("Interview F03", ("anna", "bo"), False), ("Interview F04", ("anna", "bo", "cai"), False)]
    second = seen.overview(session, project.id, (Role.OWNER, Role.CODER), page=2, assigned_page=3, per_page=2)
    assert [s.title for s in second.sources.rows] == ["Interview F03", "Interview F04"]
    assert (second.sources.page, second.sources.pages, second.sources.total) == (2, 2, 4)
    assert set(second.assignments) == {s.id for s in second.sources.rows}   # each row's own assignment
    assert [a.title for a in second.assigned.rows] == ["Interview F03", "Interview F04"]   # page 3 of 2: the last
    assert [u.username for u in seen.project_coders(session, project.id, (Role.CODER,))] == ["anna", "bo", "cai"]
