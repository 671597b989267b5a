"""Exact undo of a coder's last actions on excerpts, reversed from the audit log.

**Groups.** Each user action on excerpts (create an excerpt with its codings, save a change of span,
case, memo or codes, delete) starts with ``audit.begin_action``: every audit row it writes carries
the same ``audit_events.action_group`` (migration 0014). The rows hold the full snapshots of the
excerpt, the codings and the coders' memos before and after (``audit.snapshot``: span, text, case,
creator; each coding's code, coder, direction and of_record; each memo's writer and text), so the
group says exactly what was there.

**Which action.** ``undo_last`` takes the acting user's newest group in the project that is neither
an undo itself nor undone already nor a save that changed nothing; so pressing Undo again goes one
more step back. An undo is a
group of its own: the inverse rows (create/update/delete, each with its snapshots) plus one row
with action ``undo`` whose ``before`` names the group it reversed (``{"undone": group}``).

**Exactly, or not at all.** For every excerpt and coding the group touched, the stored state must
still be the state the group left (its last ``after``; nothing when it deleted it). If someone
changed it since — another coder's coding on the new excerpt, a new memo, a moved span — the undo
would overwrite their work, so nothing is undone and ``EditConflict`` (409) names who changed it.
Otherwise each one goes back to its first ``before``: deleted rows come back with their own ids
(a new id only when SQLite gave the old one to a newer row), with their coders, directions, every
coder's memo and the span; created rows go; changed rows get their old values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.kernel.errors import EditConflict, InvalidInput
from casecoder.models import AuditEvent, Case, Code, Coding, Direction, Excerpt, ExcerptMemo, Project, Source, User

HISTORY = 2000  # how many of the user's newest grouped rows are searched for the last action
ENTITIES = ("excerpt", "coding", "excerpt_memo")


@dataclass
class Undone:
    """What an undo did: the excerpts that exist again or changed, and those that went."""
    group: str
    kind: str  # the undone action, in words for the message: create, update or delete
    excerpt_ids: list[int] = field(default_factory=list)
    removed_ids: list[int] = field(default_factory=list)


def last_action(session: Session, user: User, project_id: int) -> list[AuditEvent]:
    """The rows of the user's newest action in the project that can still be undone (oldest first)."""
    rows = session.scalars(select(AuditEvent).where(
        AuditEvent.project_id == project_id, AuditEvent.user_id == user.id, AuditEvent.action_group.is_not(None))
        .order_by(AuditEvent.id.desc()).limit(HISTORY)).all()
    groups: dict[str, list[AuditEvent]] = {}
    for row in rows:  # newest first
        groups.setdefault(str(row.action_group), []).append(row)
    undone: set[str] = set()
    for group, events in groups.items():
        markers = [e for e in events if e.action == "undo"]
        if markers:
            undone.update(str((m.before or {}).get("undone")) for m in markers)
        elif group not in undone and _changes(events):
            return sorted(events, key=lambda e: e.id)
    raise InvalidInput("There is nothing of yours to undo in this project")


def _changes(events: list[AuditEvent]) -> bool:
    """Did the action change anything? A save of what was stored writes rows with equal snapshots."""
    return any(e.before != e.after for e in events)


def changed(session: Session, group: str) -> bool:
    """Did the action ``group`` (``audit.begin_action``) change anything, so that an undo reverses it?"""
    return _changes(list(session.scalars(select(AuditEvent).where(AuditEvent.action_group == group))))


def _kind(events: list[AuditEvent]) -> str:
    excerpt_actions = {e.action for e in events if e.entity == "excerpt"}
    for action in ("delete", "create"):
        if action in excerpt_actions:
            return action
    return "update"


def _matches(current: dict[str, Any] | None, expected: dict[str, Any] | None) -> bool:
    """Is the stored state the one the action left? Only the keys both the audit row and today's snapshot
    have count (an excerpt's row from before 0015 also holds the shared memo)."""
    if current is None or expected is None:
        return current is None and expected is None
    return all(current.get(k) == v for k, v in expected.items() if k in current)


Key = tuple[Any, ...]  # ("excerpt", id), ("coding", excerpt id, code id, coder id) or ("excerpt_memo",
# excerpt id, user id): SQLite reuses ids


def _key(event: AuditEvent) -> Key:
    if event.entity == "excerpt":
        return ("excerpt", event.entity_id)
    snap = event.before or event.after or {}
    if event.entity == "excerpt_memo":
        return ("excerpt_memo", snap.get("excerpt_id"), snap.get("user_id"))
    return ("coding", snap.get("excerpt_id"), snap.get("code_id"), snap.get("coder_id"))


