"""Issue #22 item 7: the code tree is at most 12 levels deep on every upload (bundle, .qdc, .qdpx) with a
message, and a deeper tree already stored (from before the cap) breaks no page: nothing walks the tree
by recursion. Both databases, through the real client. The codebook YAML and adding and moving a code:
tests/coding/test_code_depth.py."""
from __future__ import annotations

import contextlib
import inspect
import io
import sys
import zipfile

import pytest
from sqlalchemy import func, select

from bench import bombs
from casecoder.kernel.validate import MAX_CODE_DEPTH
from casecoder.models import Code, CodeKind, Source
from tests.web.test_hostile_uploads import refused, small  # noqa: F401 (fixture)

DEEP = 1_100  # deeper than Python's recursion limit allows a recursive walk
STORED_DEEP = 300  # a stored tree this deep, read under a recursion limit of MARGIN frames more than the test's own
MARGIN = 250  # a page needs fewer frames than this; a walk of the tree by recursion would need more than STORED_DEEP


@contextlib.contextmanager
def recursion_margin(frames: int):  # type: ignore[no-untyped-def]
    """Python's recursion limit set to the current stack depth plus ``frames`` (storing a tree deeper than the
    default limit of 1,000 costs its ancestry table ~600,000 rows: a smaller tree under a tighter limit proves the
    same, that nothing recurses along the tree)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)
QDC_NS = "urn:QDA-XML:codebook:1.0"


def nested_codes(depth: int) -> str:
    return ("".join(f'<Code guid="{i:08d}-0000-4000-8000-000000000000" name="N{i}" isCodable="true">'
                    for i in range(depth)) + "</Code>" * depth)


def deep_qdc(depth: int) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><CodeBook xmlns="{QDC_NS}"><Codes>{nested_codes(depth)}'
            "</Codes></CodeBook>").encode()


def deep_qdpx(depth: int) -> bytes:
    qde = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="Dyb">'
           f"<CodeBook><Codes>{nested_codes(depth)}</Codes></CodeBook></Project>").encode()
    return bombs.zip_of({"project.qde": qde})


@pytest.mark.parametrize("depth", [MAX_CODE_DEPTH + 1, DEEP])
def test_deep_trees_are_refused_on_every_upload(client, small, engine, depth):  # noqa: F811
    message = f"The code tree may be at most {MAX_CODE_DEPTH} levels deep"
    refused(client, engine, "bundle", "dyb.zip", bombs.deep_bundle(depth), "The bundle was not imported",
            f"codes.csv, line {MAX_CODE_DEPTH + 2}, column 5 (parent_key): {message}; code 'D{MAX_CODE_DEPTH}' "
            f"would be on level {MAX_CODE_DEPTH + 1}")
    refused(client, engine, "qdc", "dyb.qdc", deep_qdc(depth), message, f"code 'N{MAX_CODE_DEPTH}'")
    refused(client, engine, "qdpx", "dyb.qdpx", deep_qdpx(depth), message)


def test_trees_up_to_the_cap_are_accepted(client, small, engine, session):  # noqa: F811
    from tests.web.test_hostile_uploads import post_file
    response = post_file(client, "bundle", "fin.zip", bombs.deep_bundle(MAX_CODE_DEPTH))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    deepest = session.scalar(select(Code).where(Code.key == f"D{MAX_CODE_DEPTH - 1}"))
    assert deepest is not None


def stored_deep_tree(session, project, depth: int) -> list[Code]:  # type: ignore[no-untyped-def]
    """A tree ``depth`` levels deep written past the cap (as a database from before it could hold)."""
    codes, parent = [], None
    for i in range(depth):
        code = Code(project_id=project.id, key=f"D{i}", kind=CodeKind.THEME, label_da=f"N{i}", label_en=f"L{i}",
                    color="#888888", position=0, codable=True, parent_id=parent.id if parent else None)
        session.add(code)
        session.flush()
        codes.append(code)
        parent = code
    session.commit()
    return codes


def test_a_deep_tree_already_stored_breaks_no_page(client, small, session):  # noqa: F811
    codes = stored_deep_tree(session, small, STORED_DEEP)
    source_id = session.scalar(select(Source.id).where(Source.project_id == small.id))
    assert session.scalar(select(func.count()).select_from(Code).where(Code.project_id == small.id)) > STORED_DEEP
    urls = ("/p/demo/codebook", "/p/demo/tally", "/p/demo/excerpts", "/p/demo/chains/new",
            "/p/demo/export.qdc", "/p/demo/export.qdpx", "/p/demo/export-bundle.zip",
            f"/p/demo/codes/{codes[-1].id}", "/api/p/demo/codes", f"/p/demo/sources/{source_id}",
            "/p/demo/export/quotes.zip?code=D0")
    for url in urls:
        client.get(url)  # modules imported and templates compiled at the normal limit
    with recursion_margin(MARGIN):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        bundle = client.get("/p/demo/export-bundle.zip").data
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        lines = zf.read("codes.csv").decode("utf-8-sig").splitlines()
    assert sum(line.startswith("D") for line in lines) == STORED_DEEP


def test_the_recursion_margin_catches_a_walk_by_recursion():
    """The check above can fail: a recursive walk of STORED_DEEP levels overflows within MARGIN frames."""
    def depth(n: int) -> int:
        return 0 if n == 0 else 1 + depth(n - 1)
    assert depth(STORED_DEEP) == STORED_DEEP  # fine at the normal limit
    with recursion_margin(MARGIN), pytest.raises(RecursionError):
        depth(STORED_DEEP)
