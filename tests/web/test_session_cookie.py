"""The session cookie is signed again only when it changed or its signature is older than a minute
(web/session_cookie.py); the idle limit holds as before (tests/web/test_sessions.py)."""
from __future__ import annotations

import time
from datetime import timedelta

from casecoder.web import session_cookie
from tests.conftest import csrf_token, login
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


def _clock_back(monkeypatch, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """The wall clock stepped back (NTP, the hypervisor): what itsdangerous and the app read from now on."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - seconds)


def test_a_clock_stepped_back_a_little_keeps_the_login(client, factory, session, monkeypatch):
    """Signed, then the clock goes back 2 s: the next page and JSON call are still logged in (they were sent
    to the login: itsdangerous refuses a negative age), and the cookie is signed again at the present time."""
    factory.project("proj", factory.user("eva"))
    session.commit()
    assert login(client, "eva", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    _clock_back(monkeypatch, 2)
    page = client.get("/p/proj/")  # a project's address (the user loaded with the membership) ...
    assert page.status_code == 200, page.headers.get("Location")
    assert _sets_session(page)  # ... and the cookie signed again with the present (stepped back) time
    assert client.get("/api/p/proj/codes").status_code == 200
    assert client.get("/").status_code == 200  # an address outside a project


def test_before_login_the_form_token_survives_a_clock_stepped_back(client, factory, session, monkeypatch):
    """The login form's CSRF token lives in the (unsigned-in, not permanent) session: a clock gone back
    between showing the form and sending it must not make the login fail as 'form expired'."""
    factory.user("eva")
    session.commit()
    token = csrf_token(client)
    _clock_back(monkeypatch, 2)
    answer = client.post("/auth/login", data={"username": "eva", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302
    assert client.get("/").status_code == 200


def test_a_signature_far_in_the_future_or_too_old_is_still_refused(client, factory, session, monkeypatch):
    """Beyond ``CLOCK_STEP`` ahead, or older than the lifetime: no login, as before."""
    factory.project("proj", factory.user("eva"))
    session.commit()
    login(client, "eva", PASSWORD)
    _clock_back(monkeypatch, session_cookie.CLOCK_STEP.total_seconds() + 5)
    assert client.get("/api/p/proj/codes").status_code == 401
    monkeypatch.undo()
    login(client, "eva", PASSWORD)
    assert client.get("/api/p/proj/codes").status_code == 200
    lifetime = client.application.permanent_session_lifetime.total_seconds()
    _clock_back(monkeypatch, -(lifetime + 5))  # forward: the signature is older than the idle limit
    assert client.get("/api/p/proj/codes").status_code == 401


def test_a_cookie_that_checked_out_is_not_checked_again_and_a_changed_one_is(client, factory, session, monkeypatch):
    """The signature of the cookie a request brings is checked once per process while it is young: the next
    requests with the very same cookie take the remembered data; a cookie changed by one character is
    checked (and refused)."""
    factory.project("proj", factory.user("eva"))
    session.commit()
    assert login(client, "eva", PASSWORD).status_code == 302
    interface, checked = client.application.session_interface, []
    real = interface._verify
    monkeypatch.setattr(interface, "_verify", lambda *args: checked.append(args[1]) or real(*args))
    assert client.get("/api/p/proj/codes").status_code == 200
    assert client.get("/api/p/proj/codes").status_code == 200
    assert client.get("/p/proj/").status_code == 200
    value = client.get_cookie("session").value
    assert checked == [value]  # the login's new cookie, once
    client.set_cookie("session", value[:-6] + ("A" if value[-6] != "A" else "B") + value[-5:])  # its signature
    assert client.get("/api/p/proj/codes").status_code == 401
    assert len(checked) == 2
