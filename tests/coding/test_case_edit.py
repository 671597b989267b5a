"""Editing cases and interviewees (coding/cases.py, issue #20): audited create, update and delete; bad input
names its field and writes nothing; deleting a case takes its excerpts and codings and leaves every other
case's transcripts, excerpts and counts as they were. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from casecoder.coding import cases
from casecoder.kernel.errors import InvalidInput
from casecoder.models import (
    AttributeDefinition,
    AuditEvent,
    Case,
    CaseAttribute,
    Coding,
    Excerpt,
    Interviewee,
    Source,
    source_cases,
    source_interviewees,
)
from tests.tally_check import compute_tally


def audit_rows(session, entity):  # type: ignore[no-untyped-def]
    return session.execute(select(AuditEvent.action, AuditEvent.before, AuditEvent.after)
                           .where(AuditEvent.entity == entity).order_by(AuditEvent.id)).all()


def test_add_and_update_a_case_with_typed_attributes(session, factory):
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    children = cases.define_attribute(session, project, "children", "integer")
    case = cases.add_case(session, eva, project, " F01 ", "Nordby", {children.id: "3"},
                          ("who5", "number", "42,5"))
    session.commit()
    who5 = session.scalars(select(AttributeDefinition).where(AttributeDefinition.name == "who5")).one()
    assert who5.type.value == "number" and who5.position == 1
    assert cases.case_snapshot(session, case) == {"key": "F01", "municipality": "Nordby",
                                                  "attributes": {"children": 3, "who5": 42.5}}

    cases.update_case(session, eva, case, key="F01a", municipality="Sydby",
                      values={children.id: "", who5.id: "40"}, new_attribute=("entry", "date", "2024-03-01"))
    session.commit()
    assert (case.key, case.municipality) == ("F01a", "Sydby")
    snapshot = cases.case_snapshot(session, case)
    assert snapshot["attributes"] == {"who5": 40.0, "entry": "2024-03-01"}   # children cleared: its row gone
    assert session.scalar(select(func.count(CaseAttribute.id))) == 2
    cases.update_case(session, eva, case, key="F01a", municipality="Sydby", new_attribute=("married", "boolean", ""))
    session.commit()
    assert session.scalar(select(AttributeDefinition.type).where(AttributeDefinition.name == "married")).value \
        == "boolean"   # a new attribute without a value for this case: defined for every case
    rows = audit_rows(session, "case")
    assert [r.action for r in rows] == ["create", "update"]   # adding an empty attribute changed no value
    assert rows[1].before["key"] == "F01" and rows[1].after == {
        "key": "F01a", "municipality": "Sydby", "attributes": {"who5": 40.0, "entry": "2024-03-01"}}


@pytest.mark.parametrize("change, field", [
    ({"key": "F02"}, "key"),                         # another case's key
    ({"key": "F 3"}, "key"),                         # not a key
    ({"municipality": "  "}, "municipality"),
    ({"values": "children=2.5"}, "attr_children"),   # not a whole number
    ({"values": "entry=1. marts"}, "attr_entry"),    # not a date
    ({"new_attribute": ("children", "integer", "1")}, "new_name"),   # exists already
    ({"new_attribute": ("bad name", "text", "")}, "new_name"),
    ({"new_attribute": ("pets", "colour", "")}, "new_type"),
    ({"new_attribute": ("pets", "boolean", "maybe")}, "new_value"),
])
def test_bad_input_names_its_field_and_changes_nothing(session, factory, change, field):
    eva = factory.user("eva")
    project = factory.project("proj", eva, codebook=False)
    defs = {name: cases.define_attribute(session, project, name, type_)
            for name, type_ in (("children", "integer"), ("entry", "date"))}
    case = cases.add_case(session, eva, project, "F01", "Nordby", {defs["children"].id: "3"})
    cases.add_case(session, eva, project, "F02", "Nordby")
    session.commit()
    before = cases.case_snapshot(session, case)
    arguments = {"key": "F01", "municipality": "Nordby", "values": {}, "new_attribute": None, **change}
    if isinstance(arguments["values"], str):
        name, value = arguments["values"].split("=")
        arguments["values"] = {defs[name].id: value}
    with pytest.raises(InvalidInput) as refused:
        cases.update_case(session, eva, case, **arguments)
    expected = field.replace("attr_children", f"attr_{defs['children'].id}").replace(
        "attr_entry", f"attr_{defs['entry'].id}")
    assert refused.value.field == expected
    session.rollback()
    assert cases.case_snapshot(session, case) == before
    assert session.scalar(select(func.count(AttributeDefinition.id))) == 2
    with pytest.raises(InvalidInput) as again:   # the same rules when creating, and nothing is created
        cases.add_case(session, eva, project, "F03" if field != "key" else arguments["key"],
                       arguments["municipality"], arguments["values"], arguments["new_attribute"])
    assert again.value.field == expected
    session.rollback()
    assert session.scalar(select(func.count(Case.id))) == 2
    assert [r.action for r in audit_rows(session, "case")] == ["create", "create"]


def test_delete_a_case_takes_its_excerpts_and_leaves_other_cases_whole(session, factory):
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    f01, f02 = factory.case(project, "F01"), factory.case(project, "F02", "Sydby")
    h14, h11 = factory.code(project, "H1.4"), factory.code(project, "H1.1")
    shared = factory.source(project, [f01, f02], title="Begge")
    own = factory.source(project, [f01], title="Kun F01", perspective="system")
    factory.excerpt(eva, shared, "Min koordinator ringede altid tilbage samme dag.", [(h14, "supports")], case=f01)
    kept = factory.excerpt(eva, shared, "Det gav ro.", [(h11, "supports"), (h14, "supports")], case=f02)
    factory.excerpt(eva, own, "Min koordinator", [(h14, "supports"), (h11, "contradicts")])
    cases.set_attribute(session, f01, cases.define_attribute(session, project, "children", "integer"), 2)
    session.commit()
    assert compute_tally(session, project).row("H1.4").counts["family"].case_keys == ("F01", "F02")

    done = cases.delete_case(session, eva, f01)
    session.commit()
    assert done == cases.CaseDeleted("F01", sources_unlinked=2, excerpts=2, codings=3)
    assert session.scalars(select(Case.key)).all() == ["F02"]
    assert sorted(session.scalars(select(Source.title))) == ["Begge", "Kun F01"]   # the transcripts stay
    assert session.execute(select(source_cases.c.case_id)).scalars().all() == [f02.id]
    assert session.scalars(select(Excerpt.id)).all() == [kept.id]
    assert sorted(session.scalars(select(Coding.code_id))) == sorted([h11.id, h14.id])
    assert session.scalar(select(func.count(CaseAttribute.id))) == 0
    tally = compute_tally(session, project)
    assert tally.row("H1.4").counts["family"].case_keys == ("F02",)
    assert tally.row("H1.1").counts["family"].case_keys == ("F02",)
    assert tally.N["family"] == 1 and tally.N["system"] == 0
    entities = [r.entity for r in session.execute(select(AuditEvent.entity).where(AuditEvent.action == "delete"))]
    assert sorted(entities) == ["case", "coding", "coding", "coding", "excerpt", "excerpt"]
    deleted = audit_rows(session, "case")[-1]
    assert deleted.before == {"key": "F01", "municipality": "Nordby", "attributes": {"children": 2},
                              "sources": sorted([shared.id, own.id]), "excerpts": 2, "codings": 3}
    assert cases.add_case(session, eva, project, "F01", "Nordby").key == "F01"   # the key is free again


def test_interviewees_add_update_delete(session, factory):
    eva = factory.user("eva")
    project = factory.project("proj", eva, codebook=False)
    case = factory.case(project)
    anna = cases.add_interviewee(session, eva, project, "P01", "Casemanager", "system", "Nordby")
    mor = cases.add_interviewee(session, eva, project, "M01", "Mor", "family")
    source = factory.source(project, [case])
    source.interviewees = [anna, mor]
    session.commit()
    for change, field in (({"key": "M01"}, "key"), ({"key": "P 1"}, "key"), ({"role": " "}, "role"),
                          ({"perspective": "neighbour"}, "perspective"), ({"municipality": "x" * 101}, "municipality")):
        with pytest.raises(InvalidInput) as refused:
            cases.update_interviewee(session, eva, anna, **{"key": "P01", "role": "Casemanager",
                                                           "perspective": "system", **change})
        assert refused.value.field == field
        session.rollback()
    with pytest.raises(InvalidInput, match="already exists"):
        cases.add_interviewee(session, eva, project, "P01", "Mor", "family")
    session.rollback()
    cases.update_interviewee(session, eva, anna, key="P01", role="Jobrådgiver", perspective="system",
                             municipality="Sydby")
    session.commit()
    assert (anna.role, anna.municipality) == ("Jobrådgiver", "Sydby")
    assert cases.delete_interviewee(session, eva, mor) == 1
    session.commit()
    assert session.scalars(select(Interviewee.key)).all() == ["P01"]
    assert session.execute(select(source_interviewees.c.interviewee_id)).scalars().all() == [anna.id]
    assert session.get(Source, source.id) is not None
    rows = audit_rows(session, "interviewee")
    assert [r.action for r in rows] == ["create", "create", "update", "delete"]
    assert rows[2].before["role"] == "Casemanager" and rows[2].after["role"] == "Jobrådgiver"
    assert rows[3].before == {"key": "M01", "role": "Mor", "perspective": "family", "municipality": "",
                              "sources": [source.id]}


def test_attribute_values_keep_their_types(session, factory):
    eva = factory.user("eva")
    project = factory.project("proj", eva, codebook=False)
    case = cases.add_case(session, eva, project, "F01", "Nordby", new_attribute=("entry", "date", "2024-01-31"))
    assert session.scalars(select(CaseAttribute.value_date)).one() == date(2024, 1, 31)
    yes = cases.add_case(session, eva, project, "F02", "Nordby", new_attribute=("single", "boolean", "ja"))
    assert cases.case_snapshot(session, yes)["attributes"] == {"single": True}
    assert cases.case_snapshot(session, case)["attributes"] == {"entry": "2024-01-31"}
