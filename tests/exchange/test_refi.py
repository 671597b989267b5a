"""REFI-QDA: the real sample files import and match expected.json; exports validate; round trip; edge cases."""
from __future__ import annotations

import io
import json
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casecoder.coding import accounts, projects
from casecoder.coding import codes as code_ops
from casecoder.coding import excerpts as excerpt_ops
from casecoder.exchange.refi import positions
from casecoder.exchange.refi.qdc import import_qdc, write_qdc
from casecoder.exchange.refi.qdpx_read import import_qdpx
from casecoder.exchange.refi.qdpx_write import qdpx_files, write_qdpx
from casecoder.exchange.refi.xmlread import SCHEMA_ENV, xsd_problems
from casecoder.kernel.errors import InvalidInput
from casecoder.models import (
    AttributeDefinition,
    Case,
    CaseAttribute,
    Code,
    CodeRelation,
    Coding,
    Excerpt,
    ExcerptMemo,
    Project,
    Source,
    User,
)
from tests.fresh_db import demo_project

QDPX_SAMPLES = ["qc1.3.2_demo.qdpx", "nvivo15mac_qc_project.qdpx", "atlasti23_target-atlas-project.qdpx",
                "atlasti23_blank-atlas-project.qdpx"]
QDC_SAMPLES = ["taguette1.4.1_codebook.qdc", "atlasti23.4win_codebook_from_requal_test.qdc",
               "openqda_mastodonmoodboard_example_codebook.qdc"]


@pytest.fixture
def refi_dir(shared_dir: Path) -> Path:
    folder = shared_dir / "refi"
    if not (folder / "samples" / "expected.json").is_file():
        pytest.skip(f"the REFI-QDA samples are not present at {folder / 'samples'}; their tests are skipped")
    return folder


@pytest.fixture
def expected(refi_dir: Path) -> dict:
    return json.loads((refi_dir / "samples" / "expected.json").read_text(encoding="utf-8"))


def schema(refi_dir: Path, name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(refi_dir / name)))


def label_paths(session: Session, project: Project) -> dict[int, str]:
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}

    def path(code: Code) -> str:
        return code.label_en if code.parent_id is None else f"{path(codes[code.parent_id])}/{code.label_en}"

    return {cid: path(c) for cid, c in codes.items()}


def depth(session: Session, project: Project) -> int:
    parents = dict(session.execute(select(Code.id, Code.parent_id).where(Code.project_id == project.id)).all())

    def level(code_id: int | None) -> int:
        return 0 if code_id is None else 1 + level(parents[code_id])

    return max((level(c) for c in parents), default=0)


# -- the real samples ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", QDPX_SAMPLES)
def test_qdpx_sample_imports_and_matches_expected(session, refi_dir, expected, name):
    want = expected[name]
    project, report = import_qdpx(session, (refi_dir / "samples" / name).read_bytes(), name, user=None)
    session.commit()
    counts = want["counts"]
    assert report.origin == want["origin"]
    assert project.title == want["project_name"]
    assert (report.found["codes"], report.found["users"], report.found["sources"], report.found["selections"],
            report.found["codings"], report.found["cases"]) == (
        counts["codes"], counts["n_User"], counts["n_TextSource"], counts["n_PlainTextSelection"],
        counts["n_Coding"], counts["n_Case"])
    assert report.imported["codes"] == counts["codes"]
    assert report.imported["sources"] == counts["n_TextSource"]
    assert report.imported["codings"] == counts["n_Coding"]
    assert depth(session, project) == counts["max_depth"]
    assert sorted(report.users) == sorted(want["users"])
    tops = session.scalars(select(Code.label_en).where(Code.project_id == project.id, Code.parent_id.is_(None))
                           .order_by(Code.position)).all()
    assert tops == want["top_level_codes"]
    assert not [w for w in report.warnings if "Project.xsd" in w] if want["xsd_valid"] else report.warnings
    paths = label_paths(session, project)
    for spec in want["sources"]:
        filename = spec["plainTextPath"].rsplit("/", 1)[-1]
        source = session.scalars(select(Source).where(Source.project_id == project.id,
                                                      Source.original_filename == filename)).one()
        assert len(source.text) == spec["len_codepoints_without_bom"]
        for sel in spec["first_selections"]:
            excerpt = session.scalars(select(Excerpt).where(
                Excerpt.source_id == source.id, Excerpt.start_offset == sel["start"],
                Excerpt.end_offset == sel["end"]).options(selectinload(Excerpt.codings))).one()
            assert excerpt.text == sel["text_codepoints"]
            assert sorted(paths[c.code_id] for c in excerpt.codings) == sorted(sel["codes"])
    used = Counter(paths[c] for c in session.scalars(select(Coding.code_id).join(Excerpt).where(
        Excerpt.project_id == project.id)))
    assert len(used) == want["distinct_codes_used"]
    for path, n in want["codings_per_code_top10"]:
        assert used[path] == n


