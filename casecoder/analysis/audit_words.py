"""The audit log in words: one sentence per event ("anna coded 'Min koordinator ringede…' with H1.4
(supports)"), the changed fields of an update, and the stored before/after as readable text.

No database and no Flask: ``describe`` takes the event, the names its ids stand for (``Names``, read in
a few grouped queries by ``analysis.audit_log``) and a gettext function (Flask-Babel's in the web, a
catalog's in tests). Every template is an English msgid marked with ``N_`` and filled with ``{name}``
fields after translation.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from casecoder.kernel.errors import N_

Gettext = Callable[[str], str]
EXCERPT_CHARS = 40
VALUE_CHARS = 60


class Event(Protocol):
    user_id: int | None
    action: str
    entity: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class Names:
    """What the ids of a page's events stand for: user names, code keys, excerpt texts, transcript
    titles and case keys (also of deleted objects, from their last audit snapshot)."""
    users: dict[int, str] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    excerpts: dict[int, str] = field(default_factory=dict)
    sources: dict[int, str] = field(default_factory=dict)
    cases: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Description:
    sentence: str
    changes: list[str]


# The stored enum values, translated (the same msgids as web/labels.py).
VALUES = {
    "supports": N_("supports"), "contradicts": N_("contradicts"), "nuances": N_("nuances"),
    "hypothesis": N_("hypothesis"), "mechanism": N_("mechanism"), "condition": N_("condition"),
    "statement": N_("statement"), "event": N_("event"), "barrier": N_("barrier"), "theme": N_("theme"),
    "family": N_("family"), "system": N_("system"), "pooled": N_("pooled"), "visit": N_("visit"),
    "phone": N_("phone"), "owner": N_("Owner"), "coder": N_("Coder"), "analyst": N_("Analyst"),
    "reader": N_("Reader"), "both-and": N_("both-and"), "and-or": N_("and-or"),
    "accept": N_("accept one version"), "merge": N_("merge the versions"), "note": N_("note only"),
    "pending": N_("pending"), "accepted": N_("accepted"), "rejected": N_("rejected"), "applied": N_("applied"),
    "name": N_("Name"), "place": N_("Place"), "institution": N_("Institution"), "other": N_("Other"),
}
UNQUOTED = {"key", "color", "cases", "interviewees", "coders", "nodes", "date", "interview_date", "window_from",
            "window_to", "file", "username", "skipped"}  # keys, names and dates read plainly
ENUM_FIELDS = {"direction", "kind", "perspective", "mode", "role", "scope", "decision", "status", "arrows"}

# The fields of the snapshots, as a reader of the log names them.
FIELDS = {
    "key": N_("key"), "kind": N_("kind"), "label_da": N_("Danish label"), "label_en": N_("English label"),
    "parent_id": N_("parent"), "color": N_("colour"), "codable": N_("codable"), "archived": N_("archived"),
    "position": N_("position"), "description_da": N_("Danish description"),
    "description_en": N_("English description"), "include_da": N_("Danish include note"),
    "include_en": N_("English include note"), "exclude_da": N_("Danish exclude note"),
    "exclude_en": N_("English exclude note"), "memo": N_("memo"), "source_id": N_("transcript"),
    "case_id": N_("case"), "start": N_("start"), "end": N_("end"), "text": N_("text"),
    "excerpt_id": N_("excerpt"), "code_id": N_("code"), "coder_id": N_("coder"), "direction": N_("direction"),
    "of_record": N_("of record"), "title": N_("title"), "caption": N_("caption"), "scope": N_("scope"),
    "nodes": N_("codes"), "arrows": N_("arrows"), "municipality": N_("municipality"), "role": N_("role"),
    "perspective": N_("perspective"), "mode": N_("mode"), "date": N_("date"), "interview_date": N_("date"),
    "cases": N_("cases"), "case_ids": N_("cases"), "interviewees": N_("interviewees"), "coders": N_("coders"),
    "opened": N_("comparison open"), "decision": N_("decision"), "chosen_coder_id": N_("chosen coder"),
    "note": N_("note"), "real": N_("real name"), "pseudonym": N_("pseudonym"), "found": N_("found"),
    "replacement": N_("replacement"), "status": N_("status"), "pseudonymised_only": N_("pseudonymised only"),
    "min_weeks": N_("minimum weeks"), "require_not_employed": N_("not employed at entry"),
    "window_from": N_("latest registration from"), "window_to": N_("latest registration to"),
    "attributes": N_("attributes"), "user_id": N_("user"), "username": N_("user"),
}
ID_FIELDS = {"parent_id": "codes", "code_id": "codes", "case_id": "cases", "source_id": "sources",
             "excerpt_id": "excerpts", "coder_id": "users", "chosen_coder_id": "users", "user_id": "users",
             "decided_by_id": "users", "case_ids": "cases", "source_ids": "sources"}

# One template per (entity, action); ``{user}`` is who did it.
TEMPLATES = {
    ("code", "create"): N_("{user} created code {code} '{label}'"),
    ("code", "update"): N_("{user} changed code {code}"),
    ("code", "move"): N_("{user} moved code {code} from {old} to {new}"),
    ("code", "rename"): N_("{user} renamed code {code}"),
    ("code", "archive"): N_("{user} archived code {code}"),
    ("code", "unarchive"): N_("{user} took code {code} out of the archive"),
    ("code", "delete"): N_("{user} deleted code {code} '{label}'"),
    ("code", "merge"): N_("{user} merged code {code} into {into}"),
    ("excerpt", "create"): N_("{user} marked the excerpt '{excerpt}' in {source}"),
    ("excerpt", "update"): N_("{user} changed the excerpt '{excerpt}'"),
    ("excerpt", "delete"): N_("{user} deleted the excerpt '{excerpt}' in {source}"),
    ("excerpt", "undo"): N_("{user} undid their last change to the excerpt '{excerpt}'"),
    ("excerpt_memo", "create"): N_("{user} wrote a memo on '{excerpt}'"),
    ("excerpt_memo", "update"): N_("{user} changed their memo on '{excerpt}'"),
    ("excerpt_memo", "delete"): N_("{user} removed {member}'s memo on '{excerpt}'"),
    ("coding", "create"): N_("{user} coded '{excerpt}' with {code} ({direction})"),
    ("coding", "update"): N_("{user} changed the coding of '{excerpt}' with {code}"),
    ("coding", "direction"): N_("{user} changed the coding of '{excerpt}' with {code} from {old} to {new}"),
    ("coding", "recode"): N_("{user} moved the coding of '{excerpt}' from {old} to {new}"),
    ("coding", "of_record"): N_("{user} made {coder}'s coding of '{excerpt}' with {code} the coding of record"),
    ("coding", "off_record"): N_("{user} took {coder}'s coding of '{excerpt}' with {code} off the record"),
    ("coding", "delete"): N_("{user} removed {code} ({direction}) from '{excerpt}'"),
    ("chain", "create"): N_("{user} created the chain '{title}': {nodes}"),
    ("chain", "update"): N_("{user} changed the chain '{title}'"),
    ("chain", "delete"): N_("{user} deleted the chain '{title}'"),
    ("case", "create"): N_("{user} created case {case}"),
    ("case", "update"): N_("{user} changed case {case}"),
    ("case", "delete"): N_("{user} deleted case {case}"),
    ("cases", "create"): N_("{user} created cases from the selection: {keys}"),
    ("interviewee", "create"): N_("{user} added interviewee {key}"),
    ("interviewee", "update"): N_("{user} changed interviewee {key}"),
    ("interviewee", "delete"): N_("{user} deleted interviewee {key}"),
    ("source", "create"): N_("{user} imported the transcript {source}"),
    ("source", "update"): N_("{user} changed the transcript {source}"),
    ("source", "delete"): N_("{user} deleted the transcript {source}"),
    ("source", "detect"): N_("{user} looked for names in {source}: {n} to review"),
    ("source", "pseudonymise"): N_("{user} pseudonymised {source} ({n} replacements)"),
    ("membership", "create"): N_("{user} added {member} to the project as {role}"),
    ("membership", "update"): N_("{user} changed the role of {member} from {old} to {new}"),
    ("membership", "delete"): N_("{user} removed {member} from the project"),
    ("registrations", "replace"): N_("{user} loaded the register from {file}: {adults} adults in {families} "
                                     "families (before: {old})"),
    ("criteria", "create"): N_("{user} saved the selection criteria"),
    ("criteria", "update"): N_("{user} changed the selection criteria"),
    ("double_coding", "create"): N_("{user} put {source} in double coding by {coders}"),
    ("double_coding", "update"): N_("{user} changed the double coding of {source}"),
    ("double_coding", "open"): N_("{user} opened the comparison of {source}"),
    ("double_coding", "close"): N_("{user} closed the comparison of {source}"),
    ("double_coding", "delete"): N_("{user} took {source} out of double coding"),
    ("reconciliation", "accept"): N_("{user} decided {case} × {code}: {coder}'s version counts"),
    ("reconciliation", "merge"): N_("{user} decided {case} × {code}: every coder's version counts"),
    ("reconciliation", "note"): N_("{user} left a note on {case} × {code}: '{note}'"),
    ("pseudonym_key", "create"): N_("{user} added '{real}' → '{pseudonym}' to the key list"),
    ("pseudonym_key", "update"): N_("{user} changed the key list entry '{real}' → '{pseudonym}'"),
    ("pseudonym_key", "delete"): N_("{user} removed '{real}' → '{pseudonym}' from the key list"),
    ("pseudonym_key", "export"): N_("{user} downloaded the key list ({n} entries)"),
    ("pseudonym_hit", "accepted"): N_("{user} accepted replacing '{found}' by '{replacement}' in {source}"),
    ("pseudonym_hit", "rejected"): N_("{user} rejected replacing '{found}' by '{replacement}' in {source}"),
    ("pseudonym_hit", "pending"): N_("{user} took back the decision on '{found}' in {source}"),
    ("pseudonym_hit", "apply"): N_("{user} replaced '{found}' by '{replacement}' in {source}"),
    ("project", "pseudonymised_on"): N_("{user} allowed only pseudonymised exports"),
    ("project", "pseudonymised_off"): N_("{user} allowed exports before pseudonymisation"),
    ("project", "update"): N_("{user} changed the project's settings"),
}
OTHER = N_("{user}: {action} {entity} #{id}")
SYSTEM = N_("The system")
UNKNOWN = N_("(unknown)")
NOTHING = "—"
YES, NO = N_("yes"), N_("no")
CHANGE = N_("{field}: {old} → {new}")


def shorten(text: object, limit: int = EXCERPT_CHARS) -> str:
    """``text`` on one line, cut at a word to about ``limit`` characters with '…'."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:") + "…"


