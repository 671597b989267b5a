"""Hostile uploads built in memory, at any size: decompression bombs in a .docx, .odt, .qdpx and a project
bundle, a 15,000-column ``cases.csv`` and a code tree 1,200 levels deep. ``bench/hostile.py`` times them at
the sizes of issue #22; the tests (``tests/files/test_zip_bombs.py`` and others) use them small."""
from __future__ import annotations

import io
import zipfile
from typing import Iterator

MB = 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                 b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
ODT_TYPE = b"application/vnd.oasis.opendocument.text"


def repeated(chunk: bytes, size: int) -> Iterator[bytes]:
    """``size`` bytes of ``chunk`` over and over, a megabyte at a time."""
    block = chunk * max(1, MB // len(chunk))
    left = size
    while left > 0:
        yield block[:left]
        left -= len(block)


def zip_of(entries: dict[str, bytes | Iterator[bytes]]) -> bytes:
    """A deflated zip; an entry given as chunks is streamed in (gigabytes cost no memory here)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in entries.items():
            if isinstance(data, bytes):
                zf.writestr(name, data)
            else:
                with zf.open(name, "w", force_zip64=True) as member:
                    for chunk in data:
                        member.write(chunk)
    return buffer.getvalue()


def office_docx(parts: dict[str, bytes | Iterator[bytes]]) -> bytes:
    """python-docx's own blank document (a package Word and python-docx open) with ``parts`` replaced."""
    import docx
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as zf:
        entries: dict[str, bytes | Iterator[bytes]] = {info.filename: zf.read(info) for info in zf.infolist()}
    return zip_of({**entries, **parts})


def docx_xml(text: str = "Hej") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>{text}'
            "</w:t></w:r></w:p></w:body></w:document>").encode()


def docx_image_bomb(size: int) -> bytes:
    """A valid .docx whose (thumbnail) image part unpacks to ``size`` bytes (issue: 1.5 GB, accepted)."""
    return office_docx({"word/document.xml": docx_xml(), "docProps/thumbnail.jpeg": repeated(b"\0", size)})


def docx_document_bomb(size: int) -> bytes:
    """A .docx whose ``document.xml`` is ``size`` bytes of real paragraphs (issue: 400 MB in 1.2 MB)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'.encode()
    para = b"<w:p><w:r><w:t>Jeg fik hjaelp hurtigt og godt, sagde hun.</w:t></w:r></w:p>"

    def chunks() -> Iterator[bytes]:
        yield head
        yield from repeated(para, size)
        yield b"</w:body></w:document>"
    return office_docx({"word/document.xml": chunks()})


def docx_large(size: int, seed: int = 1) -> bytes:
    """A .docx whose ``document.xml`` is about ``size`` bytes of varied paragraphs: it packs only about 50:1,
    so no compression ratio gives it away; only an absolute cap on the part does."""
    import random
    paras = ["<w:p><w:r><w:t>ja tak</w:t></w:r></w:p>", "<w:p><w:r><w:t>nej tak</w:t></w:r></w:p>", "<w:p/>"]
    body = "".join(random.Random(seed).choices(paras, k=size // 26 + 1))  # 26.7 bytes each on average
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    return office_docx({"word/document.xml": xml.encode()})


def odt_mimetype_bomb(size: int) -> bytes:
    """An .odt whose ``mimetype`` entry unpacks to ``size`` bytes (issue: 1.5 GB in 1.5 MB)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
               "<office:body><office:text><text:p>Hej</text:p></office:text></office:body>"
               "</office:document-content>").encode()

    def chunks() -> Iterator[bytes]:
        yield ODT_TYPE
        yield from repeated(b" ", size)
    return zip_of({"mimetype": chunks(), "content.xml": content})


def qdpx_bomb(size: int) -> bytes:
    """A .qdpx whose one source file unpacks to ``size`` bytes."""
    qde = (b'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="P">'
           b'<Sources><TextSource guid="11111111-1111-1111-1111-111111111111" name="T" '
           b'plainTextPath="internal://t.txt"/></Sources></Project>')
    return zip_of({"project.qde": qde, "sources/t.txt": repeated(b"a", size)})


def bundle_bomb(size: int) -> bytes:
    """A project bundle whose ``cases.csv`` unpacks to ``size`` bytes."""
    return zip_of({"cases.csv": iter([b"case_key,municipality\n", *repeated(b"F1,Nordby\n", size)])})


def wide_cases_csv(columns: int) -> bytes:
    """``cases.csv`` with ``columns`` attribute columns (issue: 15,000 kept a worker busy)."""
    names = ",".join(f"a{i}" for i in range(columns))
    return f"case_key,municipality,{names}\nF1,Nordby,{','.join('x' * columns)}\n".encode()


def wide_bundle(columns: int) -> bytes:
    return zip_of({"cases.csv": wide_cases_csv(columns)})


def deep_codes_csv(depth: int) -> bytes:
    """``codes.csv`` with a chain of codes ``depth`` levels deep (issue: 1,200 broke pages for good)."""
    rows = ["code_key,kind,label_da,label_en,parent_key"]
    rows += [f"D{i},theme,Niveau {i},Level {i},{f'D{i - 1}' if i else ''}" for i in range(depth)]
    return ("\n".join(rows) + "\n").encode()


def deep_bundle(depth: int) -> bytes:
    return zip_of({"codes.csv": deep_codes_csv(depth)})
