"""Every pure input rule in one place. Each check returns the cleaned value or raises InvalidInput.

The web layer turns InvalidInput into a message for the user; the CLI prints it.
(After Taguette's ``validate.py``.)
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import Enum
from typing import TypeVar

from casecoder.kernel import vocabulary
from casecoder.kernel.errors import N_, InvalidInput, Msg
from casecoder.kernel.vocabulary import AttributeType

E = TypeVar("E", bound=Enum)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
KEY_MAX, SOURCE_KEY_MAX = 32, 64  # code, case, interviewee and attribute keys; source keys
KEY_PUNCTUATION = "._-"
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_PASSWORD = 10
MAX_MEMO = 20_000  # characters of one memo (an excerpt's, a case's, a code's)
THE_MEMO = N_("The memo")


NOT_TEXT_RE = re.compile("[\x00\ud800-\udfff]")  # NUL, and a lone surrogate (a str holds no pairs)
WHOLE_NUMBER_DIGITS = 18
THE_TEXT = N_("The text")


def plain_text(value: str, what: Msg = THE_TEXT) -> str:
    """``value`` unless it holds NUL or a lone surrogate (U+D800-U+DFFF): neither is text; PostgreSQL
    refuses NUL and no encoding can write a lone surrogate."""
    bad = NOT_TEXT_RE.search(value)
    if bad:
        raise InvalidInput("{what} holds the character U+{code} (at position {position}), which is not text",
                           "text", what=what, code=f"{ord(bad.group()):04X}", position=bad.start() + 1)
    return value


MAX_CODE_DEPTH = 12  # levels of the code tree (1: a top-level code)


def code_depth(level: int, key: str) -> int:
    """``level`` (1: top level) of the code ``key`` unless the code tree would be deeper than ``MAX_CODE_DEPTH``."""
    if level > MAX_CODE_DEPTH:
        raise InvalidInput("The code tree may be at most {limit} levels deep; code '{key}' would be on level {level}",
                           "parent", limit=MAX_CODE_DEPTH, key=key, level=level)
    return level


def whole_number(value: str, what: Msg) -> int:
    """``value`` (trimmed) as a whole number: ASCII digits only (``isdigit`` also takes '²', which ``int``
    refuses), at most 18 of them."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= WHOLE_NUMBER_DIGITS):
        raise InvalidInput("{what} '{value}' is not a whole number", "number", what=what, value=value[:40])
    return int(value)


def slug(value: str) -> str:
    value = (value or "").strip()
    if not SLUG_RE.match(value):
        raise InvalidInput(
            "Project slug '{value}' must be 2-63 characters of lower-case letters a-z, digits and '-', "
            "starting with a letter or digit", "slug", value=value)
    return value


