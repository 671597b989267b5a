"""gzip of text answers (web/compress.py, issue #25): pages and JSON over 1 KB go out gzipped when the
client accepts it, decode to exactly the uncompressed answer and say ``Vary: Accept-Encoding``;
small answers, clients without gzip, files and streamed downloads pass through untouched."""
from __future__ import annotations

import gzip

from sqlalchemy import select

from casecoder.models import Source

GZIP = {"Accept-Encoding": "gzip, deflate"}


def test_pages_and_json_are_gzipped_when_the_client_accepts_it(client, demo, session):  # type: ignore[no-untyped-def]
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    for url in (f"/p/demo/sources/{source.id}", f"/api/p/demo/sources/{source.id}/excerpts", "/p/demo/tally"):
        plain = client.get(url)
        zipped = client.get(url, headers=GZIP)
        assert plain.status_code == zipped.status_code == 200, url
        assert "Content-Encoding" not in plain.headers, url
        assert zipped.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in zipped.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"], url
        assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data), url
        body = gzip.decompress(zipped.data)
        if url.startswith("/api/"):
            assert body == plain.data, url
        else:  # a page differs only in its CSRF token
            assert len(body) == len(plain.data) and body.count(b"csrf") == plain.data.count(b"csrf"), url
        assert zipped.headers["Cache-Control"] == "no-store", "the security headers stay"


def test_a_large_answer_is_compressed_at_the_fast_level_and_a_smaller_one_at_the_thorough_one(client, demo, monkeypatch):  # type: ignore[no-untyped-def]
    from casecoder.web import compress
    url = "/api/projects/demo/tally"
    small = client.get(url, headers=GZIP)
    body = gzip.decompress(small.data)
    assert compress.MIN_SIZE < len(body) <= compress.LARGE  # the demo's tally: under 64 KB
    assert small.data == gzip.compress(body, compresslevel=compress.LEVEL, mtime=0)
    monkeypatch.setattr(compress, "LARGE", len(body) - 1)  # the same answer, now counted large
    large = client.get(url, headers=GZIP)
    assert gzip.decompress(large.data) == body
    assert large.data == gzip.compress(body, compresslevel=compress.LARGE_LEVEL, mtime=0) != small.data


def test_small_answers_refusing_clients_and_files_pass_through(client, demo):  # type: ignore[no-untyped-def]
    no_gzip = client.get("/p/demo/tally", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert no_gzip.status_code == 200 and "Content-Encoding" not in no_gzip.headers
    small = client.get("/healthz", headers=GZIP)
    assert "Content-Encoding" not in small.headers
    static = client.get("/static/workbench.js", headers=GZIP)
    assert static.status_code == 200 and "Content-Encoding" not in static.headers
    static.close()
    export = client.get("/p/demo/export-bundle.zip", headers=GZIP)
    assert export.status_code == 200 and "Content-Encoding" not in export.headers
    assert export.data[:2] == b"PK"


def test_pages_that_may_echo_the_request_are_not_compressed(client, demo):  # type: ignore[no-untyped-def]
    """BREACH: the CSRF token is never compressed beside text from the request (query or form)."""
    for url in ("/p/demo/tally?municipality=Nordby", "/p/demo/search?q=koordinator"):
        page = client.get(url, headers=GZIP)
        assert page.status_code == 200 and b"csrf" in page.data, url
        assert "Content-Encoding" not in page.headers, url
    api = client.get("/api/projects/demo/tally?municipality=Nordby", headers=GZIP)
    assert api.headers["Content-Encoding"] == "gzip", "JSON holds no token: compressed"
