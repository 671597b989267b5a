"""The write side without Flask: excerpts, codings, code deletion and merging, and their audit rows."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from casecoder.coding import codes as code_ops
from casecoder.coding import excerpts as excerpt_ops
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Code, CodeRelation, Coding, Excerpt


def audit_rows(session, entity=None):
    q = select(AuditEvent.action, AuditEvent.entity).order_by(AuditEvent.id)
    if entity:
        q = q.where(AuditEvent.entity == entity)
    return session.execute(q).all()


def test_project_records_its_codebook_and_audits_each_code(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    session.commit()
    assert project.codebook_name == "helhedsindsats" and len(project.codebook_sha256) == 64
    n_codes = session.scalar(select(func.count(Code.id)).where(Code.project_id == project.id))
    assert n_codes >= 50
    assert audit_rows(session, "code").count(("create", "code")) == n_codes
    assert session.scalar(select(func.count(CodeRelation.id))) > 20
    h1 = factory.code(project, "H1")
    assert sorted(c.key for c in h1.children) == ["H1.1", "H1.2", "H1.3", "H1.4", "H1.5"]


def test_excerpt_lifecycle_is_audited_with_who_and_what(session, factory):
    project, owner, excerpt = factory.coded_project()
    assert excerpt.text == "Min koordinator ringede altid tilbage samme dag."
    assert excerpt.source.text[excerpt.start_offset:excerpt.end_offset] == excerpt.text
    assert excerpt.case.key == "F01"  # the source's only case
    coding = excerpt.codings[0]
    excerpt_ops.set_direction(session, owner, coding, "nuances")
    excerpt_ops.update_excerpt(session, owner, excerpt, start=excerpt.start_offset, end=excerpt.end_offset - 1,
                               memo="kort")
    excerpt_ops.delete_excerpt(session, owner, excerpt)
    session.commit()
    rows = [r for r in audit_rows(session) if r.entity not in ("code", "membership")]  # the project's setup
    assert rows == [("create", "excerpt"), ("create", "coding"), ("update", "coding"), ("create", "excerpt_memo"),
                    ("update", "excerpt"), ("delete", "coding"), ("delete", "excerpt_memo"), ("delete", "excerpt")]
    update = session.scalars(select(AuditEvent).where(AuditEvent.entity == "excerpt", AuditEvent.action == "update")).one()
    assert update.user_id == owner.id and update.project_id == project.id
    assert update.before["end"] - update.after["end"] == 1
    memo = session.scalars(select(AuditEvent).where(AuditEvent.entity == "excerpt_memo")).first()
    assert memo.after == {"excerpt_id": excerpt.id, "user_id": owner.id, "memo": "kort"}  # the owner's own memo
    assert session.scalar(select(func.count(Excerpt.id))) == 0


def test_audit_log_is_append_only_in_the_database(session, factory):
    factory.coded_project()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE audit_events SET action = 'x'"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_events"))
    session.rollback()
    assert session.scalar(select(func.count(AuditEvent.id))) > 0


def test_one_coder_cannot_put_the_same_code_twice_on_one_excerpt(session, factory):
    project, owner, excerpt = factory.coded_project()
    h14 = factory.code(project, "H1.4")
    with pytest.raises(InvalidInput, match="already put code H1.4"):
        excerpt_ops.add_coding(session, owner, excerpt, h14)
    session.rollback()
    # ... and the database refuses it too
    session.add(Coding(excerpt_id=excerpt.id, code_id=h14.id, coder_id=owner.id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    # another coder may
    other = factory.user("anna")
    excerpt_ops.add_coding(session, other, excerpt, h14)
    session.commit()
    assert session.scalar(select(func.count(Coding.id))) == 2


def test_a_new_excerpt_is_written_with_its_codings_and_their_audit_rows(session, factory):
    """create_excerpt writes the excerpt and all its codings in one flush: the same rows, ids and
    audit entries as one add_coding per code; a code asked for twice is refused before anything is written."""
    project, owner, excerpt = factory.coded_project()
    source, h11, h14 = excerpt.source, factory.code(project, "H1.1"), factory.code(project, "H1.4")
    start = source.text.index("samme dag")
    before = session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(InvalidInput, match=f"{owner.username} has already put code H1.1 on this excerpt"):
        excerpt_ops.create_excerpt(session, owner, source, start, start + 9, [(h11, "supports"), (h11, "nuances")])
    session.rollback()
    assert session.scalar(select(func.count(Excerpt.id))) == 1
    assert session.scalar(select(func.count(AuditEvent.id))) == before
    new = excerpt_ops.create_excerpt(session, owner, source, start, start + 9, [(h14, "nuances"), (h11, "supports")])
    session.commit()
    stored = session.execute(select(Coding.id, Code.key, Coding.direction, Coding.coder_id).join(Code)
                             .where(Coding.excerpt_id == new.id).order_by(Coding.id)).all()
    assert [(key, d.value, coder) for _, key, d, coder in stored] == [("H1.4", "nuances", owner.id),
                                                                       ("H1.1", "supports", owner.id)]
    events = session.execute(select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.after)
                             .where(AuditEvent.id > before).order_by(AuditEvent.id)).all()
    assert [(e, i) for e, i, _ in events] == [("excerpt", new.id)] + [("coding", i) for i, *_ in stored]
    assert events[0].after["text"] == "samme dag" and events[1].after["direction"] == "nuances"


def test_foreign_keys_are_enforced(session, factory):
    project, owner, excerpt = factory.coded_project()
    session.add(Coding(excerpt_id=excerpt.id, code_id=999_999, coder_id=owner.id))
    with pytest.raises(IntegrityError):
        session.flush()


def test_multi_case_source_needs_the_case_of_each_excerpt(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    a, b = factory.case(project, "F01"), factory.case(project, "F02")
    source = factory.source(project, [a, b], perspective="system")
    h11 = factory.code(project, "H1.1")
    session.commit()
    with pytest.raises(InvalidInput, match=r"several cases \(F01, F02\)"):
        factory.excerpt(owner, source, "Min koordinator", [(h11, "supports")])
    session.rollback()
    excerpt = factory.excerpt(owner, source, "Min koordinator", [(h11, "supports")], case=b)
    assert excerpt.case_id == b.id


def test_folder_codes_and_bad_spans_are_refused(session, factory):
    project, owner, excerpt = factory.coded_project()
    with pytest.raises(InvalidInput, match="folder"):
        excerpt_ops.add_coding(session, owner, excerpt, factory.code(project, "B"))
    with pytest.raises(InvalidInput, match="not inside the transcript"):
        excerpt_ops.create_excerpt(session, owner, excerpt.source, 5, 10_000)
    blank = excerpt.source.text.index("\n\n")
    with pytest.raises(InvalidInput, match="white space"):
        excerpt_ops.create_excerpt(session, owner, excerpt.source, blank, blank + 2)


def test_code_with_codings_cannot_be_deleted_but_can_be_merged(session, factory):
    project, owner, excerpt = factory.coded_project()
    h14, h13 = factory.code(project, "H1.4"), factory.code(project, "H1.3")
    with pytest.raises(InvalidInput, match="H1.4 has 1 coding"):
        code_ops.delete_code(session, h14, owner.id)
    session.rollback()
    assert session.get(Code, h14.id) is not None
    moved = code_ops.merge_code(session, h14, h13, owner.id)
    session.commit()
    assert moved == 1
    assert session.get(Code, h14.id) is None
    assert [c.code.key for c in session.scalars(select(Coding))] == ["H1.3"]
    assert ("merge", "code") in audit_rows(session, "code")
    # relations of the merged code now hang on the target, with no self-loops
    assert session.scalar(select(func.count(CodeRelation.id)).where(
        CodeRelation.source_code_id == CodeRelation.target_code_id)) == 0


def test_unused_code_can_be_deleted(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    e7 = factory.code(project, "E.7")
    code_ops.delete_code(session, e7, owner.id)
    session.commit()
    assert session.scalar(select(Code.id).where(Code.key == "E.7")) is None
    assert audit_rows(session, "code")[-1] == ("delete", "code")