def title(value: str, what: str = N_("Title"), max_len: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput("{what} must not be empty", "title", what=what)
    if len(value) > max_len:
        raise InvalidInput("{what} is {n} characters long; at most {max_len} are allowed", "title",
                           what=what, n=len(value), max_len=max_len)
    return value


def username(value: str) -> str:
    value = (value or "").strip()
    if not USERNAME_RE.match(value):
        raise InvalidInput(
            "User name '{value}' must be 2-64 characters of letters, digits, '.', '_' or '-'", "username",
            value=value)
    return value


def password(value: str) -> str:
    if len(value or "") < MIN_PASSWORD:
        raise InvalidInput("The password must be at least {n} characters long", "password", n=MIN_PASSWORD)
    return value


def is_key(value: str, max_len: int = KEY_MAX) -> bool:
    """A key: 1-``max_len`` Unicode letters (NFC; a letter's combining marks count with it), digits and
    '.', '_', '-', starting with a letter or digit: ``F01``, ``ÆR0``, ``FÅB-12``, ``H1.2``."""
    value = unicodedata.normalize("NFC", value)
    if not 0 < len(value) <= max_len or not _letter_or_digit(value[0]):
        return False
    return all(_letter_or_digit(c) or c in KEY_PUNCTUATION or unicodedata.category(c)[0] == "M" for c in value[1:])


def _letter_or_digit(c: str) -> bool:
    return unicodedata.category(c)[0] == "L" or unicodedata.category(c) == "Nd"


def as_key(value: str, max_len: int = KEY_MAX) -> str | None:
    """``value`` trimmed and NFC-normalised if it is a key, else None."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    return value if is_key(value, max_len) else None


def key(value: str, what: Msg, max_len: int = KEY_MAX, field: str = "key") -> str:
    """``value`` (trimmed, NFC) if it is a key, else InvalidInput naming ``what`` and the rule."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    if not is_key(value, max_len):
        raise InvalidInput(
            "{what} '{value}' must be 1-{max_len} characters: letters (also æ, ø, å and other accented letters), "
            "digits, '.', '_' or '-', starting with a letter or digit", field, what=what, value=value,
            max_len=max_len)
    return value


def memo(value: str | None, what: Msg = THE_MEMO) -> str:
    """A memo without surrounding blanks, at most ``MAX_MEMO`` characters."""
    value = (value or "").strip()
    if len(value) > MAX_MEMO:
        raise InvalidInput("{what} is {n} characters long; at most {max_len} are allowed", "memo",
                           what=what, n=len(value), max_len=MAX_MEMO)
    return value


def code_key(value: str) -> str:
    return key(value, N_("Code key"))


def case_key(value: str) -> str:
    return key(value, N_("Case key"))


def color(value: str) -> str:
    value = (value or "").strip()
    if not COLOR_RE.match(value):
        raise InvalidInput("Colour '{value}' must be written #rrggbb, e.g. #1b7f3b", "color", value=value)
    return value.lower()


def choice(enum_cls: type[E], value: object, what: Msg) -> E:
    """Parse ``value`` into a member of ``enum_cls`` (its value or a Danish or English word the UI shows
    for it, ``vocabulary.parse``) or name the allowed values."""
    found = vocabulary.parse(enum_cls, value)
    if found is None:
        raise InvalidInput("{what} '{value}' is not one of: {allowed}", what.lower(), what=what, value=value,
                           allowed=vocabulary.words(enum_cls))
    return found


def iso_date(value: object, what: str = N_("Date")) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput("{what} '{value}' is not a date written YYYY-MM-DD", "date", what=what,
                           value=value) from None


def span(text: str, start: int, end: int) -> tuple[int, int]:
    """A span [start, end) of code points inside ``text``."""
    if not isinstance(start, int) or not isinstance(end, int):
        raise InvalidInput("Excerpt start and end must be whole numbers", "span")
    if start < 0 or end > len(text) or end <= start:
        raise InvalidInput(
            "Excerpt span {start}-{end} is not inside the transcript (0-{length}) or is empty", "span",
            start=start, end=end, length=len(text))
    if not text[start:end].strip():
        raise InvalidInput("An excerpt must contain more than white space", "span")
    return start, end


def attribute_value(type_: AttributeType, value: object, name: str) -> object:
    """``value`` as a case attribute of type ``type_``: yes/no also as ja/nej/true/false/1/0, numbers with
    a decimal comma, dates YYYY-MM-DD."""
    if value is None:
        return None
    try:
        if type_ is AttributeType.BOOLEAN:
            if isinstance(value, bool):
                return value
            answer = vocabulary.yes_no(value)
            if answer is None:
                raise ValueError
            return answer
        if type_ is AttributeType.INTEGER:
            if isinstance(value, bool):
                raise ValueError
            return int(value)  # type: ignore[call-overload]
        if type_ is AttributeType.NUMBER:
            return float(str(value).replace(",", "."))
        if type_ is AttributeType.DATE:
            return iso_date(value, name)
        return str(value)
    except (ValueError, TypeError):
        raise InvalidInput("Attribute {name}: '{value}' is not a valid {type}", name, name=name, value=value,
                           type=type_.value) from None
