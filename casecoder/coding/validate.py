"""Every pure input rule in one place. Each check returns the cleaned value or raises InvalidInput.

The web layer turns InvalidInput into a message for the user; the CLI prints it.
(After Taguette's ``validate.py``.)
"""
from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import TypeVar

E = TypeVar("E", bound=Enum)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
CODE_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
CASE_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_PASSWORD = 10


class InvalidInput(ValueError):
    """User input broke a rule; ``str(exc)`` is a message fit to show the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def slug(value: str) -> str:
    value = (value or "").strip()
    if not SLUG_RE.match(value):
        raise InvalidInput(
            f"Project slug {value!r} must be 2-63 characters of lower-case letters a-z, digits and '-', "
            "starting with a letter or digit", "slug")
    return value


def title(value: str, what: str = "Title", max_len: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} must not be empty", "title")
    if len(value) > max_len:
        raise InvalidInput(f"{what} is {len(value)} characters long; at most {max_len} are allowed", "title")
    return value


def username(value: str) -> str:
    value = (value or "").strip()
    if not USERNAME_RE.match(value):
        raise InvalidInput(
            f"User name {value!r} must be 2-64 characters of letters, digits, '.', '_' or '-'", "username")
    return value


def password(value: str) -> str:
    if len(value or "") < MIN_PASSWORD:
        raise InvalidInput(f"The password must be at least {MIN_PASSWORD} characters long", "password")
    return value


def code_key(value: str) -> str:
    value = (value or "").strip()
    if not CODE_KEY_RE.match(value):
        raise InvalidInput(
            f"Code key {value!r} must be 1-32 characters of letters, digits, '.', '_' or '-', "
            "starting with a letter or digit", "key")
    return value


def case_key(value: str) -> str:
    value = (value or "").strip()
    if not CASE_KEY_RE.match(value):
        raise InvalidInput(
            f"Case key {value!r} must be 1-32 characters of letters, digits, '.', '_' or '-'", "key")
    return value


def color(value: str) -> str:
    value = (value or "").strip()
    if not COLOR_RE.match(value):
        raise InvalidInput(f"Colour {value!r} must be written #rrggbb, e.g. #1b7f3b", "color")
    return value.lower()


def choice(enum_cls: type[E], value: object, what: str) -> E:
    """Parse ``value`` into a member of ``enum_cls`` or name the allowed values."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)  # type: ignore[attr-defined]
        raise InvalidInput(f"{what} {value!r} is not one of: {allowed}", what.lower()) from None


def iso_date(value: object, what: str = "Date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a date written YYYY-MM-DD", what.lower()) from None


def span(text: str, start: int, end: int) -> tuple[int, int]:
    """A span [start, end) of code points inside ``text``."""
    if not isinstance(start, int) or not isinstance(end, int):
        raise InvalidInput("Excerpt start and end must be whole numbers", "span")
    if start < 0 or end > len(text) or end <= start:
        raise InvalidInput(
            f"Excerpt span {start}-{end} is not inside the transcript (0-{len(text)}) or is empty", "span")
    if not text[start:end].strip():
        raise InvalidInput("An excerpt must contain more than white space", "span")
    return start, end