def _stored(session: Session, key: Key) -> Excerpt | Coding | ExcerptMemo | None:
    if key[0] == "excerpt":
        return session.get(Excerpt, key[1])
    if key[0] == "excerpt_memo":
        return session.scalar(select(ExcerptMemo).where(ExcerptMemo.excerpt_id == key[1],
                                                        ExcerptMemo.user_id == key[2]))
    return session.scalar(select(Coding).where(Coding.excerpt_id == key[1], Coding.code_id == key[2],
                                                Coding.coder_id == key[3]))


def _conflict(session: Session, user: User, events: list[AuditEvent], keys: set[Key]) -> EditConflict:
    """The refusal, naming the others who changed these excerpts or their codings after the action."""
    excerpt_ids = {k[1] for k in keys}
    later = session.scalars(select(AuditEvent).where(
        AuditEvent.project_id == events[0].project_id, AuditEvent.id > events[-1].id,
        AuditEvent.user_id != user.id, AuditEvent.entity.in_(ENTITIES)).limit(HISTORY)).all()
    others = {e.user_id for e in later if _key(e)[1] in excerpt_ids}
    names = sorted(session.scalars(select(User.username).where(User.id.in_(others)))) if others else []
    if names:
        return EditConflict("{names} changed this excerpt after you, so undoing your action would overwrite "
                            "their work. Nothing was undone.", "undo", names=", ".join(names))
    return EditConflict("This excerpt has changed since your action, so undoing it would overwrite a later "
                        "change. Nothing was undone.", "undo")


def undo_last(session: Session, user: User, project: Project) -> Undone:
    """Undo the user's newest undoable action in ``project`` exactly, or raise EditConflict. Every check
    that can refuse runs before the first change, except a transcript, case or code deleted since (then
    the caller's rollback undoes the partial work, as the web request's does)."""
    events = last_action(session, user, project.id)
    if any(e.entity not in ENTITIES for e in events):
        raise InvalidInput("This action cannot be undone here")
    first: dict[Key, dict[str, Any] | None] = {}
    last: dict[Key, dict[str, Any] | None] = {}
    row_id: dict[Key, int] = {}
    for e in events:
        key = _key(e)
        first.setdefault(key, e.before)
        row_id.setdefault(key, e.entity_id)
        last[key] = e.after
    stored = {key: _stored(session, key) for key in first}
    reused: set[Key] = set()
    for key, obj in stored.items():
        if key[0] == "excerpt" and last[key] is None and obj is not None and first[key] is not None:
            reused.add(key)  # gone after the action, and SQLite gave its id to a newer row
            continue
        if not _matches(audit.snapshot(obj) if obj is not None else None, last[key]):
            raise _conflict(session, user, events, set(first))
    going = {key for key in first if first[key] is None and key not in reused}
    going_rows = {(k[0], stored[k].id) for k in going if k[0] != "excerpt" and stored[k] is not None}  # type: ignore[union-attr]
    for key in going:  # an excerpt that goes may carry only codings and memos that go with it
        obj = stored[key]
        if isinstance(obj, Excerpt) and (any(("coding", c.id) not in going_rows for c in obj.codings)
                                         or any(("excerpt_memo", m.id) not in going_rows for m in obj.memos)):
            raise _conflict(session, user, events, set(first))

    group = str(events[0].action_group)
    audit.begin_action(session)
    done = Undone(group=group, kind=_kind(events))
    for key in sorted(going, key=lambda k: k[0] == "excerpt"):  # codings and memos first, then excerpts
        obj = stored[key]
        if obj is None:
            continue
        audit.record(session, user.id, "delete", obj, before=audit.snapshot(obj))
        if isinstance(obj, Coding):
            obj.excerpt.codings.remove(obj)
        elif isinstance(obj, ExcerptMemo):
            obj.excerpt.memos.remove(obj)
        else:
            done.removed_ids.append(obj.id)
            session.delete(obj)
        session.flush()
    new_ids: dict[int, int] = {}
    for key in [k for k in first if k[0] == "excerpt" and first[k] is not None]:
        excerpt = _restore_excerpt(session, user, project, key[1], first[key] or {},
                                   None if key in reused else stored[key])  # type: ignore[arg-type]
        new_ids[key[1]] = excerpt.id
        done.excerpt_ids.append(excerpt.id)
    for key in [k for k in first if k[0] == "coding" and first[k] is not None]:
        coding = _restore_coding(session, user, row_id[key], first[key] or {}, new_ids, stored[key])  # type: ignore[arg-type]
        if coding.excerpt_id not in done.excerpt_ids:
            done.excerpt_ids.append(coding.excerpt_id)
    for key in [k for k in first if k[0] == "excerpt_memo" and first[k] is not None]:
        memo = _restore_memo(session, user, first[key] or {}, new_ids, stored[key])  # type: ignore[arg-type]
        if memo.excerpt_id not in done.excerpt_ids:
            done.excerpt_ids.append(memo.excerpt_id)
    for key in going:
        if key[0] != "excerpt" and key[1] not in done.removed_ids and key[1] not in done.excerpt_ids:
            done.excerpt_ids.append(int(key[1]))
    main = next((e.entity_id for e in events if e.entity == "excerpt"), None)
    if main is None:
        main = int((events[0].after or events[0].before or {}).get("excerpt_id", 0))
    audit.log(session, user, "undo", "excerpt", new_ids.get(main, main), project_id=project.id,
              before={"undone": group, "action": done.kind})
    session.flush()
    return done


