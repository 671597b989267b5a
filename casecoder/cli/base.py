"""What every command shares: one unit of work per command, and how a password is asked for."""
from __future__ import annotations

import getpass
import sys
from contextlib import contextmanager
from typing import Iterator

import click
from flask import current_app
from sqlalchemy.orm import Session

from casecoder.db import new_session
from casecoder.kernel.errors import InvalidInput


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on any error."""
    session = new_session(current_app)
    try:
        yield session
        session.commit()
    except InvalidInput as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    finally:
        session.close()


def password_option(password: str | None) -> str:
    if password is not None:
        return password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise click.ClickException("The passwords differ")
    return first
