"""Issue #22 items 8 and 11: requests that gave a 500 (or kept a worker busy) are each a 400 with a message,
and nothing stored changes - on SQLite and PostgreSQL, through the real client with real CSRF tokens.

- CSV cell or header over 131,072 characters, NUL in a CSV cell, 15,000 attribute columns (bundle upload)
  -> ``test_hostile_csv_tables_in_a_bundle``; core: tests/files/test_csv_limits.py.
- NUL in a JSON memo or chain caption, a lone surrogate in JSON, deeply nested JSON
  -> ``test_json_that_is_not_text_or_too_deep``; NUL in a form field, a query parameter or the path
  -> ``test_nul_in_forms_queries_and_paths``.
- ``?case=²``, ``?coder=²``, ``export/chain.zip?chain=²`` -> ``test_numbers_isdigit_accepts_but_int_refuses``.
"""
from __future__ import annotations

import html

import pytest

from bench import bombs
from casecoder.coding import chains
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.web.test_hostile_uploads import refused, small, snapshot  # noqa: F401 (fixture)

LONG = "x" * 140_000


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("name, data, message", [
    ("celle.zip", bombs.zip_of({"cases.csv": f"case_key,municipality\nF99,{LONG}\n".encode()}),
     "cases.csv, line 2"),
    ("citeret.zip", bombs.zip_of({"cases.csv": f'case_key,municipality\nF99,"{LONG}"\n'.encode()}),
     "cases.csv, line 2"),
    ("kolonne.zip", bombs.zip_of({"cases.csv": f"case_key,municipality,{LONG}\nF99,Nordby,x\n".encode()}),
     "cases.csv, line 1"),
    ("nul.zip", bombs.zip_of({"cases.csv": b"case_key,municipality\nF99,Nord\x00by\n"}),
     "holds a NUL character"),
    ("bred.zip", bombs.wide_bundle(15_000), "names 15002 columns; a table may have at most 200"),
], ids=["cell", "quoted-cell", "header", "nul", "15000-columns"])
def test_hostile_csv_tables_in_a_bundle(client, small, engine, name, data, message):  # noqa: F811
    refused(client, engine, "bundle", name, data, "The bundle was not imported", message)


def _json_refused(client, engine, method: str, url: str, body: str, *expected: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(engine)
    response = getattr(client, method)(url, data=body, content_type="application/json",
                                       headers={"X-CSRFToken": csrf_token(client, "/")})
    assert response.status_code == 400, (url, body[:80], response.status_code, response.get_data(as_text=True)[:300])
    error = response.get_json()["error"]
    for part in expected:
        assert part in error, (error, part)
    assert snapshot(engine) == before


def test_json_that_is_not_text_or_too_deep(client, factory, engine, session):
    project, owner, excerpt = factory.coded_project("proj")
    factory.code(project, "H1.1")
    chain = chains.save_chain(session, project, owner, title="K", keys=["H1.4", "H1.1"], arrows=["both-and"])
    session.commit()
    login(client, owner.username, PASSWORD)
    patch = f"/api/p/proj/excerpts/{excerpt.id}"
    _json_refused(client, engine, "patch", patch, '{"memo": "ja\\u0000nej"}', "'memo'", "U+0000", "not text")
    _json_refused(client, engine, "patch", patch, '{"memo": "ja\\ud800"}', "'memo'", "U+D800")
    _json_refused(client, engine, "patch", patch, '{"memo\\udfff": "ja"}', "U+DFFF")
    chain_body = ('{"title": "K", "caption": "a\\u0000b", "keys": ["H1.4", "H1.1"], "arrows": ["both-and"], '
                  '"scope": "family"}')
    _json_refused(client, engine, "post", "/api/p/proj/chains", chain_body, "'caption'", "U+0000")
    _json_refused(client, engine, "put", f"/api/p/proj/chains/{chain.id}", chain_body, "'caption'")
    for depth in (40, 100_000):
        _json_refused(client, engine, "patch", patch, "[" * depth + "]" * depth, "nested more than 32 levels")
        _json_refused(client, engine, "post", "/api/p/proj/chains/preview", '{"keys": ' + "[" * depth + "]" * depth
                      + "}", "nested more than 32 levels")
    ok = client.patch(patch, json={"memo": "Ærø 😀"}, headers={"X-CSRFToken": csrf_token(client, "/")})
    assert ok.status_code == 200, ok.get_data(as_text=True)  # the sanity check: text is fine


def test_nul_in_forms_queries_and_paths(client, factory, engine, session):
    project, owner, excerpt = factory.coded_project("proj")
    login(client, owner.username, PASSWORD)
    before = snapshot(engine)
    token = csrf_token(client, "/projects/new")
    response = client.post("/projects/new", data={"csrf_token": token, "title": "Ny\x00titel", "slug": "ny"})
    assert response.status_code == 400 and "'title' holds the character U+0000" in page_text(response)
    response = client.get("/p/proj/excerpts?q=hj%00lp")
    assert response.status_code == 400 and "'q' holds the character U+0000" in page_text(response)
    assert client.get("/p/pr%00oj/excerpts").status_code == 400
    assert snapshot(engine) == before


def test_numbers_isdigit_accepts_but_int_refuses(client, factory, engine, session):
    project, owner, excerpt = factory.coded_project("proj")
    factory.code(project, "H1.1")
    chain = chains.save_chain(session, project, owner, title="K", keys=["H1.4", "H1.1"], arrows=["both-and"])
    session.commit()
    login(client, owner.username, PASSWORD)
    for url, message in [("/p/proj/excerpts?case=%C2%B2", "Case '²' is not a whole number"),
                         ("/p/proj/excerpts?coder=%C2%B2", "Coder '²' is not a whole number"),
                         ("/p/proj/excerpts?case=1,%C2%B2", "Case '²' is not a whole number"),
                         ("/p/proj/export/chain.zip?chain=%C2%B2", "Chain '²' is not a whole number"),
                         ("/p/proj/export/chain.zip?chain=1" + "0" * 30, "is not a whole number")]:
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert message in page_text(response), url
    assert client.get("/p/proj/cases?sort=attr-%C2%B2").status_code == 200  # an unknown sort: by key
    assert client.get(f"/p/proj/excerpts?case={excerpt.case_id}").status_code == 200
    assert client.get(f"/p/proj/export/chain.zip?chain={chain.id}").status_code == 200
