"""Login rate limit: after too many failed logins for a user name, or from one address, logins wait.

Failures live in the ``login_failures`` table, so every worker of a team server counts the same ones.
A success clears the user name's failures; old rows are pruned when the next failure is recorded.
User names are counted as the login reads them (``accounts.login_name``: " eva" is eva). Wrong current
passwords on the change-password form count as failed logins of that user.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casecoder.coding.accounts import login_name
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import LoginFailure
from casecoder.models.base import utcnow

WINDOW = timedelta(minutes=15)
PER_USERNAME = 5    # failures for one user name within the window
PER_ADDRESS = 30    # failures from one address within the window (many names tried)


class TooManyLogins(InvalidInput):
    """Logins for this user name or from this address must wait; the password was not checked."""

    status = 429


def _wait_minutes(oldest: datetime, now: datetime) -> int:
    if oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds() / 60))


def check(session: Session, username: str, address: str, now: datetime | None = None) -> None:
    """Raise TooManyLogins when the user name or the address has used up its failures."""
    now, username = now or utcnow(), login_name(username)
    since = now - WINDOW
    for column, value, limit, template in (
            (LoginFailure.username, username, PER_USERNAME,
             N_("Too many failed logins for '{name}'. Wait {minutes} minutes and try again, or ask an "
                "administrator to set a new password.")),
            (LoginFailure.remote_addr, address[:64], PER_ADDRESS,
             N_("Too many failed logins from your address. Wait {minutes} minutes and try again."))):
        count, oldest = session.execute(select(func.count(LoginFailure.id), func.min(LoginFailure.at))
                                        .where(column == value, LoginFailure.at > since)).one()
        if count >= limit:
            raise TooManyLogins(template, "username", name=username, minutes=_wait_minutes(oldest, now))


def record_failure(session: Session, username: str, address: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    session.add(LoginFailure(username=login_name(username), remote_addr=address[:64], at=now))
    session.flush()


def clear(session: Session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.username == login_name(username)))
