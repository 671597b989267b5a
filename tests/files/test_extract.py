"""Uploaded files -> plain text: every format, every encoding, and a clear error for each bad file."""
from __future__ import annotations

import codecs
import hashlib
import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from casecoder.files.extract import MB, SUPPORTED, Extracted, extract_text
from casecoder.kernel.errors import InvalidInput
from tests.files.extract_files import HEJ, NS, ODT_TEXT, RECTANGLE, make_docx, make_odt, make_pdf, make_zip

LIMIT = 10 * MB
DANISH = "Søren får æbler"


def extract(name: str, data: bytes, max_bytes: int = LIMIT) -> Extracted:
    return extract_text(name, data, max_bytes)


def refused(name: str, data: bytes, max_bytes: int = LIMIT) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        extract_text(name, data, max_bytes)
    exc = info.value
    assert exc.field == "file"
    assert exc.params["name"] == name and f"'{name}'" in exc.message, "every message names the file"
    assert "{name}" in exc.template, "a template for the translator, not a formatted string"
    return exc


# -- real files from ../shared -----------------------------------------------------------------

def test_shared_docx(shared_dir: Path):
    data = (shared_dir / "transcripts" / "qualcoder_ID1.docx").read_bytes()
    result = extract("qualcoder_ID1.docx", data)
    assert result.format == "docx" and result.encoding is None
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert "€200." in result.text
    assert result.text.startswith("I really like learning new things.")
    assert "like a duck to water for me - no problem at all." in result.text
    assert result.text.count("\n") == 2  # three paragraphs (a trailing empty one is stripped)


def test_shared_odt(shared_dir: Path):
    data = (shared_dir / "transcripts" / "qualcoder_ID2.odt").read_bytes()
    result = extract("qualcoder_ID2.odt", data)
    assert result.format == "odt"
    assert result.text.startswith("I have not studied much before, but my father Joe Bloggs really encouraged")
    assert "sit down with me and explain the course material.\n" in result.text
    assert result.text.endswith("The course cost €200.00 and I do not want to waste my money.")


def test_shared_txt_files_are_kept_as_they_are(shared_dir: Path):
    files = sorted((shared_dir / "transcripts").glob("*.txt"))
    assert len(files) >= 3
    for path in files:
        data = path.read_bytes()
        result = extract(path.name, data)
        assert (result.format, result.encoding) == ("txt", "utf-8")
        assert result.text == data.decode("utf-8").rstrip()


# -- .txt ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "encoding"), [
    (DANISH.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + DANISH.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + DANISH.encode("utf-16-le"), "utf-16"),
    (codecs.BOM_UTF16_BE + DANISH.encode("utf-16-be"), "utf-16"),
    (DANISH.encode("cp1252"), "cp1252"),
], ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "cp1252"])
def test_txt_encodings(data: bytes, encoding: str):
    result = extract("interview.txt", data)
    assert result.text == DANISH  # no BOM, no mojibake
    assert result.encoding == encoding and result.format == "txt"
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_utf8_is_tried_before_cp1252():
    assert extract("a.txt", "æøå ÆØÅ".encode("utf-8")).text == "æøå ÆØÅ"


def test_line_endings_are_normalised_and_nothing_else():
    data = "Interviewer:  Hej\r\n\r\nIP:\tJa  tak \rslut \u00e5 vs a\u030a\r\n\r\n".encode("utf-8")
    assert extract("crlf.TXT", data).text == "Interviewer:  Hej\n\nIP:\tJa  tak \nslut \u00e5 vs a\u030a"


def test_emoji_and_utf16_surrogates_are_single_code_points():
    data = codecs.BOM_UTF16_LE + "Hej 😀 du".encode("utf-16-le")
    text = extract("emoji.txt", data).text
    assert text == "Hej 😀 du" and len(text) == 8


