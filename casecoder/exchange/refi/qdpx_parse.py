"""Reading a .qdpx into plain data (no database): users, codes, variables, cases, text sources, notes, links.

Lenient by design: elements are found by local name in any namespace, GUIDs in any case or
braces, missing optional parts are tolerated, and what casecoder cannot hold (picture, PDF, audio
and video sources, whole-source codings, graphs) is listed in the report as skipped. A source's
text comes from ``PlainTextContent`` or the file ``plainTextPath`` names (``internal://``,
``relative://`` or a bare path, under ``sources/`` in any letter case), decoded with its BOM
dropped and its line ends kept; when that text is blank and ``richTextPath`` is a .docx, the
.docx is converted with ``coding.extract``. Counts of what the file holds go to ``report.found``.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from xml.etree.ElementTree import Element

from casecoder.exchange.refi import xmlread as x
from casecoder.exchange.refi.archive import QdpxArchive
from casecoder.exchange.refi.positions import decode_text
from casecoder.exchange.refi.qdc import IncomingCode, read_codes
from casecoder.exchange.refi.report import ImportReport
from casecoder.exchange.refi.sets import PSet, read_sets
from casecoder.files.extract import extract_text
from casecoder.kernel.errors import InvalidInput

OTHER_SOURCES = {"PictureSource": "picture", "PDFSource": "PDF", "AudioSource": "audio", "VideoSource": "video"}


@dataclass
class PUser:
    guid: str
    name: str
    id: str


@dataclass
class PCoding:
    guid: str | None
    code_guid: str | None
    user_guid: str | None
    created: datetime | None
    note_refs: list[str]


@dataclass
class PSelection:
    guid: str | None
    start: str | None
    end: str | None
    user_guid: str | None
    created: datetime | None
    description: str
    codings: list[PCoding]
    note_refs: list[str]


@dataclass
class PSource:
    guid: str
    name: str
    text: str | None
    filename: str
    user_guid: str | None
    created: datetime | None
    selections: list[PSelection] = field(default_factory=list)
    variables: list[tuple[str, str, str]] = field(default_factory=list)  # variable GUID, value element, text
    note_refs: list[str] = field(default_factory=list)
    whole_codings: int = 0


@dataclass
class PCase:
    guid: str | None
    name: str
    description: str
    variables: list[tuple[str, str, str]]
    source_refs: list[str]
    selection_refs: list[str]


@dataclass
class PProject:
    name: str
    origin: str
    description: str
    creating_user: str | None
    users: list[PUser] = field(default_factory=list)
    codes: list[IncomingCode] = field(default_factory=list)
    variables: dict[str, tuple[str, str]] = field(default_factory=dict)  # GUID -> (name, typeOfVariable)
    cases: list[PCase] = field(default_factory=list)
    sources: list[PSource] = field(default_factory=list)
    notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # GUID -> (name, text)
    note_users: dict[str, str | None] = field(default_factory=dict)  # GUID -> its creatingUser
    sets: list[PSet] = field(default_factory=list)
    links: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)  # name, direction, from, to
    note_refs: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)  # a file repeats its times (one per coding and selection)
def when(raw: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat((raw or "").strip().replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None


def refs(element: Element, name: str, attribute: str = "targetGUID") -> list[str]:
    found = x.children(element, name)
    return [g for g in (x.guid(x.attr(e, attribute)) for e in found) if g] if found else []


def variable_values(element: Element) -> list[tuple[str, str, str]]:
    out = []
    for value in x.children(element, "VariableValue"):
        target = x.guid(x.child_attr(value, "VariableRef", "targetGUID"))
        data = [c for c in value if x.local(c.tag) != "VariableRef"]
        if target and data:
            out.append((target, x.local(data[0].tag), x.text_of(data[0])))
    return out


def parse_project(root: Element, archive: QdpxArchive, report: ImportReport, max_bytes: int) -> PProject:
    project = PProject(name=(x.attr(root, "name") or "").strip(), origin=(x.attr(root, "origin") or "").strip(),
                       description=x.text_of(x.child(root, "Description")).strip(),
                       creating_user=x.guid(x.attr(root, "creatingUserGUID")), note_refs=refs(root, "NoteRef"))
    for user in x.path(root, "Users", "User"):
        guid = x.guid_or_derived(x.attr(user, "guid"))
        if guid:
            project.users.append(PUser(guid, (x.attr(user, "name") or "").strip(), (x.attr(user, "id") or "").strip()))
    report.found["users"] = len(project.users)
    project.codes = read_codes(x.child(x.child(root, "CodeBook"), "Codes"), report)
    for variable in x.path(root, "Variables", "Variable"):
        guid = x.guid(x.attr(variable, "guid"))
        if guid:
            project.variables[guid] = ((x.attr(variable, "name") or "").strip(),
                                       (x.attr(variable, "typeOfVariable") or "Text").strip())
    report.found["variables"] = len(project.variables)
    for case in x.path(root, "Cases", "Case"):
        project.cases.append(PCase(x.guid(x.attr(case, "guid")), (x.attr(case, "name") or "").strip(),
                                   x.text_of(x.child(case, "Description")), variable_values(case),
                                   refs(case, "SourceRef"), refs(case, "SelectionRef")))
    report.found["cases"] = len(project.cases)
    sources = x.child(root, "Sources")
    for element in sources if sources is not None else ():
        tag = x.local(element.tag)
        if tag == "TextSource":
            source = _text_source(element, archive, report, max_bytes)
            if source is not None:
                project.sources.append(source)
        elif tag in OTHER_SOURCES:
            report.found["other sources"] += 1
            n = sum(1 for e in element.iter() if x.local(e.tag).endswith("Selection"))
            report.skip(f"{tag} '{x.attr(element, 'name') or x.attr(element, 'guid')}'" + (f" ({n} selections)" if n else ""),
                        f"casecoder codes text only; {OTHER_SOURCES[tag]} sources and their selections are not imported")
    for note in x.path(root, "Notes", "Note"):
        guid = x.guid(x.attr(note, "guid"))
        if guid:
            text = _text(note, archive, report, max_bytes, "Note")[0] or ""
            project.notes[guid] = ((x.attr(note, "name") or "").strip(), text)
            project.note_users[guid] = x.guid(x.attr(note, "creatingUser"))
    report.found["notes"] = len(project.notes)
    for link in x.path(root, "Links", "Link"):
        project.links.append(((x.attr(link, "name") or "").strip(), (x.attr(link, "direction") or "").strip(),
                              x.guid_or_derived(x.attr(link, "originGUID")), x.guid_or_derived(x.attr(link, "targetGUID"))))
    report.found["links"] = len(project.links)
    project.sets = read_sets(root)
    report.found["sets"] = len(project.sets)
    graphs = sum(1 for _ in x.path(root, "Graphs", "Graph"))
    if graphs:
        report.skip(f"{graphs} graph(s)", "casecoder does not keep drawn graphs")
    return project


def _text(element: Element, archive: QdpxArchive, report: ImportReport, max_bytes: int,
          what: str) -> tuple[str | None, str]:
    """The plain text of a TextSource or Note and the file name it came from."""
    content = x.child(element, "PlainTextContent")
    if content is not None:
        return x.text_of(content), ""
    plain, rich = x.attr(element, "plainTextPath"), x.attr(element, "richTextPath")
    text, filename = None, ""
    if plain:
        found = archive.source_file(plain)
        if found is None:
            report.warn(f"{what} '{x.attr(element, 'name') or x.attr(element, 'guid')}': the file {plain} is not in the archive")
        else:
            filename, text = posixpath.basename(found[0]), decode_text(found[1])
    if (text is None or not text.strip()) and rich and rich.lower().endswith(".docx"):
        found = archive.source_file(rich)
        if found is not None:
            try:
                text = extract_text(posixpath.basename(found[0]), found[1], max_bytes).text
                filename = posixpath.basename(found[0])
                report.warn(f"{what} '{x.attr(element, 'name') or filename}': text converted from {filename}; "
                            "positions of its selections may not match")
            except InvalidInput as exc:
                report.warn(f"{what} '{x.attr(element, 'name') or filename}': {exc.message}")
    return text, filename


def _text_source(element: Element, archive: QdpxArchive, report: ImportReport, max_bytes: int) -> PSource | None:
    report.found["sources"] += 1
    guid = x.guid_or_derived(x.attr(element, "guid"))
    text, filename = _text(element, archive, report, max_bytes, "Source")
    path = x.attr(element, "plainTextPath") or x.attr(element, "richTextPath") or ""
    name = (x.attr(element, "name") or "").strip() or posixpath.splitext(posixpath.basename(path.split("://")[-1]))[0]
    selections = list(x.children(element, "PlainTextSelection"))
    report.found["selections"] += len(selections)
    whole = list(x.children(element, "Coding"))
    report.found["codings"] += len(whole)
    if guid is None or text is None:
        report.skip(f"Source '{name or guid}'" + (f" ({len(selections)} selections)" if selections else ""),
                    "it has no guid" if guid is None else "its text was not found (no PlainTextContent, no readable file)")
        report.found["codings"] += sum(1 for s in selections for _ in x.children(s, "Coding"))
        return None
    source = PSource(guid, name or guid, text, filename or posixpath.basename(path), x.guid(x.attr(element, "creatingUser")),
                     when(x.attr(element, "creationDateTime")), variables=variable_values(element),
                     note_refs=refs(element, "NoteRef"), whole_codings=len(whole))
    for selection in selections:
        codings = [PCoding(x.guid(x.attr(c, "guid")), x.guid_or_derived(x.child_attr(c, "CodeRef", "targetGUID")),
                           x.guid(x.attr(c, "creatingUser")), when(x.attr(c, "creationDateTime")), refs(c, "NoteRef"))
                   for c in x.children(selection, "Coding")]
        report.found["codings"] += len(codings)
        source.selections.append(PSelection(
            x.guid(x.attr(selection, "guid")), x.attr(selection, "startPosition"), x.attr(selection, "endPosition"),
            x.guid(x.attr(selection, "creatingUser")), when(x.attr(selection, "creationDateTime")),
            x.text_of(x.child(selection, "Description")).strip(), codings, refs(selection, "NoteRef")))
    return source
