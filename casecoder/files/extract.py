"""Uploaded file bytes -> the plain text casecoder stores (.txt, .docx, .odt, .pdf, .rtf; no Flask).

Excerpt offsets are code points into ``Extracted.text``, so the text is changed as little as
possible: line endings become ``\\n``, a leading byte-order mark goes, white space at the very end
is stripped - nothing else (an .odt's XML white space is collapsed as the ODF standard requires,
which is how LibreOffice shows it). Every problem raises ``InvalidInput`` with a translatable template that
names the file; a ``detail`` param (not in the message) keeps the underlying reason for logs.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from casecoder.files.zipread import ZipArchive, ZipRefused, open_zip
from casecoder.kernel.errors import N_, InvalidInput

SUPPORTED = (".txt", ".docx", ".odt", ".pdf", ".rtf")
MB = 1024 * 1024
UNPACKED_FACTOR = 50  # a .docx/.odt part may unpack to at most this many times max_bytes ...
MAX_PART = 50 * MB  # ... and never to more than this (document.xml, content.xml)
MAX_PACKAGE = 200 * MB  # what all the parts of a .docx/.odt may claim to unpack to together
MAX_SMALL_PART = 4096  # an .odt's ``mimetype``

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # control characters other than \t \n \f \r
_ANSICPG_RE = re.compile(rb"\\ansicpg(\d{3,5})")


@dataclass(frozen=True)
class Extracted:
    filename: str
    text: str  # the plain text; excerpt offsets (Unicode code points) refer to it
    sha256: str  # of the original bytes
    format: str  # "txt" | "docx" | "odt" | "pdf" | "rtf"
    encoding: str | None  # for .txt: "utf-8", "utf-8-sig", "utf-16", "cp1252"; else None


def extract_text(filename: str, data: bytes, max_bytes: int) -> Extracted:
    """Read ``data`` (the bytes of the uploaded file ``filename``) into plain text."""
    name = filename or "?"
    ext = name[name.rfind("."):].lower() if "." in name else ""
    if ext not in SUPPORTED:
        raise InvalidInput("'{name}' is not a supported file type; supported types are: {types}", "file",
                           name=name, types=", ".join(SUPPORTED))
    if len(data) > max_bytes:
        raise InvalidInput("'{name}' is {size} MB; files may be at most {limit} MB", "file",
                           name=name, size=_mb(len(data)), limit=_mb(max_bytes))
    if not data:
        raise InvalidInput("'{name}' is empty", "file", name=name)
    fmt = ext[1:]
    text, encoding = _txt(name, data) if fmt == "txt" else (_READERS[fmt](name, data, max_bytes), None)
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff").rstrip()
    if not text.strip():
        raise InvalidInput("'{name}' contains no text", "file", name=name)
    return Extracted(filename=name, text=text, sha256=hashlib.sha256(data).hexdigest(), format=fmt,
                     encoding=encoding)


def _mb(n: int) -> str:
    """``n`` bytes in MB, rounded up to at most two decimals (so a file over the limit shows as over it)."""
    hundredths = -(-n * 100 // MB)
    return f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")


# -- .txt ---------------------------------------------------------------------------------------

def _txt(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # the codec reads the byte order from the BOM and drops it
    else:
        candidates = ["utf-8", "cp1252"]  # UTF-8 first: Danish UTF-8 would also "decode" as cp1252 mojibake
    reason = ""
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            reason = f"{codec}: {exc.reason} at byte {exc.start}"
            continue
        bad = _CONTROL_RE.search(text) if codec == "cp1252" else re.search("\x00", text)
        if bad:
            reason = f"{codec}: control character U+{ord(bad.group()):04X} at {bad.start()}"
            continue
        return text, codec
    raise InvalidInput("'{name}' could not be decoded as text (UTF-8, UTF-16 or Windows-1252); "
                       "is it a text file?", "file", name=name, detail=reason)


# -- .docx --------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_SKIP = {_W + "pPr", _W + "rPr", _W + "tblPr", _W + "tblGrid", _W + "trPr", _W + "tcPr", _W + "sdtPr",
           _W + "instrText", _W + "delText", _W + "del", _W + "moveFrom", _MC_FALLBACK}
_W_WRAPPERS = (_W + "sdt", _W + "sdtContent", _W + "customXml")
_W_CHARS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}


def _docx(name: str, data: bytes, max_bytes: int) -> str:
    try:
        package = _open_package(name, data, "word/document.xml", max_bytes)
        if "[Content_Types].xml" not in package:
            raise ValueError("no [Content_Types].xml: not an Office package")
        # only the main part is unpacked: images, fonts and the rest are never decompressed
        return "\n".join(_docx_lines(package.read("word/document.xml")))
    except ZipRefused as exc:
        raise _refused(name, exc, N_("'{name}' is not a valid Word document (.docx)")) from None
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput("'{name}' is not a valid Word document (.docx)", "file", name=name,
                           detail=str(exc)[:200]) from None


def _docx_lines(xml: bytes) -> list[str]:
    """The lines of ``word/document.xml``'s body, parsed as a stream (python-docx's parser settings: blank
    text dropped, entities not resolved): each outermost paragraph or table becomes its lines as soon as it
    is complete and is then dropped, so memory holds about one block, never the whole tree."""
    from lxml import etree

    lines: list[str] = []
    checked = False
    for _event, element in etree.iterparse(io.BytesIO(xml), events=("end",), tag=(_W + "p", _W + "tbl"),
                                           remove_blank_text=True, resolve_entities=False, no_network=True,
                                           load_dtd=False):
        if not checked:
            if element.getroottree().docinfo.doctype:
                # Word never writes a DTD; entities stay unresolved, but their text would silently go
                # missing, so a DOCTYPE is refused like in an .odt (defusedxml there).
                raise ValueError("word/document.xml declares a DOCTYPE (entities)")
            checked = True
        inside = None  # the body, or why this block is someone else's (a table's, a paragraph's, deleted)
        for ancestor in element.iterancestors():
            tag = ancestor.tag
            if tag == _W + "body" or tag in _W_SKIP or tag in (_W + "p", _W + "tbl"):
                inside = tag
                break
        if inside != _W + "body":
            continue  # read with the block it is in (or skipped with it, or outside the body)
        lines.extend([_docx_inline(element)] if element.tag == _W + "p" else _docx_table(element))
        parent = element.getparent()
        element.clear()
        while element.getprevious() is not None:  # the blocks before it: done
            del parent[0]
    if not checked and b"body" not in xml:
        raise ValueError("no w:body")
    return lines


def _docx_blocks(parent) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines of a block container (body, table cell, content control) in document order."""
    lines: list[str] = []
    for child in parent:
        tag = child.tag
        if tag == _W + "p":
            lines.append(_docx_inline(child))
        elif tag == _W + "tbl":
            lines.extend(_docx_table(child))
        elif isinstance(tag, str) and tag not in _W_SKIP and tag != _W + "sectPr":
            lines.extend(_docx_blocks(child))  # w:sdt/w:sdtContent, w:customXml, w:ins ...
    return lines