@pytest.mark.parametrize("data", [b"abc\x00def", b"abc\x81def", b"\x00\x81\x8d\xff", b"S\xf8ren\x01",
                                  codecs.BOM_UTF8 + b"S\xf8ren", codecs.BOM_UTF16_LE + b"a\x00b",
                                  codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le")],
                         ids=["nul", "undefined-cp1252", "binary", "control", "bad-utf-8-after-bom",
                              "odd-utf-16", "utf-16-nul"])
def test_undecodable_txt(data: bytes):
    exc = refused("binary.txt", data)
    assert exc.message == ("'binary.txt' could not be decoded as text (UTF-8, UTF-16 or Windows-1252); "
                           "is it a text file?")
    assert exc.params["detail"]


# -- .docx --------------------------------------------------------------------------------------

def test_docx_keeps_tables_in_place_and_emoji():
    def build(document):  # type: ignore[no-untyped-def]
        document.add_paragraph("Første afsnit 😀")
        table = document.add_table(rows=2, cols=2)
        for r, row in enumerate(["ab", "cd"]):
            for c, letter in enumerate(row):
                table.cell(r, c).text = f"celle {letter}"
        paragraph = document.add_paragraph("Sidste ")
        run = paragraph.add_run("afsnit")
        run.add_tab()
        run.add_text("med tab")
        run.add_break()
        run.add_text("og linjeskift")

    result = extract("interview.docx", make_docx(build))
    assert result.text == ("Første afsnit 😀\ncelle a\tcelle b\ncelle c\tcelle d\n"
                           "Sidste afsnit\tmed tab\nog linjeskift")


def test_docx_merged_and_nested_cells_lose_nothing():
    def build(document):  # type: ignore[no-untyped-def]
        table = document.add_table(rows=2, cols=2)
        merged = table.cell(0, 0).merge(table.cell(0, 1))
        merged.text = "flettet"
        table.cell(1, 0).text = "x"
        inner = table.cell(1, 1).add_table(rows=1, cols=2)
        inner.cell(0, 0).text = "indre 1"
        inner.cell(0, 1).text = "indre 2"

    text = extract("tabel.docx", make_docx(build)).text
    assert text.count("flettet") == 1
    assert text.index("flettet") < text.index("x") < text.index("indre 1") < text.index("indre 2")


def test_docx_links_insertions_content_controls_but_not_deletions():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    change = 'w:author="a" w:date="2026-01-01T00:00:00Z"'
    paragraph = (f'<w:p {nsdecls("w", "r")}><w:r><w:t xml:space="preserve">Se </w:t></w:r>'
                 '<w:hyperlink r:id="rId99"><w:r><w:t>linket</w:t></w:r></w:hyperlink>'
                 f'<w:ins w:id="1" {change}><w:r><w:t xml:space="preserve"> tilføjet</w:t></w:r></w:ins>'
                 f'<w:del w:id="2" {change}><w:r><w:delText> slettet</w:delText></w:r></w:del>'
                 '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r>'
                 '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    control = (f'<w:sdt {nsdecls("w")}><w:sdtPr><w:alias w:val="Titel"/></w:sdtPr><w:sdtContent>'
               "<w:p><w:r><w:t>I en indholdskontrol</w:t></w:r></w:p></w:sdtContent></w:sdt>")

    def build(document):  # type: ignore[no-untyped-def]
        document.add_paragraph("Slut")
        document.element.body.insert(0, parse_xml(control))
        document.element.body.insert(0, parse_xml(paragraph))

    assert extract("links.docx", make_docx(build)).text == "Se linket tilføjet7\nI en indholdskontrol\nSlut"


def test_whitespace_only_docx():
    data = make_docx(lambda d: (d.add_paragraph("   "), d.add_paragraph(""), d.add_paragraph("\t")))
    assert refused("tom.docx", data).message == "'tom.docx' contains no text"


@pytest.mark.parametrize("data", [os.urandom(2000), make_zip({"word/other.xml": b"<x/>"}),
                                  make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<no"})],
                         ids=["random-bytes", "zip-without-document", "broken-package"])
def test_corrupt_docx(data: bytes):
    assert refused("rapport.docx", data).message == "'rapport.docx' is not a valid Word document (.docx)"


def test_zip_bomb_is_refused():
    data = make_zip({"word/document.xml": b" " * (4 * MB)})
    assert len(data) < 64 * 1024
    exc = refused("bombe.docx", data, max_bytes=64 * 1024)
    assert exc.message == "'bombe.docx' is too large when unpacked"


# -- .odt ---------------------------------------------------------------------------------------

def test_odt_spaces_tabs_breaks_tables_lists():
    result = extract("interview.odt", make_odt())
    assert result.text == ODT_TEXT
    assert result.format == "odt" and result.encoding is None


def test_odt_collapses_xml_white_space_across_elements_like_the_standard():
    body = ('<text:p> a  <text:span> b </text:span>\n c<text:s text:c="2"/> </text:p>'
            "<text:p>  </text:p><text:p>x</text:p>")
    assert extract("mellemrum.odt", make_odt(body)).text == "a b c  \n\nx"


def test_odt_skips_notes_and_annotations_only():
    body = ('<text:p>Før<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            "<text:note-body><text:p>fodnote</text:p></text:note-body></text:note> efter</text:p>")
    assert extract("noter.odt", make_odt(body)).text == "Før efter"


def test_odt_text_boxes_and_odd_space_counts():
    draw = 'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" ' \
           'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
    body = (f'<text:p {draw}>Før<draw:frame><svg:title>Billedtitel</svg:title><draw:text-box>'
            '<text:p>i boksen</text:p></draw:text-box></draw:frame> efter<text:s text:c="x"/>|'
            '<text:s text:c="0"/>|</text:p>\n<text:p>   Rå    mellemrum\n  i XML   </text:p>')
    assert extract("boks.odt", make_odt(body)).text == "Før\ni boksen\nefter | |\nRå mellemrum i XML"


@pytest.mark.parametrize("data", [
    os.urandom(1000),
    make_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
    make_odt(content="<office:document-content"),
    make_odt(content=f'<!DOCTYPE x [<!ENTITY a "aaaa">]><office:document-content {NS}>&a;</office:document-content>'),
    make_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}),
], ids=["random-bytes", "no-content", "broken-xml", "xml-entities", "spreadsheet"])
def test_corrupt_odt(data: bytes):
    assert refused("notat.odt", data).message == "'notat.odt' is not a valid OpenDocument text (.odt)"


# -- .pdf ---------------------------------------------------------------------------------------

def test_pdf_with_text_layer():
    data = make_pdf(HEJ, b"BT /F1 12 Tf 72 700 Td (Side to) Tj ET")
    assert PdfReader(io.BytesIO(data)).pages[0]  # the hand-made PDF is valid
    result = extract("scan.pdf", data)
    assert result.text == "Hej verden\n\nSide to"
    assert result.format == "pdf" and result.sha256 == hashlib.sha256(data).hexdigest()


def test_pdf_without_text_layer():
    exc = refused("scan.pdf", make_pdf(RECTANGLE))
    assert exc.message == ("'scan.pdf' has no text layer (a scanned PDF?); run text recognition (OCR) on it "
                           "first")


@pytest.mark.parametrize("data", [b"%PDF-1.4\n%\xe2", b"%PDF-", make_pdf(HEJ)[:300], b"hello world"],
                         ids=["header-only", "five-bytes", "truncated", "not-pdf"])
def test_corrupt_pdf(data: bytes):
    assert refused("rapport.pdf", data).message == "'rapport.pdf' is not a readable PDF file"


def encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(HEJ))))
    writer.encrypt(user_password=user_password, owner_password="ejer", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_with_a_password():
    exc = refused("hemmelig.pdf", encrypted("hemmelig"))
    assert exc.message == "'hemmelig.pdf' is password-protected; remove the protection and upload it again"


def test_pdf_with_only_an_owner_password_is_read():
    assert extract("laast.pdf", encrypted("")).text == "Hej verden"


# -- .rtf ---------------------------------------------------------------------------------------

RTF = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}\f0\pard S\'f8ren f\'e5r \'e6bler \u8364?5\par"
       b"\r\n" rb"Linje\tab to\par}")


