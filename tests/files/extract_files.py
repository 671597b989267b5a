"""Small valid (and not so valid) .pdf, .docx and .odt files that test_extract.py builds in memory."""
from __future__ import annotations

import io
import zipfile

import docx


def make_pdf(*page_contents: bytes) -> bytes:
    """A minimal valid PDF, one page per content stream, Helvetica as F1; xref offsets computed."""
    n = len(page_contents)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, content in enumerate(page_contents):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


HEJ = b"BT /F1 24 Tf 72 720 Td (Hej verden) Tj ET"
RECTANGLE = b"0 0 1 rg 100 100 200 200 re f"


def make_docx(build) -> bytes:  # type: ignore[no-untyped-def]
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:xlink="http://www.w3.org/1999/xlink"')
ODT_BODY = """
<text:h text:outline-level="1">Interview F01</text:h>
<text:p>Interviewer:<text:s/>Hej<text:s text:c="3"/>med<text:tab/>dig<text:line-break/>ny linje</text:p>
<table:table table:name="T1">
  <table:table-column table:number-columns-repeated="2"/>
  <table:table-row><table:table-cell><text:p>a1</text:p></table:table-cell>
    <table:table-cell><text:p>b1</text:p></table:table-cell></table:table-row>
  <table:table-row><table:table-cell><text:p>a2</text:p></table:table-cell>
    <table:table-cell><text:p>b2</text:p></table:table-cell></table:table-row>
</table:table>
<text:list><text:list-item><text:p>punkt <text:span>én</text:span></text:p></text:list-item>
  <text:list-item><text:p>punkt <text:a xlink:href="https://x.dk">to</text:a></text:p></text:list-item></text:list>
<text:p>Slut 😀 €</text:p>
"""
ODT_TEXT = "Interview F01\nInterviewer: Hej   med\tdig\nny linje\na1\tb1\na2\tb2\npunkt én\npunkt to\nSlut 😀 €"


def make_odt(body: str = ODT_BODY, content: str | None = None) -> bytes:
    if content is None:
        content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {NS} office:version="1.2">'
                   f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()
