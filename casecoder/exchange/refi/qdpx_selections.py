"""Importing a source's ``PlainTextSelection``s and their ``Coding``s as excerpts and codings.

Both shapes are read: several codings in one selection, and several selections with the same
span. In another tool's file, selections with the same span and case become one excerpt (NVivo
and casecoder repeat the selection per coding); their ``Description`` and notes become its memo.
In casecoder's own files a same-span selection joins an excerpt only when its GUID is that
excerpt's ``convention.extra_selection_guid`` for its coding, so two excerpts with the same span
stay two; the ``Description`` there only repeats for other readers what the file also holds
(direction, memo) and is not read. Memos are per coder: a memo note's author is its
``creatingUser`` (else the selection's, else a coder's); a ``Description`` or a coding's note is
its selection's or its coder's memo.

Everything is checked here as ``create_excerpt``, ``add_coding`` and ``set_memo`` check it, and
collected in the importer's ``BulkExcerpts`` (issue #25), which writes the same rows and audit
snapshots in bulk once every source is read (a memo: one row with its final text).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, cast

from casecoder.coding.bulk_excerpts import PendingExcerpt
from casecoder.coding.bulk_sources import NewSource
from casecoder.coding.excerpts import resolve_case
from casecoder.exchange.refi import convention as cv
from casecoder.exchange.refi.positions import Converter, detect_utf16
from casecoder.exchange.refi.qdpx_parse import PCoding, PSelection, PSource
from casecoder.kernel import validate
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Code, Direction, Source, User

if TYPE_CHECKING:
    from casecoder.exchange.refi.qdpx_read import _Importer


def _own_excerpt(firsts: list[tuple[str, PendingExcerpt]], sel: PSelection) -> PendingExcerpt | None:
    """The excerpt whose further selection ``sel`` is, in a casecoder file (see ``convention``)."""
    if not sel.guid or len(sel.codings) != 1 or not sel.codings[0].guid:
        return None
    coding_guid = sel.codings[0].guid
    return next((excerpt for first, excerpt in firsts if cv.extra_selection_guid(first, coding_guid) == sel.guid),
                None)


def import_selections(imp: _Importer, ps: PSource, source: NewSource, collected: list[PendingExcerpt]) -> None:
    """Check and collect the selections of ``ps``, the transcript ``source`` (not yet written: its new
    excerpts are added to ``collected`` and get its id once it is)."""
    spans: list[tuple[int, int]] = []
    for sel in ps.selections:
        try:
            spans.append((int(sel.start or ""), int(sel.end or "")))
        except ValueError:
            pass
    utf16 = detect_utf16(source.text, spans, imp.p.origin)
    convert = Converter(source.text) if utf16 else None
    if utf16:
        imp.report.warn(f"Source '{ps.name}': positions count UTF-16 code units; converted to code points")
    merged: dict[tuple[int, int, int | None], PendingExcerpt] = {}
    firsts: dict[tuple[int, int], list[tuple[str, PendingExcerpt]]] = defaultdict(list)
    for sel in ps.selections:
        what = f"Source '{ps.name}', selection {sel.start}-{sel.end}"
        try:
            start, end = int(sel.start or ""), int(sel.end or "")
        except ValueError:
            imp.report.skip(what, "its positions are not whole numbers")
            continue
        if convert is not None:
            span = convert(start, end)
            if span is None:
                imp.report.skip(what, "the UTF-16 positions are outside the text or split a character")
                continue
            start, end = span
        case = imp.case_of_selection.get(sel.guid or "")
        if case is not None and case not in source.cases:
            imp.report.warn(f"{what}: its case {case.key} does not hold the source; the case is left out")
            case = None
        group = (start, end, case.id if case else None)
        excerpt = _own_excerpt(firsts[(start, end)], sel) if imp.own else merged.get(group)
        if excerpt is None:
            try:  # what create_excerpt checks
                validate.span(source.text, start, end)
                case_id = getattr(resolve_case(cast(Source, source), cast(Case, case)), "id", None)
            except InvalidInput as exc:
                imp.report.skip(what, exc.message)
                continue
            excerpt = imp.bulk.new(0, case_id, start, end, source.text[start:end])  # its source's id once written
            collected.append(excerpt)
            creator = imp.user_for(next((imp.p.note_users.get(r) for r in sel.note_refs
                                         if imp.p.notes.get(r, ("", ""))[0] == cv.CREATOR_NOTE), None) or sel.user_guid)
            excerpt.created_by_id = creator.id if creator else excerpt.created_by_id
            excerpt.created_at = sel.created or None
            merged[group] = excerpt
            if sel.guid:
                firsts[(start, end)].append((sel.guid, excerpt))
            imp.report.imported["excerpts"] += 1
        coders = [c.user_guid for c in sel.codings]
        if not imp.own:  # in casecoder's own files it repeats for other readers what the notes hold
            _add_memo(imp, what, excerpt, imp.coder(sel.user_guid, *coders), sel.description)
        for ref in sel.note_refs:  # a memo note's author is its creatingUser (casecoder writes one per coder)
            _add_memo(imp, what, excerpt, imp.coder(imp.p.note_users.get(ref), sel.user_guid, *coders),
                      imp.note_text([ref]))
        for coding in sel.codings:
            _coding(imp, what, excerpt, sel, coding)


def _code_state(imp: _Importer, code: Code) -> tuple[int, InvalidInput | None]:
    """The code's id and why ``add_coding`` refuses it (archived, a folder), else None; read once per code."""
    state = imp.code_states.get(code)
    if state is None:
        refused = None
        if code.archived:
            refused = InvalidInput("Code {key} is archived and cannot be applied", "codes", key=code.key)
        elif not code.codable:
            refused = InvalidInput("Code {key} is a folder and cannot be applied", "codes", key=code.key)
        state = imp.code_states[code] = (code.id, refused)
    return state


