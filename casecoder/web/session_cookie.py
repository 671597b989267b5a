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

A cookie whose signature checked out is remembered per process (``VERIFIED_LIMIT`` of them), with its data
and the time it was signed: the same cookie again (every request of that minute) costs a lookup and the
age check instead of two HMACs, the base64 and JSON decoding (~40 us of each request's CPU, #25). Only the
exact string that verified is taken, only while its age is within the lifetime (otherwise the whole check
runs again and answers as above), and only for data of plain immutable values, copied into each request's
session.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadData, BadSignature, SignatureExpired

REFRESH_AFTER = timedelta(minutes=1)
CLOCK_STEP = timedelta(minutes=1)  # how far in the future a signature may be (the clock went back since)
VERIFIED_LIMIT = 1024  # cookies remembered per process once their signature checked out (emptied when full)
_PLAIN = (str, int, float, bool, type(None))  # the values a remembered session may hold


class SignedSession(SecureCookieSession):
    signed_at: datetime | None = None  # when the cookie it came from was signed (None: a new session)


class SessionCookie(SecureCookieSessionInterface):
    session_class = SignedSession

    def __init__(self) -> None:
        self._verified: dict[str, tuple[dict[str, object], datetime]] = {}  # cookie -> its data, when signed

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(value)
        if known is not None and 0 <= int(time.time()) - int(known[1].timestamp()) <= max_age:  # itsdangerous' test
            session = self.session_class(known[0])
            session.signed_at = known[1]
            return session
        session = self._verify(app, value, max_age)
        if session.signed_at is not None and all(type(v) in _PLAIN for v in session.values()):
            if len(self._verified) >= VERIFIED_LIMIT:
                self._verified.clear()
            self._verified[value] = (dict(session), session.signed_at)
        return session

    def _verify(self, app: Flask, value: str, max_age: int) -> SignedSession:
        """The session of cookie ``value`` by its signature (a new, empty one when it does not hold)."""
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # there is a secret key
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
