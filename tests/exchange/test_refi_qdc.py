"""Codebook import (.qdc) into a project: merging by GUID and name path, and the keys new codes get."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import projects
from casecoder.exchange.refi.names import clean_name, unique
from casecoder.exchange.refi.qdc import import_qdc, plan_merge, read_qdc, unique_key, write_qdc
from casecoder.kernel.validate import is_key
from casecoder.models import Code
from tests.fresh_db import demo_project

# -- merging codebooks ---------------------------------------------------------------------------

def test_qdc_merge_by_guid_then_by_name_path(session, demo_data):
    project = demo_project(session)
    data = write_qdc(session, project, "en")
    changed = data.replace(b'name="A single point of contact and continuity over time"', b'name="One door in"')
    changed = changed.replace(b"</Codes>", b'<Code guid="12345678-1234-1234-1234-123456789abc" name="New theme" '
                                           b'isCodable="true"><Code guid="{12345678-1234-1234-1234-123456789ABD}" '
                                           b'name="Child" isCodable="false"/></Code></Codes>')
    roots, _report = read_qdc(changed, "x.qdc")
    plan = plan_merge(session, project, roots, "en")
    assert [(c.key, old, new) for c, old, new in plan.renamed] == [
        ("H1", "A single point of contact and continuity over time", "One door in")]
    assert [p.path for p in plan.added] == [("New theme",), ("New theme", "Child")]
    other = projects.create_project(session, "Other", "other", None, None)
    plan2, _ = import_qdc(session, other, data, "demo.qdc", user_id=None, lang="en")
    assert len(plan2.added) == 54
    project_codes = {c.label_en: c.guid for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    for code in session.scalars(select(Code).where(Code.project_id == other.id)):
        code.guid = None
    session.flush()
    plan3, _ = import_qdc(session, other, data, "demo.qdc", user_id=None, lang="en")
    assert not plan3.added and not plan3.renamed and len(plan3.matched) == 54  # matched by name path
    assert {c.label_en: c.guid for c in session.scalars(select(Code).where(Code.project_id == other.id))} == project_codes
    import_qdc(session, project, changed, "x.qdc", user_id=None, lang="en")
    assert session.scalars(select(Code).where(Code.project_id == project.id, Code.key == "H1")).one().label_en == "One door in"
    child = session.scalars(select(Code).where(Code.project_id == project.id, Code.label_en == "Child")).one()
    assert (child.guid, child.codable, child.parent.label_en) == ("12345678-1234-1234-1234-123456789abd", False, "New theme")


def test_keys_from_names_are_valid_unique_and_never_longer_than_32():
    taken: set[str] = set()
    keys = [unique_key(name, taken) for name in ["A", "A", "Tillid é", "-x", "", "æøå"] + ["y" * 40] * 1_100]
    assert keys[:6] == ["A", "A-2", "Tillid-é", "x", "code", "æøå"]  # letters stay letters (#23)
    assert len(set(keys)) == len(keys) == len(taken)
    assert keys[-1] == "y" * 27 + "-1100" and all(is_key(k) and len(k) <= 32 for k in keys)
    assert unique("code", {"code", "code-2"}) == "code-3"
    assert clean_name("é", "fallback") == "fallback" and clean_name("é", "fallback", min_len=1) == "é"
    assert clean_name("Søren Å.", "user", ascii_only=True) == "Soeren-Aa"


@pytest.mark.parametrize("name", ["Tillid og relationer mellem familien og den kommunale sagsbehandler", "Ø", "!!"])
def test_imported_codes_with_the_same_name_get_distinct_keys(session, name):
    project = projects.create_project(session, "Empty", "empty", None, None)
    xml = ('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
           + "".join(f'<Code guid="12345678-1234-1234-1234-12345678900{i}" name="{name}" isCodable="true"/>'
                     for i in range(3)) + "</Codes></CodeBook>")
    plan, _report = import_qdc(session, project, xml.encode(), "same.qdc", user_id=None)
    session.commit()
    keys = session.scalars(select(Code.key).where(Code.project_id == project.id)).all()
    assert len(plan.added) == 3 and len(set(keys)) == 3 and all(is_key(k) for k in keys)