def test_nvivo_mac_sources_have_no_text_and_say_so(session, refi_dir):
    name = "nvivo15mac_qc_project.qdpx"
    _project, report = import_qdpx(session, (refi_dir / "samples" / name).read_bytes(), name, user=None)
    assert any("has no text" in w for w in report.warnings)
    assert {u.username for u in session.scalars(select(User))} >= {"chrisp"}
    assert session.scalar(select(User).where(User.username == "chrisp")).password_hash == "!"


@pytest.mark.parametrize("name", QDC_SAMPLES)
def test_qdc_sample_imports_and_matches_expected(session, refi_dir, expected, name):
    want = expected[name]
    project = projects.create_project(session, "Empty", "empty", None, None)
    plan, report = import_qdc(session, project, (refi_dir / "samples" / name).read_bytes(), name, user_id=None)
    session.commit()
    codes = session.scalars(select(Code).where(Code.project_id == project.id)).all()
    assert report.origin == want["origin"]
    assert len(plan.added) == len(codes) == report.found["codes"] == want["codes"]
    assert depth(session, project) == want["max_depth"]
    children = defaultdict(list)  # the ids follow the file's order, parents first (flushed once per parent)
    for code in sorted(codes, key=lambda c: c.position):
        children[code.parent_id].append(code)
    in_file_order, stack = [], children[None][::-1]
    while stack:
        in_file_order.append(stack.pop().id)
        stack += children[in_file_order[-1]][::-1]
    assert in_file_order == sorted(in_file_order) and len(in_file_order) == len(codes)
    assert sum(c.codable for c in codes) == want["codable"]
    assert sum(c.color != "#888888" for c in codes) == want["with_color"]
    assert report.found["sets"] == want["sets"]
    assert bool(report.warnings) == (not want["xsd_valid"])
    assert len(report.warnings) == min(want["xsd_error_count"], 31)
    tops = [c.label_en for c in sorted(codes, key=lambda c: c.position) if c.parent_id is None]
    assert tops == want["top_level_codes"]
    assert all(c.guid and len(c.guid) == 36 and c.guid == c.guid.lower() for c in codes)
    assert project.codebook_name == name


def test_defect_codebook_is_refused_naming_the_line(session, refi_dir):
    name = "openqda_mastodonmoodboard_example_codebook_DEFECT.qdc"
    project = projects.create_project(session, "Empty", "empty", None, None)
    with pytest.raises(InvalidInput, match=r"not well-formed XML: line 132, column \d+"):
        import_qdc(session, project, (refi_dir / "samples" / name).read_bytes(), name, user_id=None)


def test_without_the_schemas_the_report_says_the_file_was_not_checked(refi_dir, monkeypatch):
    data = (refi_dir / "samples" / "taguette1.4.1_codebook.qdc").read_bytes()
    monkeypatch.delenv(SCHEMA_ENV, raising=False)
    assert xsd_problems(data, "Codebook") == [
        f"Not checked against Codebook.xsd: set {SCHEMA_ENV} to a folder holding the REFI-QDA schemas"]
    monkeypatch.setenv(SCHEMA_ENV, str(refi_dir))
    checked = xsd_problems(data, "Codebook")  # Taguette writes an empty <Sets>, which the schema forbids
    assert checked and all(w.startswith("Codebook.xsd, line ") for w in checked)


# -- export --------------------------------------------------------------------------------------

