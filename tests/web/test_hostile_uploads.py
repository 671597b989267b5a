"""Issue #10, "Hostile and broken input — each gets a clear message, nothing stored is lost": the uploads.

Every test runs on SQLite and PostgreSQL (``db_url``), through the real HTTP client with real CSRF
tokens. Each hostile input must get a 4xx answer whose page/JSON names what was wrong, and the database
must be exactly as before (``snapshot``: the row count of every table plus every source's text and
every project's title). Imports are all or nothing.

Issue item -> tests (this file: uploads; ``test_hostile_requests.py``: the rest)

- Oversized uploads (> MAX_CONTENT_LENGTH: 413 page/JSON; one file > MAX_UPLOAD_MB: 400 naming it) ->
  ``test_oversized_request_to_every_upload_endpoint_gets_413``, ``test_file_over_the_upload_limit_is_named``;
  core: test_extract.py::test_too_large.
- Wrong file types behind right extensions (PNG/random bytes as .docx/.qdc/.csv, text as .zip/.qdpx, a zip as
  .odt, binary garbage as .txt) -> ``test_wrong_type_behind_the_right_extension``; also
  test_workbench_web.py::test_bad_files_get_a_clear_message_and_store_nothing, test_extract.py::test_corrupt_*.
- Corrupt zip (truncated; an entry with a bad CRC or broken deflate data) / corrupt docx and odt (truncated,
  without word/document.xml or content.xml) -> ``test_corrupt_archives``,
  ``test_corrupt_member_inside_a_bundle_names_the_file``.
- XML bombs (billion laughs) and XXE (/etc/passwd) in .qdpx project.qde, .qdc, docx document.xml, .odt
  content.xml -> ``test_xml_bombs_and_external_entities_are_refused``; core: test_refi.py::
  test_broken_archives_and_xml_are_refused, test_extract.py::test_corrupt_odt.
- Zip-slip (``../evil.txt``, absolute paths) in a bundle and a .qdpx -> ``test_zip_slip_is_refused_and_writes_nothing``;
  core: test_refi.py::test_zip_slip_and_absolute_paths_are_refused.
- Zip bombs in a bundle, a .qdpx and a .docx -> ``test_zip_bombs_are_refused``; core: test_extract.py::
  test_zip_bomb_is_refused, test_refi.py::test_decompression_bombs_and_too_many_entries_are_refused.
- A 5 MB single-line transcript -> ``test_five_megabyte_single_line_transcript`` (upload, workbench, search),
  test_turns.py::``test_split_turns_on_one_long_line``,
  test_transcripts.py::``test_editing_a_long_transcript_is_not_quadratic``; how long they take: bench/hostile.py.
- The same hostile files through the CLI (ClickException, nothing stored) -> ``test_cli_imports_refuse_hostile_files``.
- CSV injection (``=``, ``+``, ``-``, ``@`` neutralised in every CSV/XLSX written) -> test_report_export.py
  (``neutralise``), test_project_bundle.py (``CSV injection is neutralised on export``).
- Offsets out of range/reversed/negative/non-integer/bool; excerpt on a deleted source; code keys and user text
  with markup (never rendered unescaped); 10,000 codes; another project's object by id (404 on every route);
  missing CSRF token on every state-changing route -> ``test_hostile_requests.py`` (see its docstring).
"""
from __future__ import annotations

