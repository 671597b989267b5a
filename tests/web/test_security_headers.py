"""Security headers on every kind of response, and no page that needs inline script (#10, part)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from casecoder.web.security import HEADERS
from casecoder.web.static_files import file_version

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("url", ["/auth/login", "/healthz", "/static/forms.js", "/p/demo/", "/p/demo/tally",
                                 "/api/projects/demo/tally", "/p/nope/", "/p/demo/export/tally.zip?code=H1"])
def test_every_response_carries_the_security_headers(client, demo, url):
    with client.get(url) as response:  # a static file's response holds the file open until closed
        headers = response.headers
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (url, name)
    assert "unsafe-inline" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_no_template_has_inline_script_or_event_handlers():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for handler in (" onsubmit=", " onclick=", " onchange=", " onload=", "javascript:"):
            assert handler not in text, f"{path.name} has {handler.strip()}"
        for chunk in text.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, f"{path.name} has an inline script"


def test_session_cookie_is_httponly_and_samesite(client, demo):
    cookie = next(c for c in client._cookies.values() if c.key == "session")
    assert cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.parametrize("url", ["/auth/login", "/p/demo/", "/p/demo/tally", "/api/projects/demo/tally",
                                 "/p/demo/export/tally.zip?code=H1", "/p/nope/"])
def test_pages_json_and_downloads_are_never_stored_in_a_cache(client, demo, url):
    response = client.get(url)
    assert response.headers["Cache-Control"] == "no-store", url
    assert "Expires" not in response.headers


def test_static_files_may_be_cached(client, demo):
    with client.get("/static/forms.js") as response:
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")


def test_pages_ask_for_static_files_by_version_and_the_browser_keeps_that_version(client, demo):
    """A page names its scripts and style sheet with ``?v=`` (the file's version): that address may be kept for a
    year, so the next page does not ask again; an old version or none is asked for again (web/static_files.py)."""
    page = client.get("/p/demo/").get_data(as_text=True)
    found = re.search(r'href="(/static/casecoder\.css\?v=([0-9a-f]+))"', page)
    assert found, "the style sheet's address carries its version"
    with client.get(found.group(1)) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/casecoder.css", "/static/casecoder.css?v=0", f"/static/casecoder.css?v={found.group(2)}x"):
        with client.get(stale) as response:
            assert response.status_code == 200 and "immutable" not in response.headers.get("Cache-Control", ""), stale


def test_a_changed_static_file_gets_a_new_version(tmp_path: Path) -> None:
    script = tmp_path / "forms.js"
    script.write_text("let a = 1;\n", encoding="utf-8")
    first = file_version(str(tmp_path), "forms.js")
    stat = script.stat()
    script.write_text("let answer = 2;\n", encoding="utf-8")
    os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # new bytes, the same time
    second = file_version(str(tmp_path), "forms.js")
    os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # the same bytes, a new time
    assert None not in (first, second) and len({first, second, file_version(str(tmp_path), "forms.js")}) == 3
    assert file_version(str(tmp_path), "missing.js") is None and file_version(str(tmp_path), "../x.js") is None
