"""Security headers on every kind of response, and no page that needs inline script (#10, part)."""
from __future__ import annotations

from pathlib import Path

import pytest

from casecoder.web.security import HEADERS

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