import hashlib
import html
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bench.hostile import ONE_LINE
from casecoder.models import Base, Project, Source
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.web.test_workbench_web import docx_bytes

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
GARBAGE = bytes([0x81, 0x8d, 0x8f, 0x90, 0x9d, 0x00, 0xff, 0xfe]) * 200  # not UTF-8, UTF-16 or cp1252 text
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
ODT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
XXE_DTD = '<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS_DTD = ('<!DOCTYPE {root} [<!ENTITY lol0 "lollollollollollollollollollol">'
              + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>")
PASSWD_MARKERS = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin", "daemon:")


# -- helpers ----------------------------------------------------------------------------------------

@pytest.fixture
def small(client, factory, session):  # type: ignore[no-untyped-def]
    """Project ``demo`` (default codebook, a case, a transcript, an excerpt) owned by the site admin ``admin``,
    who is logged in on ``client``. Much faster than the full demo, which these tests do not need."""
    owner = factory.user("admin", admin=True)
    project = factory.project("demo", owner)
    case = factory.case(project)
    source = factory.source(project, [case])
    factory.excerpt(owner, source, "Min koordinator ringede altid tilbage samme dag.",
                    [(factory.code(project, "H1.4"), "supports")])
    session.commit()
    login(client, "admin", PASSWORD)
    return project


def snapshot(engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The row count of every table, every source's text (hashed) and every project's title; not the
    import jobs, whose row records that an import was refused (issue #25)."""
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                  if t.name != "import_jobs"}
        texts = {i: hashlib.sha256(t.encode()).hexdigest() for i, t in conn.execute(select(Source.id, Source.text))}
        titles = dict(conn.execute(select(Project.id, Project.title)).all())
    return {"counts": counts, "texts": texts, "titles": titles}


def zip_of(entries: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buffer.getvalue()



def replaced(archive: bytes, name: str, content: bytes | str | None) -> bytes:
    """``archive`` with the entry ``name`` replaced (or dropped when ``content`` is None)."""
    entries: dict[str, bytes | str] = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        for info in zf.infolist():
            entries[info.filename] = zf.read(info)
    if content is None:
        del entries[name]
    else:
        entries[name] = content
    return zip_of(entries)


def docx_with(document_xml: str) -> bytes:
    return replaced(docx_bytes("Hej"), "word/document.xml", document_xml)


def odt_with(content_xml: str) -> bytes:
    return zip_of({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content_xml})


def hostile_docx(dtd: str, body: str) -> bytes:
    return docx_with(f'<?xml version="1.0"?>{dtd.format(root="w:document")}<w:document {W_NS}><w:body>'
                     f"<w:p><w:r><w:t>Hej {body} slut</w:t></w:r></w:p></w:body></w:document>")


def hostile_odt(dtd: str, body: str) -> bytes:
    return odt_with(f'<?xml version="1.0"?>{dtd.format(root="office:document-content")}'
                    f"<office:document-content {ODT_NS}><office:body><office:text><text:p>Hej {body}</text:p>"
                    "</office:text></office:body></office:document-content>")


def hostile_xml(dtd: str, root: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>{dtd.format(root=root)}'
            f'<{root} xmlns="urn:QDA-XML:{"project" if root == "Project" else "codebook"}:1.0" name="{body}">'
            f"<Description>{body}</Description></{root}>").encode()


# endpoint -> (url to post to, page that hands out the CSRF token, file field, other fields, answers JSON)
ENDPOINTS = {
    "transcript-api": ("/api/p/demo/transcripts", "/p/demo/transcripts/new", "files", {"perspective": "family"}, True),
    "transcript-form": ("/p/demo/transcripts/new", "/p/demo/transcripts/new", "files", {"perspective": "family"},
                        False),
    "bundle": ("/p/demo/import-bundle", "/p/demo/import-bundle", "file", {}, False),
    "qdc": ("/p/demo/import-qdc", "/p/demo/import-qdc", "file", {}, False),
    "qdpx": ("/projects/import-qdpx", "/projects/import-qdpx", "file", {}, False),
    "registrations": ("/p/demo/registrations", "/p/demo/registrations", "file", {}, False),
}


def post_file(client, endpoint: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    url, page, field, fields, _json = ENDPOINTS[endpoint]
    token = csrf_token(client, page)
    # encoded in memory: the test client would spool a large body to a temporary file it never closes
    boundary, body = encode_multipart({"csrf_token": token, **fields,
                                       field: FileStorage(io.BytesIO(data), filename=name)})
    return client.post(url, data=body, headers={"X-CSRFToken": token},
                       content_type=f"multipart/form-data; boundary={boundary}")


def message_of(response) -> str:  # type: ignore[no-untyped-def]
    """What the user reads: the JSON error, or the page's text with HTML entities decoded."""
    if response.is_json:
        return response.get_json()["error"]
    return html.unescape(response.get_data(as_text=True))


def refused(client, engine, endpoint: str, name: str, data: bytes, *expected: str, status: int = 400) -> str:  # type: ignore[no-untyped-def]
    """Post a hostile file: ``status``, every ``expected`` text in the answer, the database unchanged."""
    before = snapshot(engine)
    response = post_file(client, endpoint, name, data)
    text = message_of(response)
    assert response.status_code == status, (endpoint, name, response.status_code, text[:2000])
    for part in expected:
        assert part in text, (endpoint, name, part, text[:3000])
    assert not any(marker in text for marker in PASSWD_MARKERS)
    assert snapshot(engine) == before, f"{endpoint} {name}: the database changed"
    return text


# -- oversized -----------------------------------------------------------------------------------------

# The cases of one test share its project and login: each refusal leaves the database as it was (``refused``
# checks), so the next case starts from the same state; the failing case is named in the assertion.

def test_oversized_request_to_every_upload_endpoint_gets_413(app, client, small, engine):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    for endpoint in sorted(ENDPOINTS):
        name = {"bundle": "b.zip", "qdc": "c.qdc", "qdpx": "p.qdpx", "registrations": "r.csv"}.get(endpoint, "t.txt")
        text = refused(client, engine, endpoint, name, b"Interviewer: hej\n" * 10_000, "larger than the limit of",
                       status=413)
        assert "MB" in text, endpoint


def test_file_over_the_upload_limit_is_named(app, client, small, engine):
    app.config["MAX_UPLOAD_MB"] = 1  # the request limit stays 21 MB: the file itself is checked
    refused(client, engine, "transcript-api", "stor.txt", b"Interviewer: hej\n" * 70_000,
            "'stor.txt' is 1.14 MB; files may be at most 1 MB")


# -- wrong types, corrupt archives ------------------------------------------------------------------------

WRONG_TYPES = [
    ("transcript-api", "billede.docx", PNG, "'billede.docx' is not a valid Word document (.docx)"),
    ("transcript-api", "tilfældig.docx", bytes(range(256)) * 16, "'tilfældig.docx' is not a valid Word document"),
    ("transcript-api", "pakke.odt", zip_of({"a.txt": "hej"}), "'pakke.odt' is not a valid OpenDocument text"),
    ("transcript-api", "word.odt", docx_bytes("Hej"), "'word.odt' is not a valid OpenDocument text"),
    ("transcript-api", "binær.txt", GARBAGE, "'binær.txt' could not be decoded as text"),
    ("transcript-api", "billede.pdf", PNG, "'billede.pdf' is not a readable PDF file"),
    ("transcript-api", "billede.rtf", PNG, "'billede.rtf' is not an RTF file"),
    ("transcript-form", "billede.docx", PNG, "'billede.docx' is not a valid Word document (.docx)"),
    ("bundle", "tekst.zip", b"codes.csv\nthis is text, not a zip\n", "'tekst.zip' is not a valid .zip file"),
    ("bundle", "billede.zip", PNG, "'billede.zip' is not a valid .zip file"),
    ("qdpx", "tekst.qdpx", b"<Project/> as plain text", "'tekst.qdpx' is not a valid .zip file"),
    ("qdpx", "tom.qdpx", zip_of({"readme.txt": "no project"}), "'tom.qdpx' must hold exactly one .qde file"),
    ("qdc", "billede.qdc", PNG, "'billede.qdc' is not well-formed XML"),
    ("qdc", "tekst.qdc", b"just some words", "'tekst.qdc' is not well-formed XML: line 1"),
    ("registrations", "billede.csv", PNG, "billede.csv"),
    ("registrations", "binær.csv", GARBAGE, "binær.csv"),
]


def test_wrong_type_behind_the_right_extension(client, small, engine):
    for endpoint, name, data, message in WRONG_TYPES:
        refused(client, engine, endpoint, name, data, message)


def _truncated_zip() -> bytes:
    data = zip_of({"codes.csv": "code_key,kind,label_da,label_en\n" + "x" * 5000})
    return data[: len(data) // 2]


def _damaged_member(name: str, compression: int) -> bytes:
    """A zip whose directory is intact but whose one entry's data is damaged (bad CRC or broken deflate data)."""
    data = bytearray(zip_of({name: "case_key,municipality\n" + "".join(f"F{i},Nordby\n" for i in range(3000))},
                            compression))
    start = 30 + len(name) + 10  # after the local header of the first (only) entry
    for i in range(start, start + 40):
        data[i] ^= 0x5A
    return bytes(data)


CORRUPT = [  # the files carry the time they were made: ids by name, the same on every xdist worker
    ("bundle", "halv.zip", _truncated_zip(), "'halv.zip' is not a valid .zip file"),
    ("bundle", "crc.zip", _damaged_member("cases.csv", zipfile.ZIP_STORED),
     "The entry 'cases.csv' cannot be read (Bad CRC-32"),
    ("bundle", "inflate.zip", _damaged_member("cases.csv", zipfile.ZIP_DEFLATED),
     "The entry 'cases.csv' cannot be read (Error -3 while decompressing"),
    ("qdpx", "crc.qdpx", _damaged_member("project.qde", zipfile.ZIP_STORED),
     "'crc.qdpx': the entry 'project.qde' cannot be read (Bad CRC-32"),
    ("qdpx", "inflate.qdpx", _damaged_member("project.qde", zipfile.ZIP_DEFLATED),
     "'inflate.qdpx': the entry 'project.qde' cannot be read (Error -3 while decompressing"),
    ("qdpx", "halv.qdpx", _truncated_zip(), "'halv.qdpx' is not a valid .zip file"),
    ("transcript-api", "halv.docx", docx_bytes("Hej med dig")[:2000], "'halv.docx' is not a valid Word document"),
    ("transcript-api", "uden.docx", replaced(docx_bytes("Hej"), "word/document.xml", None),
     "'uden.docx' is not a valid Word document"),
    ("transcript-api", "halv.odt", odt_with("<office:document-content")[:60], "'halv.odt' is not a valid OpenDocument"),
    ("transcript-api", "uden.odt", zip_of({"mimetype": "application/vnd.oasis.opendocument.text"}),
     "'uden.odt' is not a valid OpenDocument text"),
]


def test_corrupt_archives(client, small, engine):
    for endpoint, name, data, message in CORRUPT:
        refused(client, engine, endpoint, name, data, message)


def test_corrupt_member_inside_a_bundle_names_the_file(client, small, engine):
    """A bundle whose transcript is a PNG named .docx: nothing of the bundle is stored."""
    bundle = zip_of({
        "cases.csv": "case_key,municipality\nF99,Nordby\n",
        "sources.csv": "source_key,file,title,perspective,case_keys\nS99,texts/a.docx,A,family,F99\n",
        "texts/a.docx": PNG,
    })
    refused(client, engine, "bundle", "b.zip", bundle, "texts/a.docx", "is not a valid Word document")


# -- XML bombs and external entities ----------------------------------------------------------------------

def _qdpx(qde: bytes) -> bytes:
    return zip_of({"project.qde": qde})


@pytest.mark.parametrize("kind", ["xxe", "laughs"])
def test_xml_bombs_and_external_entities_are_refused(client, small, engine, kind):
    for where in ("qdpx", "qdc", "docx", "odt", "bundle-docx"):
        _xml_bomb_refused(client, engine, kind, where)


def _xml_bomb_refused(client, engine, kind: str, where: str) -> None:  # type: ignore[no-untyped-def]
    dtd, body = (XXE_DTD, "&xxe;") if kind == "xxe" else (LAUGHS_DTD, "&lol9;")
    if where == "qdpx":
        refused(client, engine, "qdpx", "ond.qdpx", _qdpx(hostile_xml(dtd, "Project", body)),
                "'project.qde' declares XML entities or external references, which are refused")
    elif where == "qdc":
        refused(client, engine, "qdc", "ond.qdc", hostile_xml(dtd, "CodeBook", body),
                "'ond.qdc' declares XML entities or external references, which are refused")
    elif where == "docx":
        refused(client, engine, "transcript-api", "ond.docx", hostile_docx(dtd, body),
                "'ond.docx' is not a valid Word document (.docx)")
    elif where == "odt":
        refused(client, engine, "transcript-api", "ond.odt", hostile_odt(dtd, body),
                "'ond.odt' is not a valid OpenDocument text (.odt)")
    else:
        bundle = zip_of({
            "cases.csv": "case_key,municipality\nF99,Nordby\n",
            "sources.csv": "source_key,file,title,perspective,case_keys\nS99,texts/a.docx,A,family,F99\n",
            "texts/a.docx": hostile_docx(dtd, body),
        })
        refused(client, engine, "bundle", "b.zip", bundle, "texts/a.docx", "is not a valid Word document")


# -- zip-slip and zip bombs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", ["bundle", "qdpx"])
def test_zip_slip_is_refused_and_writes_nothing(client, small, engine, tmp_path, monkeypatch, endpoint):
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    for entry in ("../evil.txt", "texts/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt"):
        entries: dict[str, bytes | str] = {"cases.csv": "case_key,municipality\nF99,Nordby\n", entry: b"evil"}
        if endpoint == "qdpx":
            entries = {"project.qde": hostile_xml("", "Project", "x"), entry: b"evil"}
        name = "slip.zip" if endpoint == "bundle" else "slip.qdpx"
        refused(client, engine, endpoint, name, zip_of(entries), entry, "absolute path or '..'")
        assert not list(tmp_path.rglob("evil.txt")) and not Path("/tmp/evil.txt").exists(), entry


def test_zip_bombs_are_refused(app, client, small, engine):
    app.config["MAX_UPLOAD_MB"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # so a bundle or .qdpx may unpack to 20 MB
    zeros = b"\0" * (24 * 1024 * 1024)
    bundle = zip_of({"cases.csv": "case_key,municipality\nF99,Nordby\n", "texts/zeros.txt": zeros})
    assert len(bundle) < 100_000
    refused(client, engine, "bundle", "bombe.zip", bundle, "unpacks to more than 20 MB")
    refused(client, engine, "qdpx", "bombe.qdpx",
            zip_of({"project.qde": hostile_xml("", "Project", "x"), "sources/zeros.txt": zeros}),
            "'bombe.qdpx' was refused: it unpacks to more than 20 MB")
    bomb_docx = replaced(docx_bytes("Hej"), "word/document.xml", b" " * (60 * 1024 * 1024))
    refused(client, engine, "transcript-api", "bombe.docx", bomb_docx, "'bombe.docx' is too large when unpacked")


# -- a 5 MB transcript on one line ------------------------------------------------------------------------

# How long this takes is benchmark 8 (bench/hostile.py), not a test: the test checks what it gives.

def test_five_megabyte_single_line_transcript(client, small, engine, session):
    text = ONE_LINE
    data = text.encode()
    assert 5 * 1024 * 1024 < len(data) < 6 * 1024 * 1024 and "\n" not in text
    response = post_file(client, "transcript-api", "lang.txt", data)
    assert response.status_code == 201, message_of(response)[:500]
    source_id = response.get_json()["id"]
    page = client.get(f"/p/demo/sources/{source_id}")
    assert page.status_code == 200
    assert "<b>hurtigt</b>" not in page.get_data(as_text=True)  # the text goes into the page as escaped JSON
    found = client.get("/p/demo/search?q=hurtigt")
    assert found.status_code == 200 and "Interviewperson" in found.get_data(as_text=True)
    assert session.get(Source, source_id).text == text.rstrip()


# -- the same files through the command line: a ClickException naming the problem, nothing stored ----------

HOSTILE_CLI = [
    (["import-bundle", "demo"], "slip.zip", zip_of({"cases.csv": "case_key,municipality\nF9,N\n", "../evil.txt": "x"}),
     "The entry '../evil.txt' has an absolute path or '..'; it is refused"),
    (["import-bundle", "demo"], "tekst.zip", b"not a zip", "'tekst.zip' is not a valid .zip file"),
    (["import-qdpx"], "ond.qdpx", zip_of({"project.qde": hostile_xml(XXE_DTD, "Project", "&xxe;")}),
     "'project.qde' declares XML entities or external references, which are refused"),
    (["import-qdpx"], "slip.qdpx", zip_of({"project.qde": hostile_xml("", "Project", "x"), "/etc/evil.txt": "x"}),
     "'slip.qdpx' was refused: the entry '/etc/evil.txt' has an absolute path or '..'"),
    (["import-qdc", "demo"], "ond.qdc", hostile_xml(LAUGHS_DTD, "CodeBook", "&lol9;"),
     "'ond.qdc' declares XML entities or external references, which are refused"),
    (["import-registrations", "demo"], "binær.csv", GARBAGE, "binær.csv"),
]


def test_cli_imports_refuse_hostile_files(runner, small, engine, tmp_path):
    for args, name, data, message in HOSTILE_CLI:
        path = tmp_path / name
        path.write_bytes(data)
        before = snapshot(engine)
        result = runner.invoke(args=[*args, str(path)])
        output = result.output  # (Click 8.2: stdout and stderr interleaved)
        assert result.exit_code == 1 and "Error:" in output and message in output, (name, output)
        assert not any(marker in output for marker in PASSWD_MARKERS), name
        assert snapshot(engine) == before, name
        assert not (tmp_path.parent / "evil.txt").exists(), name