def _coding(imp: _Importer, what: str, excerpt: PendingExcerpt, sel: PSelection, coding: PCoding) -> None:
    code = imp.codes.get(coding.code_guid or "")
    if code is None:
        imp.report.skip(f"{what}: a coding", f"its code {coding.code_guid} is not in the codebook")
        return
    direction = Direction.SUPPORTS
    other = []
    for ref in coding.note_refs:
        name = imp.p.notes.get(ref, ("", ""))[0]
        if name.startswith(cv.DIRECTION_NOTE):
            direction = _direction(imp, name[len(cv.DIRECTION_NOTE):])
        else:
            other.append(ref)
    coder = imp.coder(coding.user_guid, sel.user_guid)
    coder_id = imp.user_ids.get(coder) or imp.user_ids.setdefault(coder, coder.id)
    code_id, refused = _code_state(imp, code)  # what add_coding checks, in its order: the code, then a repeat
    if refused is None and any(c[0] == code_id and c[1] == coder_id for c in excerpt.codings):
        refused = InvalidInput("{coder} has already put code {key} on this excerpt", "codes", coder=coder.username,
                               key=code.key)
    if refused is not None:
        imp.report.skip(f"{what}: code '{code.label(imp.lang)}' by {coder.username}", refused.message)
        return
    if coding.created:
        excerpt.coding_times[len(excerpt.codings)] = coding.created
    excerpt.codings.append((code_id, coder_id, direction))
    _add_memo(imp, what, excerpt, coder, imp.note_text(other))
    imp.report.imported["codings"] += 1


def _direction(imp: _Importer, word: str) -> Direction:
    """The direction a casecoder direction note names (each name parsed once: a file repeats them)."""
    found = imp.directions.get(word)
    if found is None:
        found = imp.directions[word] = validate.choice(Direction, word, validate.N_("Direction"))
    return found


def _add_memo(imp: _Importer, what: str, excerpt: PendingExcerpt, user: User, text: str) -> None:
    """Add ``text`` to ``user``'s own memo on ``excerpt`` (unless it holds it already)."""
    text = text.strip()
    if not text:
        return
    at = next((i for i, (user_id, _t) in enumerate(excerpt.memos) if user_id == user.id), None)
    current = excerpt.memos[at][1] if at is not None else ""
    if text in current:
        return
    try:
        memo = validate.memo(f"{current}\n\n{text}".strip())
    except InvalidInput as exc:
        imp.report.skip(f"{what}: a memo by {user.username}", exc.message)
        return
    if at is None:
        excerpt.memos.append((user.id, memo))
    else:
        excerpt.memos[at] = (user.id, memo)
