"""Issue #22 item 1: every archive member is capped before it is read - per entry, in total and by
compression ratio - and members the text does not need are never decompressed. Pure file tests; the
same bombs through the web upload paths on both databases are in tests/web/test_upload_bombs.py."""
from __future__ import annotations

import io
import zipfile

import pytest

from bench import bombs
from casecoder.files.extract import MAX_PART, extract_text
from casecoder.files.zipread import MB, RATIO_FLOOR, ZipRefused, open_zip
from casecoder.kernel.errors import InvalidInput


def refused(name: str, data: bytes, max_bytes: int = 20 * MB) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        extract_text(name, data, max_bytes)
    return caught.value


def damaged(archive: bytes, entry: str) -> bytes:
    """``archive`` with the data of ``entry`` damaged: reading it would fail, so a read shows."""
    data = bytearray(archive)
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        info = zf.getinfo(entry)
    start = info.header_offset + 30 + len(entry.encode()) + len(info.extra)
    for i in range(start, start + min(info.compress_size, 64)):
        data[i] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize("name, build", [("billede.docx", bombs.docx_image_bomb),
                                         ("dokument.docx", bombs.docx_document_bomb),
                                         ("mimetype.odt", bombs.odt_mimetype_bomb)])
def test_bombs_in_any_part_are_refused_from_the_directory(name, build):
    data = build(200 * MB)
    assert len(data) < MB
    exc = refused(name, data)
    assert exc.message == f"'{name}' is too large when unpacked" and exc.status == 400
    assert "more than" in exc.params["detail"]


def test_a_main_part_over_the_absolute_cap_is_refused_whatever_its_ratio():
    data = bombs.docx_large(MAX_PART + 8 * MB)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("word/document.xml").file_size > MAX_PART
    assert 200 * len(data) > MAX_PART + 8 * MB and len(data) < 2 * MB  # no ratio gives it away, nor the 50x rule
    exc = refused("lang.docx", data, max_bytes=2 * MB)
    assert exc.message == "'lang.docx' is too large when unpacked"
    assert exc.params["detail"] == f"word/document.xml: more than {MAX_PART} bytes"


def test_parts_the_text_does_not_need_are_never_decompressed():
    docx = bombs.zip_of({"[Content_Types].xml": bombs.CONTENT_TYPES, "word/document.xml": bombs.docx_xml("Hej"),
                         "word/media/image1.png": b"\x89PNG" + bytes(range(256)) * 40})
    assert extract_text("fin.docx", damaged(docx, "word/media/image1.png"), MB).text == "Hej"
    odt = bombs.odt_mimetype_bomb(0)
    with zipfile.ZipFile(io.BytesIO(odt)) as zf:
        entries = {info.filename: zf.read(info) for info in zf.infolist()}
    entries["Pictures/x.png"] = bytes(range(256)) * 40
    assert extract_text("fin.odt", damaged(bombs.zip_of(entries), "Pictures/x.png"), MB).text == "Hej"


def test_an_odt_mimetype_is_read_with_a_small_cap():
    odt = bombs.odt_mimetype_bomb(RATIO_FLOOR // 2)  # under every ratio and size limit, but no mimetype is 1 MB
    exc = refused("lang.odt", odt)
    assert exc.message == "'lang.odt' is too large when unpacked" and exc.params["detail"].startswith("mimetype")


def test_the_compression_ratio_is_checked_in_the_directory_and_while_reading():
    bomb = bombs.zip_of({"a.txt": b"x", "zeros.bin": bytes(3 * MB)})
    with pytest.raises(ZipRefused) as caught:
        open_zip(bomb, "p.zip")
    assert (caught.value.kind, caught.value.entry, caught.value.limit) == ("ratio", "zeros.bin", 200)
    assert caught.value.message == ("'p.zip' was refused: the entry 'zeros.bin' unpacks to more than 200 times "
                                    "its packed size (a decompression bomb?)")
    archive = open_zip(bomb, "p.zip", max_ratio=None)  # no ratio: the entry is read
    assert len(archive.read("zeros.bin")) == 3 * MB
    small = bombs.zip_of({"zeros.bin": bytes(RATIO_FLOOR)})  # small entries compress oddly: not refused
    assert len(open_zip(small, "p.zip").read("zeros.bin")) == RATIO_FLOOR


def test_a_read_can_be_capped_below_the_entry_limit():
    archive = open_zip(bombs.zip_of({"mimetype": b"x" * 5000}), "p.odt", max_entry=MB)
    with pytest.raises(ZipRefused) as caught:
        archive.read("mimetype", cap=4096)
    assert (caught.value.kind, caught.value.limit) == ("entry_too_big", 4096)
    assert archive.read("mimetype", cap=5000) == b"x" * 5000