def test_exports_validate_and_are_stable(session, demo_data, refi_dir):
    project = demo_project(session)
    qdc = write_qdc(session, project, "en")
    codebook_schema = schema(refi_dir, "Codebook.xsd")
    assert codebook_schema.validate(etree.fromstring(qdc)), codebook_schema.error_log
    guids = {c.key: c.guid for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    assert all(guids.values())
    session.commit()
    files = qdpx_files(session, project, "da")
    project_schema = schema(refi_dir, "Project.xsd")
    qde = etree.fromstring(files["project.qde"])
    assert project_schema.validate(qde), project_schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    for source in qde.iterfind("q:Sources/q:TextSource", ns):
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        assert f"sources/{path[len('internal://'):]}" in files
    sets = qdc.count(b"<Set ")
    assert sets == 4  # H1-H4
    assert write_qdc(session, project, "en") == qdc
    assert write_qdpx(session, project, "da") == write_qdpx(session, project, "da")
    assert {c.key: c.guid for c in session.scalars(select(Code).where(Code.project_id == project.id))} == guids


# -- round trip ----------------------------------------------------------------------------------

def snapshot(session: Session, project: Project) -> dict:
    """Everything the round trip must keep, by keys and names (not ids)."""
    pid = project.id
    codes = session.scalars(select(Code).where(Code.project_id == pid)).all()
    key_of = {c.id: c.key for c in codes}
    sources = session.scalars(select(Source).where(Source.project_id == pid).options(
        selectinload(Source.cases), selectinload(Source.interviewees))).all()
    excerpts = session.scalars(select(Excerpt).where(Excerpt.project_id == pid).options(
        selectinload(Excerpt.codings).selectinload(Coding.coder), selectinload(Excerpt.case),
        selectinload(Excerpt.created_by), selectinload(Excerpt.memos).selectinload(ExcerptMemo.user))).all()
    titles = {s.id: s.title for s in sources}
    attributes = session.scalars(select(CaseAttribute).join(Case).where(Case.project_id == pid).options(
        selectinload(CaseAttribute.definition), selectinload(CaseAttribute.case))).all()
    return {
        "codes": sorted((c.key, key_of.get(c.parent_id), c.kind.value, c.label_da, c.label_en, c.description_da,
                         c.description_en, c.include_da, c.include_en, c.exclude_da, c.exclude_en, c.ref, c.color,
                         c.codable, c.archived, c.memo, c.position) for c in codes),
        "relations": sorted((key_of[r.source_code_id], key_of[r.target_code_id], r.type.value) for r in
                            session.scalars(select(CodeRelation).where(CodeRelation.project_id == pid))),
        "sources": sorted((s.title, s.text, s.perspective.value, s.mode and s.mode.value, s.interview_date, s.key,
                           s.memo, tuple(c.key for c in s.cases),
                           tuple((p.key, p.role, p.perspective.value, p.municipality) for p in s.interviewees))
                          for s in sources),
        "excerpts": sorted((titles[e.source_id], e.start_offset, e.end_offset, e.text, e.case and e.case.key,
                            tuple(sorted((m.user.username, m.text) for m in e.memos)),
                            e.created_by and e.created_by.username) for e in excerpts),
        "codings": sorted((titles[e.source_id], e.start_offset, e.end_offset, key_of[c.code_id], c.coder.username,
                           c.direction.value) for e in excerpts for c in e.codings),
        "cases": sorted((c.key, c.municipality, c.memo) for c in
                        session.scalars(select(Case).where(Case.project_id == pid))),
        "attributes": sorted((a.case.key, a.definition.name, a.definition.type.value, a.value) for a in attributes),
        "definitions": sorted((d.name, d.type.value) for d in session.scalars(
            select(AttributeDefinition).where(AttributeDefinition.project_id == pid))),
    }


def test_round_trip_keeps_everything(session, demo_data, refi_dir):
    project = demo_project(session)
    admin = accounts.get_user(session, "admin")
    code = session.scalars(select(Code).where(Code.project_id == project.id, Code.key == "H1.4")).one()
    code_ops.update_code(session, code, admin.id, memo="A code memo\r\nwith CRLF and “quotes” 🙂")
    source = session.scalars(select(Source).where(Source.project_id == project.id).order_by(Source.id)).first()
    source.memo = "A source memo"
    source.key = "S-first"
    excerpt = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id)).first()
    excerpt_ops.update_excerpt(session, admin, excerpt, memo="An excerpt memo")
    used = session.scalars(select(Code).join(Coding, Coding.code_id == Code.id).where(
        Code.project_id == project.id)).first()
    code_ops.update_code(session, used, admin.id, archived=True)
    session.commit()
    before = snapshot(session, project)
    assert {d for *_rest, d in before["codings"]} == {"supports", "contradicts", "nuances"}
    data = write_qdpx(session, project, "da")
    copy, report = import_qdpx(session, data, "demo.qdpx", user=admin, title="Copy")
    session.commit()
    assert not report.skipped and not [w for w in report.warnings if "xsd" in w.lower()]
    after = snapshot(session, copy)
    for part in before:
        assert after[part] == before[part], part
    assert {c.guid for c in session.scalars(select(Code).where(Code.project_id == project.id))} == {
        c.guid for c in session.scalars(select(Code).where(Code.project_id == copy.id))}
    assert report.imported["codings"] == len(before["codings"]) and report.imported["cases"] == 9


