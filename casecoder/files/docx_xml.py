"""Word paragraphs and table rows written as XML text and parsed by lxml in one go, the elements python-docx
makes for them (``Paragraph.add_run(text)``: a run per text, a tab a w:tab, a line end a w:br, the rest w:t).

python-docx inserts each run property in schema order by searching the element's successors, and looks up
cells through the whole table: ~0.4-1.5 s for a quote bank of 874 quotes, 4 s for a table of 1,000 rows x 10
columns (issue #25). ``export/quotes.py`` writes the quote bank with it, ``files/office.table_docx`` the rows of
its tables; their tests compare the bytes with python-docx's own objects.
"""
from __future__ import annotations

import re
from typing import Any

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_T = "{%s}t" % W_NS
DOCUMENT = "word/document.xml"
_MARKER_TEXT = "casecoder: the paragraphs written as text go here"
_MARKER = f"<w:p><w:r><w:t>{_MARKER_TEXT}</w:t></w:r></w:p>"
_SETTER_SPLIT = re.compile(r"([\t\r\n])")
# what lxml refuses in a text (its ValueError, as python-docx gave): control characters, U+FFFE, U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Body:
    """The paragraphs as XML text, then parsed and put at the end of a python-docx body."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.empty_text = False

    def paragraph(self, style: str | None = None) -> None:
        self.parts.append('<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr>' % style if style is not None else "<w:p>")

    def end(self) -> None:
        self.parts.append("</w:p>")

    def _t(self, text: str) -> str:
        """``CT_R.add_t``: a w:t, its spaces kept when the text starts or ends with white space."""
        if not text:
            self.empty_text = True
        elif _NOT_XML.search(text):
            raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control "
                             "characters")
        space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
        return f"<w:t{space}>{text}</w:t>"  # (a parsed \r would be \n: it is written as lxml writes it)

    def run_text(self, text: str, props: str = "") -> None:
        """``paragraph.add_run(text)``: a tab is a w:tab, a line end a w:br, the rest w:t."""
        out = ["<w:r>", props]
        for piece in _SETTER_SPLIT.split(text):
            if piece == "\t":
                out.append("<w:tab/>")
            elif piece in ("\r", "\n"):
                out.append("<w:br/>")
            elif piece:
                out.append(self._t(piece))
        out.append("</w:r>")
        self.parts.append("".join(out))

    def lines(self, text: str, props: str = "") -> None:
        """A run per line of ``text``, each after the first starting with a line break."""
        self.parts.append("".join(f"<w:r>{props}{'<w:br/>' if i else ''}{self._t(line)}</w:r>"
                                  for i, line in enumerate(text.split("\n"))))

    def raw(self, xml: str) -> None:
        """Markup as it is (a table row's start, a cell's properties)."""
        self.parts.append(xml)

    def parsed(self) -> Any:
        """The elements written so far, parsed (children of one w:body element)."""
        from lxml import etree

        xml = f'<w:body xmlns:w="{W_NS}">' + "".join(self.parts) + "</w:body>"
        parsed = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(huge_tree=True, resolve_entities=False))
        if self.empty_text:  # python-docx wrote an empty text as <w:t></w:t>; parsed it has no text at all
            for t in parsed.iter(_T):
                if t.text is None:
                    t.text = ""
        return parsed

    def into(self, body) -> None:  # type: ignore[no-untyped-def]
        """The paragraphs appended to ``body`` (a python-docx w:body), before its section properties."""
        parsed = self.parsed()
        end = body.sectPr
        if end is not None:
            body.remove(end)
        body.extend(parsed)
        if end is not None:
            body.append(end)

    def save(self, document: Any) -> bytes:
        """The document's bytes (``ooxml.deterministic_zip``) with the paragraphs at the end of its body, where
        ``into`` puts them: spliced into the saved word/document.xml as text, the bytes lxml would write for them
        parsed (UTF-8, the same escapes and empty elements), without parsing and writing ~30 MB again. The
        ``document`` object itself is left without them."""
        import io
        import zipfile

        from casecoder.files.ooxml import deterministic_zip

        body = document.element.body
        marker = self._marker()
        end = body.sectPr
        if end is not None:
            end.addprevious(marker)
        else:
            body.append(marker)
        buffer = io.BytesIO()
        document.save(buffer)
        with zipfile.ZipFile(buffer) as package:
            xml = package.read(DOCUMENT)
        placeholder = _MARKER.encode("utf-8")
        if xml.count(placeholder) != 1:  # (never seen; the parsed way gives the same bytes)
            body.remove(marker)
            self.into(body)
            buffer = io.BytesIO()
            document.save(buffer)
            return deterministic_zip(buffer.getvalue())
        body.remove(marker)
        text = "".join(self.parts).encode("utf-8")  # (each text was checked by ``_t``)
        return deterministic_zip(buffer.getvalue(), {DOCUMENT: xml.replace(placeholder, text)})

    @staticmethod
    def _marker() -> Any:
        from lxml import etree

        return etree.fromstring(f'<w:p xmlns:w="{W_NS}"><w:r><w:t>{_MARKER_TEXT}</w:t></w:r></w:p>')
