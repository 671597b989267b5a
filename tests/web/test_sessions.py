"""Logins: session cookie flags, idle expiry, and the login rate limit (on SQLite and PostgreSQL)."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casecoder.app import create_app
from casecoder.coding import login_limit
from casecoder.db import dispose
from casecoder.models import LoginFailure
from casecoder.models.base import utcnow
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def _set_cookie(response) -> str:  # type: ignore[no-untyped-def]
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_login_cookie_is_httponly_lax_and_expires_after_the_idle_limit(client, factory, session):
    factory.user("eva")
    session.commit()
    response = login(client, "eva", PASSWORD)
    assert response.status_code == 302
    cookie = _set_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # plain http in development; deploy.md turns it on


def test_secure_cookie_when_configured(db_url, engine, factory, session, tmp_path):
    factory.user("eva")
    session.commit()
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": uuid.uuid4().hex,
                      "SESSION_COOKIE_SECURE": True})
    try:
        client = app.test_client()
        cookie = _set_cookie(login(client, "eva", PASSWORD))
        assert "; Secure" in cookie
    finally:
        dispose(app)


def test_an_idle_session_expires_and_the_page_script_is_told_where_to_log_in(db_url, engine, factory, session):
    factory.project("proj", factory.user("eva"))
    session.commit()
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": uuid.uuid4().hex,
                      "SESSION_HOURS": 1 / 3600})  # one second
    try:
        client = app.test_client()
        login(client, "eva", PASSWORD)
        assert client.get("/p/proj/").status_code == 200
        token = csrf_token(client, "/p/proj/")
        time.sleep(2.2)
        page = client.get("/p/proj/")
        assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
        api = client.post("/api/p/proj/excerpts", json={"source_id": 1, "start": 0, "end": 3, "codes": ["H1"]},
                          headers={"X-CSRFToken": token})
        assert api.status_code == 401
        assert "Din session er udløbet" in api.get_json()["error"]  # logged out: Danish, the default
        assert api.get_json()["login"] == "/auth/login?expired=1"
        again = client.get("/auth/login?expired=1&next=/p/proj/")
        assert "Din session er udløbet" in again.get_data(as_text=True)
    finally:
        dispose(app)


def test_too_many_failed_logins_wait_even_with_the_right_password(client, factory, session):
    factory.user("eva")
    factory.user("ole")
    session.commit()
    for _ in range(login_limit.PER_USERNAME):
        assert login(client, "eva", "wrong password").status_code == 401
    assert session.scalar(select(func.count(LoginFailure.id))) == login_limit.PER_USERNAME
    blocked = login(client, "eva", PASSWORD)
    assert blocked.status_code == 429
    # before logging in the page speaks the default language, Danish
    assert "For mange mislykkede logins for &#39;eva&#39;. Vent 15 minutter" in blocked.get_data(as_text=True)
    assert login(client, "ole", PASSWORD).status_code == 302  # another user name is not held up


def test_a_success_clears_the_failures_and_old_failures_expire(session):
    now = utcnow()
    for minutes in (20, 19, 18, 17):  # outside the 15-minute window
        login_limit.record_failure(session, "eva", "10.0.0.1", now - timedelta(minutes=minutes))
    for _ in range(login_limit.PER_USERNAME - 1):
        login_limit.record_failure(session, "eva", "10.0.0.1", now)
    login_limit.check(session, "eva", "10.0.0.1", now)  # 4 recent failures: still allowed
    # recording a failure pruned the old ones
    assert session.scalar(select(func.count(LoginFailure.id))) == login_limit.PER_USERNAME - 1
    login_limit.record_failure(session, "eva", "10.0.0.1", now)
    with pytest.raises(login_limit.TooManyLogins, match="Wait 15 minutes"):
        login_limit.check(session, "eva", "10.0.0.1", now)
    with pytest.raises(login_limit.TooManyLogins, match="Wait 5 minutes"):
        login_limit.check(session, "eva", "10.0.0.1", now + timedelta(minutes=10))
    login_limit.check(session, "eva", "10.0.0.1", now + timedelta(minutes=15, seconds=1))
    login_limit.clear(session, "eva")
    login_limit.check(session, "eva", "10.0.0.1", now)


def test_one_address_trying_many_names_is_held_up(session):
    now = utcnow()
    for i in range(login_limit.PER_ADDRESS):
        login_limit.record_failure(session, f"user{i}", "10.0.0.9", now)
    with pytest.raises(login_limit.TooManyLogins, match="from your address"):
        login_limit.check(session, "someone", "10.0.0.9", now)
    login_limit.check(session, "someone", "10.0.0.10", now)
