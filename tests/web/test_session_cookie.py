"""The session cookie is signed again only when it changed or its signature is older than a minute
(web/session_cookie.py); the idle limit holds as before (tests/web/test_sessions.py)."""
from __future__ import annotations

from datetime import timedelta

from casecoder.web import session_cookie
from tests.conftest import login
from tests.factories import PASSWORD


def _sets_session(response) -> bool:  # type: ignore[no-untyped-def]
    return any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))


def test_an_unchanged_session_is_sent_again_only_after_a_while(client, factory, session, monkeypatch):
    factory.project("proj", factory.user("eva"))
    session.commit()
    assert _sets_session(login(client, "eva", PASSWORD))  # a changed session: at once
    answer = client.get("/api/p/proj/codes")
    assert answer.status_code == 200 and not _sets_session(answer)  # signed a moment ago: not again
    monkeypatch.setattr(session_cookie, "REFRESH_AFTER", timedelta(0))
    answer = client.get("/api/p/proj/codes")
    assert answer.status_code == 200 and _sets_session(answer)  # an older signature: sent again, lifetime renewed
    assert "Expires=" in next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("session="))
    logout = client.post("/auth/logout", headers={"X-CSRFToken": "x"})  # CSRF refused: nothing changes
    assert logout.status_code == 400
    assert client.get("/api/p/proj/codes").status_code == 200
