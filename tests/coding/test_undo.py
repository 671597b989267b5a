"""Exact undo from the audit log, and each coder owning their codings (coding/undo.py, coding/excerpts.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import audit, undo
from casecoder.coding import excerpts as excerpt_ops
from casecoder.coding.accounts import add_member
from casecoder.kernel.errors import EditConflict, InvalidInput
from casecoder.models import AuditEvent, Coding, Excerpt


def two_coders(session, factory):
    project, owner, excerpt = factory.coded_project()
    anna = factory.user("anna")
    add_member(session, project, anna, "coder")
    audit.begin_action(session)
    excerpt_ops.add_coding(session, anna, excerpt, factory.code(project, "ST.4"), "nuances")
    session.commit()
    return project, owner, anna, excerpt


def state(session, excerpt_id):
    excerpt = session.get(Excerpt, excerpt_id)
    if excerpt is None:
        return None
    session.refresh(excerpt)
    codings = sorted((c.code.key, c.coder.username, c.direction.value, c.of_record) for c in excerpt.codings)
    return (excerpt.start_offset, excerpt.end_offset, excerpt.text, memos(excerpt), excerpt.case_id,
            excerpt.created_by_id, codings)


def memos(excerpt):
    """Each coder's memo on the excerpt: {user name: text}."""
    return {m.user.username: m.text for m in excerpt.memos}


def test_undo_of_a_delete_brings_back_the_same_excerpt_with_every_coders_coding(session, factory):
    project, owner, anna, excerpt = two_coders(session, factory)
    session.info.pop("action_group")  # memos written outside an action (as before 0014): not undoable
    excerpt_ops.set_memo(session, owner, excerpt, "Mors ord")
    excerpt_ops.set_memo(session, anna, excerpt, "Annas ord")
    session.commit()
    excerpt_id, was = excerpt.id, state(session, excerpt.id)
    coding_ids = sorted(c.id for c in excerpt.codings)
    audit.begin_action(session)
    assert excerpt_ops.delete_for(session, owner, excerpt, everyone=True, may_remove_others=True)
    session.commit()
    assert session.get(Excerpt, excerpt_id) is None

    done = undo.undo_last(session, owner, project)
    session.commit()
    assert done.kind == "delete" and done.excerpt_ids == [excerpt_id]
    assert state(session, excerpt_id) == was  # same id, span, text, memos, creator; anna's coding is anna's
    assert was[3] == {owner.username: "Mors ord", "anna": "Annas ord"}  # every coder's memo came back
    assert sorted(session.scalars(select(Coding.id).where(Coding.excerpt_id == excerpt_id))) == coding_ids
    marker = session.scalars(select(AuditEvent).where(AuditEvent.action == "undo")).one()
    assert marker.user_id == owner.id and marker.entity_id == excerpt_id and marker.before["action"] == "delete"
    # the same action is not undone twice: the next undo goes one step further back (anna's coding is hers)
    with pytest.raises(InvalidInput, match="nothing of yours to undo"):
        undo.undo_last(session, owner, project)


def test_undo_goes_several_steps_back(session, factory):
    project, owner, excerpt = factory.coded_project()
    source = excerpt.source
    audit.begin_action(session)
    start = source.text.index("Det gav ro.")
    new = excerpt_ops.create_excerpt(session, owner, source, start, start + 11, [(factory.code(project, "H1.1"), "supports")])
    session.commit()
    audit.begin_action(session)
    excerpt_ops.update_excerpt(session, owner, new, memo="første note", end=start + 6)
    excerpt_ops.set_codings(session, owner, new, [(factory.code(project, "H1.2"), "contradicts")])
    session.commit()
    assert undo.undo_last(session, owner, project).kind == "update"
    session.commit()
    assert state(session, new.id)[:4] == (start, start + 11, "Det gav ro.", {})
    assert state(session, new.id)[-1] == [("H1.1", owner.username, "supports", True)]
    done = undo.undo_last(session, owner, project)
    session.commit()
    assert done.kind == "create" and done.removed_ids == [new.id] and session.get(Excerpt, new.id) is None


def test_undo_is_refused_after_another_coders_change(session, factory):
    project, owner, excerpt = factory.coded_project()
    anna = factory.user("anna")
    add_member(session, project, anna, "coder")
    audit.begin_action(session)
    excerpt_ops.update_excerpt(session, owner, excerpt, memo="admins note", start=excerpt.start_offset + 1)
    session.commit()
    audit.begin_action(session)
    excerpt_ops.update_excerpt(session, anna, excerpt, memo="annas note", start=excerpt.start_offset + 1)
    session.commit()
    with pytest.raises(EditConflict, match="anna changed this excerpt after you") as refused:
        undo.undo_last(session, owner, project)
    assert refused.value.status == 409
    session.rollback()
    assert memos(session.get(Excerpt, excerpt.id)) == {owner.username: "admins note", "anna": "annas note"}
    # anna's own coding on an excerpt the owner created keeps the owner's create from being undone
    audit.begin_action(session)
    start = excerpt.source.text.index("Det gav ro.")
    new = excerpt_ops.create_excerpt(session, owner, excerpt.source, start, start + 11,
                                     [(factory.code(project, "H1.1"), "supports")])
    session.commit()
    audit.begin_action(session)
    excerpt_ops.add_coding(session, anna, new, factory.code(project, "ST.4"))
    session.commit()
    with pytest.raises(EditConflict, match="anna"):
        undo.undo_last(session, owner, project)
    session.rollback()
    assert len(session.get(Excerpt, new.id).codings) == 2


