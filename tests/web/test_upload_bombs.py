"""Issue #22 item 1 through the web upload paths, on SQLite and PostgreSQL: every decompression bomb is refused
with a 400 naming the file, nothing is stored, and the one part a transcript needs is all that is unpacked.
The same bombs as pure file tests: tests/files/test_zip_bombs.py; their time and memory: bench/hostile.py --bombs."""
from __future__ import annotations

import functools

from bench import bombs
from tests.web.test_hostile_uploads import refused, small  # noqa: F401 (fixture)

SIZE = 120 * bombs.MB  # over the 50 MB part cap and any ratio, yet quick to build


@functools.cache
def built(build, size: int) -> bytes:  # type: ignore[no-untyped-def]
    """A bomb built once per process: both databases' tests post the same bytes."""
    return build(size)


BOMBS = [
    ("transcript-api", "billede.docx", bombs.docx_image_bomb, "'billede.docx' is too large when unpacked"),
    ("transcript-api", "dokument.docx", bombs.docx_document_bomb, "'dokument.docx' is too large when unpacked"),
    ("transcript-form", "mimetype.odt", bombs.odt_mimetype_bomb, "'mimetype.odt' is too large when unpacked"),
    ("qdpx", "kilde.qdpx", bombs.qdpx_bomb, "the entry 'sources/t.txt' unpacks to more than 200 times"),
    ("bundle", "sager.zip", bombs.bundle_bomb, "the entry 'cases.csv' unpacks to more than 200 times"),
]


def test_bombs_are_refused_through_the_web(client, small, engine):  # noqa: F811
    for endpoint, name, build, expected in BOMBS:  # each refusal leaves the database as it was (``refused``)
        refused(client, engine, endpoint, name, built(build, SIZE), expected)


def test_a_bomb_inside_a_bundle_transcript_is_named(client, small, engine):  # noqa: F811
    bundle = bombs.zip_of({
        "cases.csv": b"case_key,municipality\nF99,Nordby\n",
        "sources.csv": b"source_key,file,title,perspective,case_keys\nS99,texts/a.docx,A,family,F99\n",
        "texts/a.docx": built(bombs.docx_document_bomb, SIZE)})
    refused(client, engine, "bundle", "b.zip", bundle, "texts/a.docx", "is too large when unpacked")


def test_a_large_but_honest_document_xml_is_capped(app, client, small, engine):  # noqa: F811
    refused(client, engine, "transcript-api", "lang.docx", built(bombs.docx_large, 58 * bombs.MB),
            "'lang.docx' is too large when unpacked")
