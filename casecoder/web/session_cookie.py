"""The session cookie, re-signed only when it is worth it (issue #25).

A login lasts ``SESSION_HOURS`` without a request (config.py): Flask keeps that by signing and sending the
session cookie again on EVERY answer (``SESSION_REFRESH_EACH_REQUEST``), which costs each JSON call of the
workbench an HMAC, a zlib pass and a ``Set-Cookie`` header. Here an unchanged session is sent again only
once its signature is older than ``REFRESH_AFTER`` (or a hundredth of the lifetime, if that is shorter):
the idle limit then ends at most that much early, never late (the signature's age is checked as before).
A changed session (login, logout, language, a new CSRF token) is always sent at once.

A signature from the near future (up to ``CLOCK_STEP``) is taken, not thrown away: itsdangerous refuses an
age below 0 as it refuses one above the lifetime, so a wall clock stepped back (NTP, the hypervisor) even by a
second logged out everyone whose cookie was signed in the second before: the next page went to the login.
Such a session is signed again on the same answer, with the present time.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadData, BadSignature, SignatureExpired

REFRESH_AFTER = timedelta(minutes=1)
CLOCK_STEP = timedelta(minutes=1)  # how far in the future a signature may be (the clock went back since)


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
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except SignatureExpired as exc:  # the signature is good: too old, or from the future
            if exc.date_signed is None or exc.payload is None \
                    or not _signed_since_clock_went_back(exc.date_signed, max_age):
                return self.session_class()
            try:
                data, signed_at = serializer.load_payload(exc.payload), None  # None: signed again now
            except BadData:
                return self.session_class()
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


def _signed_since_clock_went_back(signed_at: datetime, max_age: int) -> bool:
    """Whether a signature refused for its age is from at most ``CLOCK_STEP`` in the future (by the clock
    itsdangerous reads, in its whole seconds), not older than the lifetime."""
    age = int(time.time()) - int(signed_at.timestamp())
    return -CLOCK_STEP.total_seconds() <= age <= max_age


def install(app: Flask) -> None:
    app.session_interface = SessionCookie()