def test_a_coder_removes_only_their_own_codings(session, factory):
    project, owner, anna, excerpt = two_coders(session, factory)
    assert excerpt_ops.who_loses(excerpt, anna, everyone=True) == {"anna": ["ST.4"], owner.username: ["H1.4"]}
    with pytest.raises(InvalidInput, match="Only an owner"):
        excerpt_ops.delete_for(session, anna, excerpt, everyone=True, may_remove_others=False)
    audit.begin_action(session)
    assert not excerpt_ops.delete_for(session, anna, excerpt)  # the excerpt stays for the owner
    session.commit()
    assert state(session, excerpt.id)[-1] == [("H1.4", owner.username, "supports", True)]
    with pytest.raises(InvalidInput, match="only other coders' codings"):
        excerpt_ops.delete_for(session, anna, excerpt)
    undo.undo_last(session, anna, project)  # anna's removal undone: her coding is back, hers
    session.commit()
    assert ("ST.4", "anna", "nuances", True) in state(session, excerpt.id)[-1]


def test_a_restored_excerpt_whose_id_was_taken_gets_a_new_one(session, factory):
    project, owner, anna, excerpt = two_coders(session, factory)
    was = state(session, excerpt.id)
    audit.begin_action(session)
    excerpt_ops.delete_for(session, owner, excerpt, everyone=True, may_remove_others=True)
    session.commit()
    audit.begin_action(session)
    start = excerpt.source.text.index("Det gav ro.")
    other = excerpt_ops.create_excerpt(session, anna, excerpt.source, start, start + 11,
                                       [(factory.code(project, "H1.1"), "supports")])
    session.commit()
    other_id = other.id
    done = undo.undo_last(session, owner, project)
    session.commit()
    (back,) = done.excerpt_ids
    assert state(session, back) == was
    assert state(session, other_id)[2] == "Det gav ro."  # anna's new excerpt untouched


def test_each_coder_writes_only_their_own_memo_and_undo_restores_it(session, factory):
    project, owner, anna, excerpt = two_coders(session, factory)
    audit.begin_action(session)
    excerpt_ops.update_excerpt(session, owner, excerpt, memo="  admins note ")
    session.commit()
    audit.begin_action(session)
    excerpt_ops.update_excerpt(session, anna, excerpt, memo="annas note")  # the memo alone: no version, no codes
    session.commit()
    assert memos(excerpt) == {owner.username: "admins note", "anna": "annas note"}  # nobody overwrote anybody
    audit.begin_action(session)
    excerpt_ops.update_excerpt(session, owner, excerpt, memo="admins second note")
    session.commit()
    undo.undo_last(session, owner, project)  # anna's memo is hers, so the owner's own change comes back exactly
    session.commit()
    assert memos(excerpt) == {owner.username: "admins note", "anna": "annas note"}
    audit.begin_action(session)
    excerpt_ops.update_excerpt(session, anna, excerpt, memo="")  # an empty memo removes hers only
    session.commit()
    assert memos(excerpt) == {owner.username: "admins note"}
    undo.undo_last(session, anna, project)
    session.commit()
    assert memos(excerpt) == {owner.username: "admins note", "anna": "annas note"}
    rows = session.scalars(select(AuditEvent).where(AuditEvent.entity == "excerpt_memo").order_by(AuditEvent.id)).all()
    assert [(r.action, r.user_id) for r in rows] == [
        ("create", owner.id), ("create", anna.id), ("update", owner.id), ("update", owner.id),
        ("delete", anna.id), ("create", anna.id)]
    with pytest.raises(InvalidInput, match="at most 20000 are allowed"):
        excerpt_ops.update_excerpt(session, anna, excerpt, memo="x" * 20_001)


def test_a_memo_added_by_another_coder_keeps_the_create_from_being_undone(session, factory):
    project, owner, anna, excerpt = two_coders(session, factory)
    audit.begin_action(session)
    start = excerpt.source.text.index("Det gav ro.")
    new = excerpt_ops.create_excerpt(session, owner, excerpt.source, start, start + 11,
                                     [(factory.code(project, "H1.1"), "supports")], memo="mit")
    session.commit()
    audit.begin_action(session)
    excerpt_ops.set_memo(session, anna, new, "annas tanke")
    session.commit()
    with pytest.raises(EditConflict, match="anna"):
        undo.undo_last(session, owner, project)
    session.rollback()
    assert memos(session.get(Excerpt, new.id)) == {owner.username: "mit", "anna": "annas tanke"}
    # a delete by anna removes only her codings; her memo and the owner's stay with the excerpt
    audit.begin_action(session)
    assert not excerpt_ops.delete_for(session, anna, excerpt)
    session.commit()
