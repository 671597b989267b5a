"""files/docx_xml.Body: paragraphs spliced into the saved document.xml as text are the bytes the parsed
elements give (also when the document already holds the marker text, which takes the parsed way)."""
from __future__ import annotations

import io

from casecoder.files.docx_xml import _MARKER_TEXT, Body
from casecoder.files.office import a4_document
from casecoder.files.ooxml import deterministic_zip


def _body() -> Body:
    out = Body()
    for text in ("Første afsnit & <mere>", " mellemrum ", "fane\tog\nlinje\r\nslut", "", "😀 æøå"):
        out.paragraph()
        out.run_text(text, "<w:rPr><w:b/></w:rPr>")
        out.lines(text or "x", '<w:rPr><w:i w:val="0"/></w:rPr>')
        out.end()
    return out


def _parsed_way(title: str) -> bytes:
    document = a4_document()
    document.add_paragraph(title)
    _body().into(document.element.body)
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue())


def test_spliced_text_is_the_bytes_of_the_parsed_paragraphs():
    for title in ("Citatbank", _MARKER_TEXT):
        document = a4_document()
        document.add_paragraph(title)  # the marker's own paragraph: found twice, so parsed
        assert _body().save(document) == _parsed_way(title), title
