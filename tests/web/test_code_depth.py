"""Issue #22 item 7: the code tree is at most 12 levels deep on every upload (bundle, .qdc, .qdpx) with a
message, and a deeper tree already stored (from before the cap) breaks no page: nothing walks the tree
by recursion. Both databases, through the real client. The codebook YAML and adding and moving a code:
tests/coding/test_code_depth.py."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from bench import bombs
from casecoder.kernel.validate import MAX_CODE_DEPTH
from casecoder.models import Code, CodeKind, Source
from tests.web.test_hostile_uploads import refused, small  # noqa: F401 (fixture)

DEEP = 1_100  # deeper than Python's recursion limit allows a recursive walk
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
    codes = stored_deep_tree(session, small, DEEP)
    source_id = session.scalar(select(Source.id).where(Source.project_id == small.id))
    assert session.scalar(select(func.count()).select_from(Code).where(Code.project_id == small.id)) > DEEP
    for url in ("/p/demo/codebook", "/p/demo/tally", "/p/demo/excerpts", "/p/demo/chains/new",
                "/p/demo/export.qdc", "/p/demo/export.qdpx", "/p/demo/export-bundle.zip",
                f"/p/demo/codes/{codes[-1].id}", "/api/p/demo/codes", f"/p/demo/sources/{source_id}",
                "/p/demo/export/quotes.zip?code=D0"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    with zipfile.ZipFile(io.BytesIO(client.get("/p/demo/export-bundle.zip").data)) as zf:
        lines = zf.read("codes.csv").decode("utf-8-sig").splitlines()
    assert sum(line.startswith("D") for line in lines) == DEEP
