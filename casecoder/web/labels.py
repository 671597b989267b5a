"""Translated display names for the stored enum values (kinds, directions, perspectives, roles ...)."""
from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {"owner": _l("Owner"), "coder": _l("Coder"), "analyst": _l("Analyst"), "reader": _l("Reader")}
KIND_LABELS = {"name": _l("Name"), "place": _l("Place"), "institution": _l("Institution"), "other": _l("Other")}  # key list entries

LABELS = {
    **ROLE_LABELS,
    "hypothesis": _l("hypothesis"), "mechanism": _l("mechanism"), "condition": _l("condition"),
    "statement": _l("statement"), "event": _l("event"), "barrier": _l("barrier"), "theme": _l("theme"),
    "supports": _l("supports"), "contradicts": _l("contradicts"), "nuances": _l("nuances"),
    "leads_to": _l("leads to"), "associated_with": _l("associated with"),
    "family": _l("family"), "system": _l("system"),
    "visit": _l("visit"), "phone": _l("phone"),
}


def label(value: Enum | str | None) -> str:
    """The display name of an enum member or its stored value, in the UI language."""
    if value is None:
        return ""
    key = value.value if isinstance(value, Enum) else value
    return str(LABELS.get(key, key))
