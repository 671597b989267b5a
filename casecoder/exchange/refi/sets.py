"""Sets from other tools (ATLAS.ti and MAXQDA code groups, MAXQDA document groups) kept where users see them.

casecoder groups codes by their tree, and a set is no code: making a parent code for it would
change the tree and every count under it. So each member code (and each member source) gets one
line in its memo, ``Sæt: <name>`` (``Set: <name>`` when importing in English), with the set's
description after a dash; a line already there is not added again. The import report counts the
sets (``imported['sets']``) and names each with its members in ``report.recorded``; member
notes, and members that are not in the file, are reported as skipped.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from sqlalchemy.orm import Session

from casecoder.coding import codes as code_ops
from casecoder.exchange.refi import convention as cv
from casecoder.exchange.refi import xmlread as x
from casecoder.exchange.refi.report import ImportReport
from casecoder.models import Code, Source


@dataclass
class PSet:
    name: str
    description: str
    codes: list[str]  # GUIDs of MemberCode (``targetGUID`` in a project, ``guid`` in a codebook)
    sources: list[str]  # GUIDs of MemberSource
    notes: int  # how many MemberNote


def read_sets(root: Element) -> list[PSet]:
    """The ``Sets/Set`` of a project or codebook."""
    out = []
    for element in x.path(root, "Sets", "Set"):
        codes = [x.guid_or_derived(x.attr(m, "targetGUID") or x.attr(m, "guid")) for m in x.children(element, "MemberCode")]
        sources = [x.guid_or_derived(x.attr(m, "targetGUID")) for m in x.children(element, "MemberSource")]
        out.append(PSet((x.attr(element, "name") or "").strip(), x.text_of(x.child(element, "Description")).strip(),
                        [g for g in codes if g], [g for g in sources if g],
                        sum(1 for _ in x.children(element, "MemberNote"))))
    return out


def set_line(lang: str, pset: PSet) -> str:
    line = f"{cv.words(lang)['set']}: {pset.name or '?'}"
    return f"{line} – {pset.description}" if pset.description else line


def with_line(memo: str, line: str) -> str | None:
    """``memo`` with ``line`` added on a line of its own, or None when it already holds that line."""
    if line in memo.splitlines():
        return None
    return f"{memo.rstrip()}\n\n{line}" if memo.strip() else line


def record_sets(session: Session, sets: list[PSet], codes: Mapping[str, Code], user_id: int | None, lang: str,
                report: ImportReport, sources: Mapping[str, Source] | None = None) -> None:
    """Record every set of ``sets`` in its member codes' (and sources') memos; codes and sources by GUID."""
    for pset in sets:
        line, name = set_line(lang, pset), pset.name or "?"
        members = [codes[g] for g in dict.fromkeys(pset.codes) if g in codes]
        for code in members:
            memo = with_line(code.memo or "", line)
            if memo is not None:
                code_ops.update_code(session, code, user_id, memo=memo)
        held = [sources[g] for g in dict.fromkeys(pset.sources) if sources and g in sources]
        for source in held:
            memo = with_line(source.memo or "", line)
            if memo is not None:
                source.memo = memo
        missing = len(set(pset.codes)) - len(members) + len(set(pset.sources)) - len(held)
        if missing:
            report.skip(f"Set '{name}': {missing} member(s)", "they are not among the imported codes and sources")
        if pset.notes:
            report.skip(f"Set '{name}': {pset.notes} note(s)", "casecoder records sets of codes and sources only")
        report.imported["sets"] += 1
        parts = [f"{len(members)} code(s)"] + ([f"{len(held)} source(s)"] if held else [])
        report.recorded.append(f"Set '{name}' ({', '.join(parts)}): '{line}' in their memos")
    session.flush()


def preview_sets(sets: list[PSet], lang: str, report: ImportReport) -> None:
    """What ``record_sets`` would do, for a preview (nothing written)."""
    for pset in sets:
        report.recorded.append(f"Set '{pset.name or '?'}' ({len(set(pset.codes))} code(s)): "
                               f"'{set_line(lang, pset)}' will be added to their memos")