def readable(data: Mapping[str, Any] | None) -> str:
    """A snapshot as a person reads it: one ``key: value`` per line, letters as letters (no ``\\u00e5``)."""
    if not data:
        return ""
    return "\n".join(f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
                     for k, v in data.items())


class _Words:
    """The words of one event: its snapshots with the names and the gettext function at hand."""

    def __init__(self, event: Event, names: Names, gettext: Gettext, lang: str):
        self.event, self.names, self._, self.lang = event, names, gettext, lang
        self.before, self.after = event.before or {}, event.after or {}
        self.state = {**self.before, **self.after}  # what the object is (after wins)

    def name(self, table: str, id_: object) -> str:
        if id_ is None:
            return NOTHING
        if not isinstance(id_, int):
            return str(id_)  # a key or name kept instead of an id
        found = getattr(self.names, table).get(id_)
        if found is None:
            return f"#{id_}" if table != "users" else self._(UNKNOWN)
        return shorten(found) if table == "excerpts" else found

    def value(self, key: str, value: object) -> str:
        """One field's value in words: ids as names, enum values translated, lists joined."""
        if value is None or value == "" or value == [] or value == {}:
            return NOTHING
        if key in ID_FIELDS:
            table = ID_FIELDS[key]
            items = value if isinstance(value, list) else [value]
            return ", ".join(self.name(table, v) for v in items)
        if isinstance(value, bool):
            return self._(YES if value else NO)
        if isinstance(value, list):
            return ", ".join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {self.value(k, v)}" for k, v in value.items())
        if key in ENUM_FIELDS and isinstance(value, str) and value in VALUES:
            return self._(VALUES[value])
        if isinstance(value, str):
            return value if key in UNQUOTED else "'" + shorten(value, VALUE_CHARS) + "'"
        return str(value)

    def field_name(self, key: str) -> str:
        return self._(FIELDS[key]) if key in FIELDS else key.replace("_", " ")

    def changes(self) -> list[str]:
        """``field: old → new`` for each field an update changed (none for other actions)."""
        if not (self.before and self.after):
            return []
        keys = [k for k in self.before if k in self.after] + [k for k in self.after if k not in self.before]
        return [self._(CHANGE).format(field=self.field_name(k), old=self.value(k, self.before.get(k)),
                                      new=self.value(k, self.after.get(k)))
                for k in keys if self.before.get(k) != self.after.get(k)]

    def changed(self) -> set[str]:
        return {k for k in {*self.before, *self.after} if self.before.get(k) != self.after.get(k)}

    def variant(self) -> str:
        """The template's second key: the action, or a finer word for some updates."""
        e, action, changed = self.event.entity, self.event.action, self.changed()
        if action != "update" and (e, action) in TEMPLATES:
            return action
        if e == "code" and action == "update":
            if changed == {"archived"}:
                return "archive" if self.after.get("archived") else "unarchive"
            if "parent_id" in changed and changed <= {"parent_id", "position"}:
                return "move"
            if changed and changed <= {"label_da", "label_en"}:
                return "rename"
        if e == "coding" and action == "update":
            if changed == {"direction"}:
                return "direction"
            if "code_id" in changed:
                return "recode"
            if changed == {"of_record"}:
                return "of_record" if self.after.get("of_record") else "off_record"
        if e == "double_coding" and action == "update" and changed == {"opened"}:
            return "open" if self.after.get("opened") else "close"
        if e == "reconciliation":
            return str(self.after.get("decision") or "note")
        if e == "pseudonym_hit" and action == "update":
            return str(self.after.get("status"))
        if e == "project" and changed == {"pseudonymised_only"}:
            return "pseudonymised_on" if self.after.get("pseudonymised_only") else "pseudonymised_off"
        return action

    def fields(self, variant: str) -> dict[str, str]:
        """Every ``{name}`` a template of this entity may use."""
        s, e, ev = self.state, self.event.entity, self.event
        label = s.get("label_da") if self.lang == "da" else s.get("label_en")
        code_id = s.get("code_id")
        code = s.get("key") if e == "code" else self.name("codes", code_id)
        fields = {
            "code": str(code or f"#{ev.entity_id}"), "label": str(label or s.get("label_en") or ""),
            "excerpt": shorten(s.get("text")) if e == "excerpt" else self.name("excerpts", s.get("excerpt_id")),
            "direction": self.value("direction", s.get("direction")),
            "source": self._source(), "case": self._case(), "coder": self.name("users", s.get("coder_id")),
            "title": str(s.get("title") or ""), "key": str(s.get("key") or f"#{ev.entity_id}"),
            "nodes": " → ".join(str(n) for n in s.get("nodes") or []),
            "into": str(self.after.get("merged_into") or ""),
            "old": "", "new": "", "n": str(self.after.get("pending", self.after.get("replaced",
                                                                 self.after.get("entries", "")))),
        }
        if variant == "move":
            fields["old"] = self.value("parent_id", self.before.get("parent_id"))
            fields["new"] = self.value("parent_id", self.after.get("parent_id"))
        elif variant == "direction":
            fields["old"] = self.value("direction", self.before.get("direction"))
            fields["new"] = self.value("direction", self.after.get("direction"))
        elif variant == "recode":
            fields["old"] = self.name("codes", self.before.get("code_id"))
            fields["new"] = self.name("codes", self.after.get("code_id"))
            fields["excerpt"] = self.name("excerpts", s.get("excerpt_id"))
        if e == "excerpt_memo":
            fields["member"] = self._member()
        if e == "membership":
            fields["member"] = self._member()
            fields["role"] = self.value("role", s.get("role"))
            fields["old"] = self.value("role", self.before.get("role"))
            fields["new"] = self.value("role", self.after.get("role"))
        elif e == "cases":
            fields["keys"] = ", ".join(str(k) for k in self.after.get("cases") or [])
        elif e == "registrations":
            fields.update(file=str(self.after.get("file") or NOTHING), adults=str(self.after.get("adults", "")),
                          families=str(self.after.get("families", "")), old=str(self.before.get("adults", 0)))
        elif e == "double_coding":
            fields["coders"] = ", ".join(str(c) for c in s.get("coders") or [])
        elif e == "reconciliation":
            fields["coder"] = self.name("users", s.get("chosen_coder_id"))
            fields["note"] = shorten(s.get("note"), VALUE_CHARS)
        elif e in {"pseudonym_key", "pseudonym_hit"}:
            fields.update({k: str(s.get(k) or "") for k in ("real", "pseudonym", "found", "replacement")})
        return fields

    def _source(self) -> str:
        s, ev = self.state, self.event
        if ev.entity == "source":
            title = s.get("title") or self.names.sources.get(ev.entity_id)
            return f"'{title}'" if title else f"#{ev.entity_id}"
        source_id = s.get("source_id")
        if source_id is None:
            return NOTHING
        title = self.names.sources.get(source_id) if isinstance(source_id, int) else None
        return f"'{title}'" if title else f"#{source_id}"

    def _case(self) -> str:
        s, ev = self.state, self.event
        if ev.entity == "case":
            return str(s.get("key") or self.names.cases.get(ev.entity_id) or f"#{ev.entity_id}")
        return self.name("cases", s.get("case_id"))

    def _member(self) -> str:
        s = self.state
        if s.get("username"):
            return str(s["username"])
        user_id = s.get("user_id")
        return self.name("users", user_id) if user_id is not None else f"#{self.event.entity_id}"

    def describe(self) -> Description:
        ev = self.event
        user = self.names.users.get(ev.user_id) if ev.user_id is not None else None
        actor = user or (self._(SYSTEM) if ev.user_id is None else self._(UNKNOWN))
        variant = self.variant()
        template = TEMPLATES.get((ev.entity, variant))
        if template is None:
            sentence = self._(OTHER).format(user=actor, action=ev.action, entity=ev.entity, id=ev.entity_id)
        else:
            sentence = self._(template).format(user=actor, **self.fields(variant))
        return Description(sentence, self.changes())


def describe(event: Event, names: Names, gettext: Gettext = str, lang: str = "en") -> Description:
    """The event in words in the language of ``gettext`` (``lang`` picks a code's Danish or English
    label), and for an update the fields it changed."""
    return _Words(event, names, gettext, lang).describe()
