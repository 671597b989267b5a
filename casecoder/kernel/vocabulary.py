"""The domain's closed vocabularies: roles, code kinds, perspectives, directions, modes, attribute types,
and the words a person may write for them (``parse``, ``yes_no``).

Stored as their values (``models.base.str_enum``); every layer names them from here. A file or form
written in Danish or English may use the words the Danish and English UI show (``besøg`` or ``visit``,
``ja`` or ``yes``), in any case, with spaces around; exports write the stored (English) value.
"""
from __future__ import annotations

import enum
import unicodedata
from typing import TypeVar

E = TypeVar("E", bound=enum.Enum)


class Role(str, enum.Enum):
    OWNER = "owner"
    CODER = "coder"
    ANALYST = "analyst"
    READER = "reader"


class CodeKind(str, enum.Enum):
    HYPOTHESIS = "hypothesis"
    MECHANISM = "mechanism"
    CONDITION = "condition"
    STATEMENT = "statement"
    EVENT = "event"
    BARRIER = "barrier"
    THEME = "theme"


class RelationType(str, enum.Enum):
    LEADS_TO = "leads_to"
    ASSOCIATED_WITH = "associated_with"


class Perspective(str, enum.Enum):
    FAMILY = "family"
    SYSTEM = "system"


class InterviewMode(str, enum.Enum):
    VISIT = "visit"
    PHONE = "phone"


class Direction(str, enum.Enum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    NUANCES = "nuances"


class AttributeType(str, enum.Enum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"


# The Danish (and other shown) words for each value, as the UI's catalogs translate them.
SYNONYMS: dict[type[enum.Enum], dict[str, enum.Enum]] = {
    Role: {"ejer": Role.OWNER, "koder": Role.CODER, "analytiker": Role.ANALYST, "læser": Role.READER},
    CodeKind: {"hypotese": CodeKind.HYPOTHESIS, "mekanisme": CodeKind.MECHANISM, "betingelse": CodeKind.CONDITION,
               "udsagn": CodeKind.STATEMENT, "hændelse": CodeKind.EVENT, "barriere": CodeKind.BARRIER,
               "tema": CodeKind.THEME},
    RelationType: {"leads to": RelationType.LEADS_TO, "fører til": RelationType.LEADS_TO,
                   "associated with": RelationType.ASSOCIATED_WITH,
                   "hænger sammen med": RelationType.ASSOCIATED_WITH},
    Perspective: {"familie": Perspective.FAMILY},
    InterviewMode: {"besøg": InterviewMode.VISIT, "telefon": InterviewMode.PHONE},
    Direction: {"understøtter": Direction.SUPPORTS, "modsiger": Direction.CONTRADICTS,
                "nuancerer": Direction.NUANCES},
    AttributeType: {"tekst": AttributeType.TEXT, "heltal": AttributeType.INTEGER, "tal": AttributeType.NUMBER,
                    "yes/no": AttributeType.BOOLEAN, "ja/nej": AttributeType.BOOLEAN, "dato": AttributeType.DATE},
}
YES = ("yes", "ja", "true", "1")
NO = ("no", "nej", "false", "0")


def word(value: object) -> str:
    """``value`` as a word to look up: NFC, trimmed, lower case, inner runs of space as one space."""
    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()


def parse(enum_cls: type[E], value: object) -> E | None:
    """The member of ``enum_cls`` that ``value`` names (its value, or a word the UI shows for it), else None."""
    if isinstance(value, enum_cls):
        return value
    text = word(value)
    for member in enum_cls:
        if text == word(member.value):
            return member
    found = SYNONYMS.get(enum_cls, {}).get(text)
    return found if isinstance(found, enum_cls) else None


def words(enum_cls: type[enum.Enum]) -> str:
    """The accepted words, for a message: "visit (besøg), phone (telefon)"."""
    others: dict[enum.Enum, list[str]] = {}
    for text, member in SYNONYMS.get(enum_cls, {}).items():
        others.setdefault(member, []).append(text)
    return ", ".join(f"{m.value} ({'/'.join(others[m])})" if m in others else str(m.value) for m in enum_cls)


def yes_no(value: object) -> bool | None:
    """True for yes/ja/true/1, False for no/nej/false/0 (any case, spaces around), else None."""
    text = word(value)
    return True if text in YES else False if text in NO else None
