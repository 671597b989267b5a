"""Editing the codebook without Flask: create, edit, move (the tally follows), reorder, archive; audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.analysis.tally import compute_tally
from casecoder.coding import codebook_edit as edit
from casecoder.coding import codes as code_ops
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Code


def audit_of(session, code_id):
    return session.execute(select(AuditEvent.action, AuditEvent.before, AuditEvent.after).where(
        AuditEvent.entity == "code", AuditEvent.entity_id == code_id).order_by(AuditEvent.id)).all()


def family(tally, key):
    return next(row for row in tally.rows if row.key == key).counts["family"].n


def test_create_a_hypothesis_and_a_sub_code_then_edit_them(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner, codebook=False)
    h = edit.create_code(session, project, owner.id, key="H1", label_da="Én indgang")
    sub = edit.create_code(session, project, owner.id, key="H1.1", label_da="Koordinering",
                           label_en="Coordination", parent_id=h.id, color="#1B7F3B", include_da="Kod når ...")
    second = edit.create_code(session, project, owner.id, key="H1.2", label_da="Samme person", parent_id=h.id)
    session.commit()
    assert (h.kind.value, h.label_en, h.parent_id, h.color) == ("hypothesis", "Én indgang", None, "#888888")
    assert (sub.kind.value, sub.parent_id, sub.color, sub.include_da) == ("mechanism", h.id, "#1b7f3b", "Kod når ...")
    assert (sub.position, second.position, second.color) == (0, 1, h.color)
    assert audit_of(session, sub.id)[0][0] == "create"

    edit.edit_code(session, sub, owner.id, key="H1.1a", label_da="Koordination", label_en="Coordinating",
                   kind="condition", color="#000000", description_en="Across departments", exclude_da="Ikke ...")
    session.commit()
    assert (sub.key, sub.label_da, sub.kind.value, sub.description_en) == ("H1.1a", "Koordination", "condition",
                                                                          "Across departments")
    action, before, after = audit_of(session, sub.id)[-1]
    assert action == "update" and before["key"] == "H1.1" and after["key"] == "H1.1a"
    assert before["description_en"] == "" and after["exclude_da"] == "Ikke ..."

    edit.shift_code(session, second, owner.id, -1)
    session.commit()
    assert [c.key for c in session.scalars(select(Code).where(Code.parent_id == h.id)
                                          .order_by(Code.position))] == ["H1.2", "H1.1a"]
    edit.shift_code(session, second, owner.id, -1)  # already first: nothing changes
    edit.set_archived(session, second, owner.id, True)
    session.commit()
    assert second.archived and audit_of(session, second.id)[-1][2]["archived"] is True


def test_bad_keys_and_labels_are_refused_with_the_field(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    session.commit()
    cases = [({"key": "H1.1", "label_da": "x"}, "key", "already used"),
             ({"key": "bad key", "label_da": "x"}, "key", "must be 1-32"),
             ({"key": "NEW", "label_da": "  "}, "label_da", "must not be empty"),
             ({"key": "NEW", "label_da": "x", "color": "red"}, "color", "#rrggbb"),
             ({"key": "NEW", "label_da": "x", "kind": "nonsense"}, "kind", "is not one of")]
    for kwargs, field, words in cases:
        with pytest.raises(InvalidInput) as exc:
            edit.create_code(session, project, owner.id, **kwargs)
        assert exc.value.field == field and words in exc.value.message
    archived = factory.code(project, "H1.5")
    edit.set_archived(session, archived, owner.id, True)
    with pytest.raises(InvalidInput, match="archived code") as exc:
        edit.edit_code(session, factory.code(project, "H1.4"), owner.id, key="H1.5")
    assert exc.value.field == "key"
    code_ops.delete_code(session, edit.create_code(session, project, owner.id, key="TMP", label_da="Midlertidig"),
                         owner.id)
    session.commit()
    with pytest.raises(InvalidInput, match="deleted code"):
        edit.create_code(session, project, owner.id, key="TMP", label_da="Igen")


def test_a_moved_code_rolls_up_under_its_new_parent_and_cycles_are_refused(session, factory):
    project, owner, excerpt = factory.coded_project()  # one case, an excerpt coded H1.4 (family)
    h1, h2, h14 = (factory.code(project, k) for k in ("H1", "H2", "H1.4"))
    before = compute_tally(session, project)
    assert (family(before, "H1"), family(before, "H2"), family(before, "H1.4")) == (1, 0, 1)

    edit.move_code(session, h14, owner.id, h2.id)
    session.commit()
    after = compute_tally(session, project)
    assert (family(after, "H1"), family(after, "H2"), family(after, "H1.4")) == (0, 1, 1)
    assert next(r for r in after.rows if r.key == "H1.4").parent_key == "H2"
    assert audit_of(session, h14.id)[-1][1]["parent_id"] == h1.id

    with pytest.raises(InvalidInput, match="own sub-codes") as exc:
        edit.move_code(session, h2, owner.id, h14.id)
    assert exc.value.field == "parent"
    with pytest.raises(InvalidInput, match="own sub-codes"):
        edit.move_code(session, h2, owner.id, h2.id)
    session.rollback()
    edit.move_code(session, h14, owner.id, None)  # to the top level
    session.commit()
    top = compute_tally(session, project)
    assert (family(top, "H2"), family(top, "H1.4")) == (0, 1)
    assert next(r for r in top.rows if r.key == "H1.4").depth == 0