def test_rtf():
    result = extract("notat.rtf", RTF)
    assert result.text == "Søren får æbler €5\nLinje\tto"
    assert result.format == "rtf" and result.encoding is None


def test_rtf_without_header():
    assert refused("notat.rtf", b"Bare tekst, ikke RTF").message == "'notat.rtf' is not an RTF file"


# -- rules for every file ------------------------------------------------------------------------

@pytest.mark.parametrize("ext", SUPPORTED)
def test_empty_file(ext: str):
    assert refused(f"tom{ext}", b"").message == f"'tom{ext}' is empty"


def test_whitespace_only_txt():
    assert refused("tom.txt", b" \r\n\t\n").message == "'tom.txt' contains no text"
    assert refused("bom.txt", codecs.BOM_UTF8).message == "'bom.txt' contains no text"


def test_too_large():
    exc = refused("stor.txt", b"x" * (MB + MB // 2), max_bytes=MB)
    assert exc.message == "'stor.txt' is 1.5 MB; files may be at most 1 MB"
    exc = refused("stor.pdf", b"x" * (MB + 1), max_bytes=MB)
    assert exc.message == "'stor.pdf' is 1.01 MB; files may be at most 1 MB"
    assert extract("netop.txt", b"x" * MB, max_bytes=MB).text == "x" * MB


@pytest.mark.parametrize("name", ["interview.doc", "data.xlsx", "README", "billede.png"])
def test_unsupported_type(name: str):
    exc = refused(name, b"whatever")
    assert exc.message == f"'{name}' is not a supported file type; supported types are: .txt, .docx, .odt, .pdf, .rtf"


def test_extension_is_case_insensitive():
    assert extract("NOTAT.RTF", RTF).format == "rtf"
    assert extract("Interview.Odt", make_odt()).text == ODT_TEXT


def test_errors_translate_through_their_template():
    exc = refused("tom.txt", b"")
    assert exc.render(lambda s: s.replace("is empty", "er tom")) == "'tom.txt' er tom"