def _docx_table(tbl) -> list[str]:  # type: ignore[no-untyped-def]
    """One line per row, cells joined by a tab (a nested table's rows stay inside its cell)."""
    return ["\t".join("\n".join(_docx_blocks(tc)) for tc in _children(tr, _W + "tc", _W_WRAPPERS))
            for tr in _children(tbl, _W + "tr", _W_WRAPPERS)]


def _children(el, tag: str, wrappers: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """The children of ``el`` with ``tag``, looking through wrapper elements (content controls, row groups)."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in wrappers:
            yield from _children(child, tag, wrappers)


def _docx_inline(p) -> str:  # type: ignore[no-untyped-def]
    """The text of one paragraph: runs, hyperlinks, fields, insertions; tabs and breaks kept."""
    out: list[str] = []

    def walk(el) -> None:  # type: ignore[no-untyped-def]
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _W_SKIP:
                continue
            if tag == _W + "t":
                out.append(child.text or "")
            elif tag in _W_CHARS:
                out.append(_W_CHARS[tag])
            else:
                out.append("\n" if tag == _W + "p" else "")  # a paragraph in a text box inside this one
                walk(child)

    walk(p)
    return "".join(out)


# -- .odt ---------------------------------------------------------------------------------------

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
_ODT_SKIP = {_TEXT + "note", _TEXT + "tracked-changes", _TEXT + "sequence-decls", _TEXT + "variable-decls",
             _OFFICE + "annotation", _OFFICE + "forms", _TABLE + "table-columns", _TABLE + "table-column",
             _TABLE + "table-header-columns", _TABLE + "covered-table-cell",
             _SVG + "title", _SVG + "desc", _OFFICE + "binary-data"}  # (image titles, descriptions, data)
_ODT_ROW_GROUPS = (_TABLE + "table-header-rows", _TABLE + "table-rows", _TABLE + "table-row-group")
_XML_SPACE_RE = re.compile(r"[ \t\r\n]+")


def _odt(name: str, data: bytes, max_bytes: int) -> str:
    from defusedxml import ElementTree

    try:
        package = _open_package(name, data, "content.xml", max_bytes)
        mimetype = package.read("mimetype", cap=MAX_SMALL_PART).strip() if "mimetype" in package else b""
        if mimetype and not mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
            raise ValueError(f"mimetype {mimetype!r}")
        root = ElementTree.fromstring(package.read("content.xml"))
        body = root.find(f"{_OFFICE}body/{_OFFICE}text")
        if body is None:
            raise ValueError("no office:body/office:text")
        return "\n".join(_odt_blocks(body))
    except ZipRefused as exc:
        raise _refused(name, exc, N_("'{name}' is not a valid OpenDocument text (.odt)")) from None
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput("'{name}' is not a valid OpenDocument text (.odt)", "file", name=name,
                           detail=str(exc)[:200]) from None


def _odt_blocks(parent) -> list[str]:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    for child in parent:
        tag = child.tag
        if tag in (_TEXT + "p", _TEXT + "h"):
            lines.append(_odt_inline(child))
        elif tag == _TABLE + "table":
            lines.extend(_odt_table(child))
        elif tag not in _ODT_SKIP:
            lines.extend(_odt_blocks(child))  # lists, list items, sections, indexes, row groups
    return lines


def _odt_table(table) -> list[str]:  # type: ignore[no-untyped-def]
    return ["\t".join("\n".join(_odt_blocks(cell)) for cell in _children(row, _TABLE + "table-cell", ()))
            for row in _children(table, _TABLE + "table-row", _ODT_ROW_GROUPS)]


def _odt_inline(p) -> str:  # type: ignore[no-untyped-def]
    """One paragraph. White space in the XML is collapsed as ODF 1.2 (6.1.2) says - runs become one
    space, none at the paragraph's start or end; text:s, text:tab and text:line-break are kept as written."""
    out: list[str] = []
    after_space = [True]  # the last raw character was white space (or the paragraph has just begun)

    def chars(s: str | None) -> None:
        s = _XML_SPACE_RE.sub(" ", s or "")
        s = s[1:] if after_space[0] and s.startswith(" ") else s
        if s:
            out.append(s)
            after_space[0] = s.endswith(" ")

    def special(s: str) -> None:
        out.append(s)
        after_space[0] = s.endswith("\n")

    def walk(el) -> None:  # type: ignore[no-untyped-def]
        chars(el.text)
        for child in el:
            tag = child.tag
            if tag == _TEXT + "s":
                count = child.get(_TEXT + "c", "1")
                special(" " * (min(int(count), 10_000) if count.isdigit() and int(count) > 0 else 1))
            elif tag in (_TEXT + "tab", _TEXT + "line-break"):
                special("\t" if tag == _TEXT + "tab" else "\n")
            elif tag in (_TEXT + "p", _TEXT + "h"):  # in a text box inside this paragraph: a line of its own
                special("\n" + _odt_inline(child).strip("\n") + "\n")
            elif tag not in _ODT_SKIP:
                walk(child)
            chars(child.tail)

    walk(p)
    if after_space[0] and out and out[-1].endswith(" "):
        out[-1] = out[-1][:-1]
    return "".join(out)


def _open_package(name: str, data: bytes, main: str, max_bytes: int) -> ZipArchive:
    """The .docx/.odt ``data`` opened by ``files/zipread``: no part may unpack to more than ``UNPACKED_FACTOR``
    times the upload limit or ``MAX_PART``, nor by more than zipread's compression ratio, and all parts
    together not to more than ``MAX_PACKAGE`` (a "zip bomb"); checked in the directory, then again as the
    parts the text needs are unpacked. A KeyError when the ``main`` part is missing (an invalid file)."""
    limit = min(UNPACKED_FACTOR * max_bytes, MAX_PART)
    package = open_zip(data, name, max_entry=limit, max_total=min(UNPACKED_FACTOR * max_bytes, MAX_PACKAGE))
    if main not in package:
        raise KeyError(main)
    return package


def _refused(name: str, refusal: ZipRefused, invalid: str) -> InvalidInput:
    """A refusal of ``files/zipread`` in this module's words: too large when unpacked, or not a valid file."""
    if refusal.kind in ("entry_too_big", "too_big", "ratio"):
        what = f"{refusal.limit} times its packed size" if refusal.kind == "ratio" else f"{refusal.limit} bytes"
        return InvalidInput("'{name}' is too large when unpacked", "file", name=name,
                            detail=f"{refusal.entry or 'all parts'}: more than {what}")
    return InvalidInput(invalid, "file", name=name, detail=refusal.message[:200])


# -- .pdf ---------------------------------------------------------------------------------------

def _pdf(name: str, data: bytes, max_bytes: int) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, WrongPasswordError

    locked = InvalidInput("'{name}' is password-protected; remove the protection and upload it again", "file",
                          name=name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pypdf warns about small defects it repairs; the text is what counts
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):  # many PDFs only have an owner password
                raise locked
            pages = [page.extract_text() or "" for page in reader.pages]
        except InvalidInput:
            raise
        except (DependencyError, FileNotDecryptedError, WrongPasswordError):
            raise locked from None
        except Exception as exc:
            raise InvalidInput("'{name}' is not a readable PDF file", "file", name=name,
                               detail=str(exc)[:200]) from None
    text = "\n\n".join(pages).replace("\x00", "")  # NUL is no text (and PostgreSQL refuses it)
    if not text.strip():
        raise InvalidInput("'{name}' has no text layer (a scanned PDF?); run text recognition (OCR) on it "
                           "first", "file", name=name, pages=len(pages))
    return text


# -- .rtf ---------------------------------------------------------------------------------------

def _rtf(name: str, data: bytes, max_bytes: int) -> str:
    from striprtf.striprtf import rtf_to_text

    head = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if not head.lstrip().startswith(b"{\\rtf"):
        raise InvalidInput("'{name}' is not an RTF file", "file", name=name, detail="no {\\rtf header")
    codepage = _ANSICPG_RE.search(data[:4096])  # \ansicpg1252 and the like; cp1252 when absent or unknown
    encoding = f"cp{int(codepage.group(1))}" if codepage else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    try:
        raw = head.decode(encoding)
    except UnicodeDecodeError:
        raw = head.decode("latin-1")  # raw 8-bit bytes outside the code page: keep them rather than fail
    try:
        return rtf_to_text(raw, encoding=encoding, errors="replace")
    except Exception as exc:
        raise InvalidInput("'{name}' is not a valid RTF file", "file", name=name, detail=str(exc)[:200]) from None


_READERS = {"docx": _docx, "odt": _odt, "pdf": _pdf, "rtf": _rtf}
