"""The domain's closed vocabularies: roles, code kinds, perspectives, directions, modes, attribute types.

Stored as their values (``models.base.str_enum``); every layer names them from here.
"""
from __future__ import annotations

import enum


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