def _restore_excerpt(session: Session, user: User, project: Project, excerpt_id: int, state: dict[str, Any],
                     excerpt: Excerpt | None) -> Excerpt:
    if excerpt is not None:  # changed by the action: its old values back
        before = audit.snapshot(excerpt)
        excerpt.case_id = state["case_id"]
        excerpt.start_offset, excerpt.end_offset = state["start"], state["end"]
        excerpt.text = state["text"]
        session.flush()
        audit.record(session, user.id, "update", excerpt, before=before, after=audit.snapshot(excerpt))
        return excerpt
    source = session.get(Source, state["source_id"])
    if source is None or source.project_id != project.id:
        raise EditConflict("The transcript of this excerpt was deleted, so it cannot come back. Nothing was undone.",
                           "undo")
    if source.text[state["start"]:state["end"]] != state["text"]:
        raise EditConflict("The transcript's text changed where this excerpt was, so it cannot come back exactly. "
                           "Nothing was undone.", "undo")
    if state["case_id"] is not None and session.get(Case, state["case_id"]) is None:
        raise EditConflict("The case of this excerpt was deleted, so it cannot come back. Nothing was undone.", "undo")
    taken = session.get(Excerpt, excerpt_id) is not None
    excerpt = Excerpt(project_id=project.id, source_id=source.id, case_id=state["case_id"],
                      start_offset=state["start"], end_offset=state["end"], text=state["text"],
                      created_by_id=state.get("created_by_id", user.id), codings=[], memos=[])
    if not taken:
        excerpt.id = excerpt_id
    session.add(excerpt)
    session.flush()
    audit.record(session, user.id, "create", excerpt, after=audit.snapshot(excerpt))
    return excerpt


def _restore_coding(session: Session, user: User, coding_id: int, state: dict[str, Any], new_ids: dict[int, int],
                    coding: Coding | None) -> Coding:
    if coding is not None:  # changed by the action (its direction): the old value back
        before = audit.snapshot(coding)
        coding.direction = Direction(state["direction"])
        coding.of_record = bool(state.get("of_record", coding.of_record))
        session.flush()
        audit.record(session, user.id, "update", coding, before=before, after=audit.snapshot(coding))
        return coding
    excerpt = session.get(Excerpt, new_ids.get(state["excerpt_id"], state["excerpt_id"]))
    if excerpt is None or session.get(Code, state["code_id"]) is None:
        raise EditConflict("The excerpt or code of this coding was deleted, so it cannot come back. "
                           "Nothing was undone.", "undo")
    if any(c.code_id == state["code_id"] and c.coder_id == state["coder_id"] for c in excerpt.codings):
        raise EditConflict("This coding was put back on the excerpt since your action. Nothing was undone.", "undo")
    taken = session.get(Coding, coding_id) is not None
    coding = Coding(excerpt=excerpt, code_id=state["code_id"], coder_id=state["coder_id"],
                    direction=Direction(state["direction"]), of_record=bool(state.get("of_record", True)))
    if not taken:
        coding.id = coding_id
    session.add(coding)
    session.flush()
    audit.record(session, user.id, "create", coding, after=audit.snapshot(coding))
    return coding


def _restore_memo(session: Session, user: User, state: dict[str, Any], new_ids: dict[int, int],
                  memo: ExcerptMemo | None) -> ExcerptMemo:
    """A coder's memo as it was: its old text back, or the row again (on the excerpt's new id if it got one)."""
    if memo is not None:
        before = audit.snapshot(memo)
        memo.text = state["memo"]
        session.flush()
        audit.record(session, user.id, "update", memo, before=before, after=audit.snapshot(memo))
        return memo
    excerpt = session.get(Excerpt, new_ids.get(state["excerpt_id"], state["excerpt_id"]))
    if excerpt is None or session.get(User, state["user_id"]) is None:
        raise EditConflict("The excerpt of this memo was deleted, so it cannot come back. Nothing was undone.", "undo")
    memo = ExcerptMemo(excerpt=excerpt, user_id=state["user_id"], text=state["memo"])
    session.add(memo)
    session.flush()
    audit.record(session, user.id, "create", memo, after=audit.snapshot(memo))
    return memo
