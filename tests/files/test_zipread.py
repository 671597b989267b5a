"""files/zipread.py: the directory is checked before anything is unpacked, entries are read on request,
each read is capped, and every refusal names the file and the limit."""
from __future__ import annotations

import io
import zipfile

import pytest

from casecoder.files.extract import extract_text
from casecoder.files.zipread import CHUNK, MB, ZipRefused, open_zip, read_capped, safe_path
from casecoder.kernel.errors import InvalidInput
from tests.files.extract_files import make_docx, make_zip


def damaged(files: dict[str, bytes], name: str) -> bytes:
    """A zip of ``files`` (stored, not compressed) whose entry ``name`` has damaged data (a bad CRC)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for entry, data in files.items():
            zf.writestr(entry, data)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(name.encode())  # the entry's data, after its local header
    data[start] ^= 0xFF
    return bytes(data)


def refusal(data: bytes, **limits: object) -> ZipRefused:
    with pytest.raises(ZipRefused) as caught:
        open_zip(data, "pakke.zip", **limits)  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidInput) and caught.value.field == "file"
    return caught.value


def test_safe_path():
    assert [safe_path(n) for n in ("a.txt", "texts/./a.txt", "texts/b/../a.txt")] == ["a.txt", "texts/a.txt", None]
    assert [safe_path(n) for n in ("", "/etc/passwd", "C:/x.txt", "C:x.txt", "a\\b.txt", "../x", "a/../../x")] == \
        [None] * 7


def test_entries_are_unpacked_only_when_read():
    data = damaged({"good.txt": b"fine", "bad.txt": b"x" * 100}, "bad.txt")
    archive = open_zip(data, "pakke.zip", max_total=MB)  # the directory is fine: nothing is unpacked yet
    assert archive.names == ["good.txt", "bad.txt"] and "bad.txt" in archive and "nope" not in archive
    assert archive.read("good.txt") == b"fine"
    with pytest.raises(ZipRefused) as caught:
        archive.read("bad.txt")
    assert caught.value.kind == "unreadable" and caught.value.entry == "bad.txt"
    assert caught.value.message.startswith("'pakke.zip': the entry 'bad.txt' cannot be read (Bad CRC-32")
    with pytest.raises(ZipRefused, match="cannot be read"):
        archive.check_all()
    with pytest.raises(KeyError):
        archive.read("nope")


def test_not_a_zip():
    refused = refusal(b"just text")
    assert (refused.kind, refused.message) == ("not_zip", "'pakke.zip' is not a valid .zip file")


def test_unsafe_names_are_all_refused_before_anything_is_read():
    data = make_zip({"ok.txt": b"x", "../evil.txt": b"x", "/etc/passwd": b"x", "C:/x.txt": b"x",
                     "a\\b.txt": b"x"})
    refused = refusal(data)
    assert [(r.kind, r.entry) for r in refused.refusals] == [
        ("unsafe", "../evil.txt"), ("unsafe", "/etc/passwd"), ("unsafe", "C:/x.txt"), ("unsafe", "a\\b.txt")]
    assert refused.message == "'pakke.zip' was refused: the entry '../evil.txt' has an absolute path or '..'"


def test_windows_separators_when_asked_for():
    archive = open_zip(make_zip({"sources\\a.txt": b"a"}), "p.qdpx", windows_separators=True)
    assert archive.names == ["sources/a.txt"] and archive.read("sources/a.txt") == b"a"
    with pytest.raises(ZipRefused, match="'..\\\\evil.txt' has an absolute path"):
        open_zip(make_zip({"..\\evil.txt": b"x"}), "p.qdpx", windows_separators=True)


def test_folders_and_ignored_prefixes_are_left_out():
    data = make_zip({"a/": b"", "a/x.txt": b"x", "__MACOSX/._x.txt": b"\0" * 5000})
    assert open_zip(data, "b.zip", max_total=10, ignore=("__MACOSX/",)).names == ["a/x.txt"]


def test_limits_are_checked_in_the_directory():
    many = make_zip({f"{n}.txt": b"x" for n in range(30)})
    refused = refusal(many, max_entries=20)
    assert (refused.kind, refused.limit) == ("too_many", 20)
    assert refused.message == "'pakke.zip' holds 30 files; at most 20 are allowed"
    bomb = make_zip({"zeros.txt": b"\0" * (3 * MB), "small.txt": b"x"})
    assert len(bomb) < 20_000
    refused = refusal(bomb, max_total=MB)
    assert (refused.kind, refused.limit) == ("too_big", MB)
    assert refused.message == "'pakke.zip' was refused: it unpacks to more than 1 MB (a decompression bomb?)"
    refused = refusal(bomb, max_entry=MB, max_total=10 * MB)
    assert (refused.kind, refused.entry, refused.limit) == ("entry_too_big", "zeros.txt", MB)
    assert refused.params["detail"] == f"zeros.txt: more than {MB} bytes"
    assert [r.kind for r in refusal(bomb, max_entries=1, max_entry=MB, max_total=MB).refusals] == \
        ["too_many", "entry_too_big", "too_big", "ratio"]


def test_reads_are_capped_in_chunks():
    stream = io.BytesIO(b"x" * (3 * CHUNK))
    data, size = read_capped(stream, 2 * CHUNK)
    assert (data, size, stream.tell()) == (b"", 2 * CHUNK + 1, 2 * CHUNK + 1)  # stopped one byte past the cap
    stream = io.BytesIO(b"x" * 100)
    assert read_capped(stream, 100) == (b"x" * 100, 100)
    stream = io.BytesIO(b"x" * 100)
    assert read_capped(stream, 100, keep=False) == (b"", 100)


def test_an_entry_read_twice_counts_once_against_the_total():
    archive = open_zip(make_zip({"a.txt": b"a" * 600, "b.txt": b"b" * 400}), "p.zip", max_total=1000)
    assert archive.read("a.txt") == archive.read("a.txt") == b"a" * 600
    assert archive.read("b.txt") == b"b" * 400


def test_a_size_the_directory_understates_is_not_trusted():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.txt", b"\0" * (3 * MB))
    data = buffer.getvalue()
    claimed = (3 * MB).to_bytes(4, "little")
    lying = data.replace(claimed, (100).to_bytes(4, "little"))  # in the local header and the directory
    assert lying != data
    archive = open_zip(lying, "løgn.zip", max_total=MB)
    with pytest.raises(ZipRefused) as caught:
        archive.read("zeros.txt")  # never more than the claimed 100 bytes unpacked: the CRC then fails
    assert caught.value.kind == "unreadable"


def test_a_docx_part_that_unpacks_too_far_is_refused_before_python_docx_opens_it():
    docx = make_docx(lambda d: d.add_paragraph("Hej"))
    entries = {}
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        for info in zf.infolist():
            entries[info.filename] = zf.read(info)
    entries["word/media/zeros.bin"] = b"\0" * (4 * MB)  # not the main part
    with pytest.raises(InvalidInput) as caught:
        extract_text("bombe.docx", make_zip(entries), 64 * 1024)
    assert caught.value.message == "'bombe.docx' is too large when unpacked"
    assert extract_text("fin.docx", docx, 64 * 1024).text == "Hej"
