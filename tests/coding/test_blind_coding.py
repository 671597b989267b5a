"""Blind double coding on the write side, without a request: what a blind coder may not change is
refused by coding/double_coding.py (the rule itself: kernel/double_coding.py). Both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import accounts, excerpts
from casecoder.coding import double_coding as dc
from casecoder.kernel.double_coding import code_and_below, codes_blind, double_coded, may_see, others_coded
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.vocabulary import Role
from casecoder.models import AuditEvent, Excerpt
from tests.analysis import test_agreement

double = test_agreement.double  # owner olga; coders anna and bo on F01-F04 (cai on F04), blind


def test_the_rule():
    assert codes_blind(Role.CODER, False, {1, 2}, 1)
    assert not codes_blind(Role.OWNER, False, {1, 2}, 1), "an owner is never blind"
    assert not codes_blind(Role.CODER, True, {1, 2}, 1), "an opened comparison shows everything"
    assert not codes_blind(Role.CODER, False, {2, 3}, 1), "not one of the source's coders"
    assert may_see(1, 1, []) and may_see(1, 2, [2, 1]) and not may_see(1, 2, [2, 3])
    assert others_coded(1, [1, 2]) and not others_coded(1, [1, 1]) and not others_coded(1, [])
    assert double_coded(True, 0) and double_coded(False, 2) and not double_coded(False, 1)
    assert sorted(code_and_below(1, [(1, None), (2, 1), (3, 2), (4, None)])) == [1, 2, 3]


def _roles(session, project, *users):  # type: ignore[no-untyped-def]
    return [accounts.membership_of(session, project.id, u.id).role for u in users]


def _excerpt_of(session, source, user) -> Excerpt:  # type: ignore[no-untyped-def]
    return session.scalar(select(Excerpt).where(Excerpt.source_id == source.id, Excerpt.created_by_id == user.id))


def test_a_blind_coder_may_not_touch_another_coders_excerpt(session, double):
    project, olga, coders, cases, sources = double
    anna, bo = coders["anna"], coders["bo"]
    anna_role, olga_role = _roles(session, project, anna, olga)
    bo_excerpt = _excerpt_of(session, sources["F01"], bo)
    with pytest.raises(dc.HiddenExcerpt) as refused:
        dc.blind_edit(session, anna, anna_role, bo_excerpt)
    assert refused.value.status == 404
    with pytest.raises(dc.HiddenExcerpt):
        dc.delete_excerpt(session, anna, anna_role, bo_excerpt)
    assert session.get(Excerpt, bo_excerpt.id) is not None
    assert dc.blind_edit(session, olga, olga_role, bo_excerpt) == dc.BlindEdit(False, False)
    own = dc.blind_edit(session, anna, anna_role, _excerpt_of(session, sources["F01"], anna))
    assert own == dc.BlindEdit(True, False)
    own.check_span_or_case()  # nobody else coded it: the span may move


def test_an_excerpt_others_coded_keeps_its_span_and_their_codings(session, double):
    project, olga, coders, cases, sources = double
    anna, bo = coders["anna"], coders["bo"]
    (anna_role,) = _roles(session, project, anna)
    excerpt = _excerpt_of(session, sources["F02"], anna)
    excerpts.add_coding(session, olga, excerpt, excerpt.codings[0].code, coder=bo)
    session.commit()
    rights = dc.blind_edit(session, anna, anna_role, excerpt)
    assert rights == dc.BlindEdit(True, True)
    with pytest.raises(InvalidInput, match="also coded by others in blind double coding; its span and case stay"):
        rights.check_span_or_case()
    dc.delete_excerpt(session, anna, anna_role, excerpt)
    session.commit()
    session.expire_all()
    kept = session.get(Excerpt, excerpt.id)
    assert kept is not None and [c.coder_id for c in kept.codings] == [bo.id]
    # once the comparison is open, anna is not blind: deleting deletes the excerpt
    dc.open_comparison(session, olga, dc.assignment_of(session, sources["F02"].id))
    assert dc.blind_edit(session, anna, anna_role, kept) == dc.BlindEdit(False, False)
    dc.delete_excerpt(session, anna, anna_role, kept)
    session.commit()
    assert session.get(Excerpt, excerpt.id) is None


def test_mark_checks_each_case_and_audits(session, double, factory):
    project, olga, coders, cases, sources = double
    anna, bo = coders["anna"], coders["bo"]
    empty = factory.case(project, "F05")
    with pytest.raises(InvalidInput, match="Case F05 has no transcripts to double-code"):
        dc.mark(session, olga, project, [], [empty], [anna, bo])
    dc.unmark(session, olga, dc.assignment_of(session, sources["F02"].id))
    marked = dc.mark(session, olga, project, [sources["F03"]], [cases["F02"]], [anna, bo])
    assert sorted(a.source_id for a in marked) == sorted([sources["F03"].id, sources["F02"].id])
    session.commit()
    rows = session.scalars(select(AuditEvent).where(AuditEvent.entity == "double_coding",
                                                    AuditEvent.entity_id == marked[-1].id)).all()
    assert [r.action for r in rows] == ["create"] and rows[0].user_id == olga.id
    assert rows[0].after == {"source_id": sources["F02"].id, "coders": ["anna", "bo"], "opened": False}
