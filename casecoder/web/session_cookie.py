"""The session cookie, re-signed only when it is worth it (issue #25).

A login lasts ``SESSION_HOURS`` without a request (config.py): Flask keeps that by signing and sending the
session cookie again on EVERY answer (``SESSION_REFRESH_EACH_REQUEST``), which costs each JSON call of the
workbench an HMAC, a zlib pass and a ``Set-Cookie`` header. Here an unchanged session is sent again only
once its signature is older than ``REFRESH_AFTER`` (or a hundredth of the lifetime, if that is shorter):
the idle limit then ends at most that much early, never late (the signature's age is checked as before).
A changed session (login, logout, language, a new CSRF token) is always sent at once.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(minutes=1)


class SignedSession(SecureCookieSession):
    signed_at: datetime | None = None  # when the cookie it came from was signed (None: a new session)


class SessionCookie(SecureCookieSessionInterface):
    session_class = SignedSession

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(
                value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:  # type: ignore[override]
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        return datetime.now(timezone.utc) - signed_at >= min(REFRESH_AFTER, app.permanent_session_lifetime / 100)


def install(app: Flask) -> None:
    app.session_interface = SessionCookie()