# -- positions -----------------------------------------------------------------------------------

def qde(body: str, origin: str = "SynthQDA 1.0", ns: str = "urn:QDA-XML:project:1.0", extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{ns}" name="Synth" origin="{origin}">'
            f'<Users><User guid="{{AAAAAAAA-0000-0000-0000-000000000001}}" name="Eve Smith"/></Users>'
            f'<CodeBook><Codes><Code guid="BBBBBBBB-0000-0000-0000-000000000001" name="Joy" isCodable="true" color="#f00"/>'
            f'</Codes></CodeBook>{extra}<Sources>{body}</Sources></Project>').encode("utf-8")


def qdpx(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def utf16_span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    prefix = positions.utf16_length(text[:start])
    return prefix, prefix + positions.utf16_length(phrase)


def selection(start: int, end: int, n: int = 1) -> str:
    return (f'<PlainTextSelection guid="cccccccc-0000-0000-0000-00000000000{n}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">'
            f'<Coding guid="dddddddd-0000-0000-0000-00000000000{n}" creatingUser="aaaaaaaa-0000-0000-0000-000000000001">'
            f'<CodeRef targetGUID="{{bbbbbbbb-0000-0000-0000-000000000001}}"/></Coding></PlainTextSelection>')


TEXT = "Mor: Det var 😀 en god dag 👍🏽.\r\nKoordinator: Vi ringede 📞 tilbage samme dag.\r\nMor: Tak 🙏 for det."
PHRASES = ["en god dag", "Vi ringede 📞 tilbage samme dag.", "Tak 🙏 for det."]


@pytest.mark.parametrize("origin", ["SynthQDA 1.0", "NVivo 12.6 (Windows)"])
def test_utf16_positions_with_emoji_and_crlf_import_to_the_right_text(session, origin):
    body = ('<TextSource guid="eeeeeeee-0000-0000-0000-000000000001" name="Interview" '
            'plainTextPath="internal://eeeeeeee-0000-0000-0000-000000000001.txt">'
            + "".join(selection(*utf16_span(TEXT, p), n) for n, p in enumerate(PHRASES, 1)) + "</TextSource>")
    data = qdpx({"project.qde": qde(body, origin),
                 "Sources/EEEEEEEE-0000-0000-0000-000000000001.txt": "\ufeff".encode() + TEXT.encode("utf-8")})
    project, report = import_qdpx(session, data, "synth.qdpx", user=None)
    source = session.scalars(select(Source).where(Source.project_id == project.id)).one()
    assert source.text == TEXT  # BOM gone, CRLF kept
    texts = session.scalars(select(Excerpt.text).where(Excerpt.project_id == project.id)
                            .order_by(Excerpt.start_offset)).all()
    assert texts == PHRASES
    assert any("UTF-16" in w for w in report.warnings)
    coder = session.scalars(select(Coding).join(Excerpt).where(Excerpt.project_id == project.id)).first().coder
    assert (coder.username, coder.password_hash) == ("Eve-Smith", "!")


def test_code_point_positions_with_emoji_stay_as_they_are(session):
    spans = [(TEXT.index(p), TEXT.index(p) + len(p)) for p in PHRASES]
    body = ('<TextSource guid="eeeeeeee-0000-0000-0000-000000000001"><PlainTextContent>'
            + f'{TEXT.replace(chr(13), "&#13;")}</PlainTextContent>'
            + "".join(selection(s, e, n) for n, (s, e) in enumerate(spans, 1)) + "</TextSource>")
    project, report = import_qdpx(session, qdpx({"x.qde": qde(body, "qc 1.3.2", "urn:QDA-XML:project:1:0")}),
                                  "synth.qdpx", user=None)
    texts = session.scalars(select(Excerpt.text).where(Excerpt.project_id == project.id)
                            .order_by(Excerpt.start_offset)).all()
    assert texts == PHRASES
    assert not any("UTF-16" in w for w in report.warnings)
    assert any("namespace" in w.lower() or "Project.xsd" in w for w in report.warnings)


def test_lenient_import_lists_what_it_skips(session):
    body = ('<TextSource guid="eeeeeeee-0000-0000-0000-000000000001" plainTextPath="relative://texts/a.txt">'
            + selection(0, 5, 1) + selection(0, 5, 2) + selection(50, 60, 3)
            + selection(0, 5, 4).replace("bbbbbbbb-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002")
            + '<Coding guid="dddddddd-0000-0000-0000-000000000009"><CodeRef targetGUID="bbbbbbbb-0000-0000-0000-000000000001"/></Coding>'
            '<VariableValue><VariableRef targetGUID="99999999-0000-0000-0000-000000000002"/><TextValue>f</TextValue></VariableValue>'
            '</TextSource><PictureSource guid="eeeeeeee-0000-0000-0000-000000000002" name="photo.jpg">'
            '<PictureSelection guid="cccccccc-0000-0000-0000-000000000009" firstX="0" firstY="0" secondX="1" secondY="1"/>'
            '</PictureSource>')
    extra = ('<Variables><Variable guid="99999999-0000-0000-0000-000000000001" name="Age group" typeOfVariable="Integer"/>'
             '<Variable guid="99999999-0000-0000-0000-000000000002" name="gender" typeOfVariable="Text"/></Variables>'
             '<Cases><Case guid="88888888-0000-0000-0000-000000000001" name="Family 1">'
             '<VariableValue><VariableRef targetGUID="99999999-0000-0000-0000-000000000001"/><IntegerValue>3</IntegerValue></VariableValue>'
             '<SourceRef targetGUID="EEEEEEEE-0000-0000-0000-000000000001"/></Case></Cases>')
    notes = ('<Notes><Note guid="77777777-0000-0000-0000-000000000001" name="Free memo"><PlainTextContent>Remember this'
             '</PlainTextContent></Note></Notes>')
    xml = qde(body, extra=extra).replace(b"</Sources>", b"</Sources>" + notes.encode()).replace(
        b"</Codes>", b'<Code guid="bbbbbbbb-0000-0000-0000-000000000002" name="Folder" isCodable="false"/></Codes>')
    project, report = import_qdpx(session, qdpx({"Trial.qde": xml, "sources/a.txt": b"Hello world, again."}),
                                  "synth.qdpx", user=None)
    assert report.imported["excerpts"] == 1 and report.imported["codings"] == 1  # same span repeated: one excerpt
    reasons = " | ".join(f"{s.item}: {s.reason}" for s in report.skipped)
    assert "PictureSource 'photo.jpg' (1 selections)" in reasons and "text only" in reasons
    assert "50-60" in reasons and "coding(s) of the whole source" in reasons
    assert "already put code" in reasons and "Source variable 'gender'" in reasons
    assert "code 'Folder' by Eve" in reasons and "is a folder and cannot be applied" in reasons
    case = session.scalars(select(Case).where(Case.project_id == project.id)).one()
    assert (case.key, case.municipality, [a.value for a in case.attributes]) == ("Family-1", "(unknown)", [3])
    assert [s.title for s in case.sources] == ["a"]
    assert "Remember this" in project.description
    assert report.found["selections"] == 4 and report.found["codings"] == 5
