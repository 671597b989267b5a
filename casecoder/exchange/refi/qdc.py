"""REFI-QDA codebooks (.qdc): write a project's code tree, read one leniently, merge it into a project.

Writing: every code in tree order (siblings by position, then key) with its GUID (``Code.guid``,
given at the first export and stored), label and description in the chosen language,
``isCodable`` and colour; one ``Set`` per hypothesis holding it and every code below it.

Reading: ``read_codes`` turns a ``Codes`` element (of a .qdc or of a project's ``CodeBook``) into
``IncomingCode`` trees. GUIDs are kept (lower-cased, braces stripped); an id that is no GUID (as
``c001``) becomes a stable uuid5 of it. Colours ``#rgb`` become ``#rrggbb``. Sets (code groups) are
recorded in their member codes' memos when the codebook is merged (``sets.py``).

Merging (``plan_merge`` then ``apply_merge``): an incoming code is the project's code with the same
GUID, else the one with the same path of labels (in the chosen language, then the other one);
a matched code whose label differs is renamed, every other code is added under its parent with a
key made from its name. Nothing is deleted. The plan is what the preview shows.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterator
from xml.etree.ElementTree import Element

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import audit
from casecoder.coding import codes as code_ops
from casecoder.exchange.refi import xmlread
from casecoder.exchange.refi.convention import CODE_FIELDS, ORIGIN, derived_guid
from casecoder.exchange.refi.names import clean_name, unique
from casecoder.exchange.refi.report import ImportReport
from casecoder.exchange.refi.sets import preview_sets, read_sets, record_sets
from casecoder.kernel import tree as trees
from casecoder.kernel import validate
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Code, CodeKind, Project

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
DEFAULT_COLOR = "#888888"
_RGB3 = re.compile(r"^#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])$")


# -- writing -------------------------------------------------------------------------------------

def project_codes(session: Session, project: Project) -> list[Code]:
    return list(session.scalars(select(Code).where(Code.project_id == project.id)))


def ensure_guids(session: Session, project: Project) -> None:
    """Give every code of ``project`` without a GUID a new one (uuid4), stored."""
    missing = [c for c in project_codes(session, project) if not c.guid]
    for code in sorted(missing, key=lambda c: c.id):
        code.guid = str(uuid.uuid4())
    if missing:
        session.flush()


def tree(codes: list[Code]) -> dict[int | None, list[Code]]:
    """Children by parent id, each list in display order."""
    children: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code)
    for siblings in children.values():
        siblings.sort(key=lambda c: (c.position, c.key))
    return children


def descendants(children: dict[int | None, list[Code]], code: Code) -> Iterator[Code]:
    """``code`` and every code under it, in tree order (no recursion: the tree's depth is user data)."""
    yield code
    yield from (node for node, _depth, _parent in trees.preorder(children, lambda c: c.id, code.id))


def sub(parent: Any, tag: str, ns: str, text: str | None = None, **attrs: str | None) -> Any:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def add_code_elements(parent: Any, ns: str, children: dict[int | None, list[Code]], lang: str,
                      note_refs: dict[int, list[str]] | None = None, parent_id: int | None = None) -> None:
    """``Code`` elements for the codes under ``parent_id`` (nested as the tree is) under ``parent``."""
    elements: dict[int, Any] = {}
    for code, _depth, up in trees.preorder(children, lambda c: c.id, parent_id):
        element = sub(parent if up is None else elements[up.id], "Code", ns, guid=code.guid, name=code.label(lang),
                      isCodable="true" if code.codable else "false", color=code.color)
        elements[code.id] = element
        if code.description(lang):
            sub(element, "Description", ns, code.description(lang))
        for note in (note_refs or {}).get(code.id, []):
            sub(element, "NoteRef", ns, targetGUID=note)


def hypothesis_sets(project: Project, children: dict[int | None, list[Code]]) -> list[tuple[str, Code, list[Code]]]:
    """(set GUID, hypothesis, its codes) for every hypothesis code, in tree order."""
    return [(derived_guid(project.slug, "set", code.id), code, list(descendants(children, code)))
            for code, _depth, _parent in trees.preorder(children, lambda c: c.id) if code.kind is CodeKind.HYPOTHESIS]


def write_qdc(session: Session, project: Project, lang: str = "da") -> bytes:
    """The codebook of ``project`` as .qdc bytes (GUIDs of codes given and stored first)."""
    ensure_guids(session, project)
    children = tree(project_codes(session, project))
    root = etree.Element(f"{{{NS_CODEBOOK}}}CodeBook", nsmap={None: NS_CODEBOOK},  # type: ignore[dict-item]
                         origin=ORIGIN)
    codes_element = sub(root, "Codes", NS_CODEBOOK)
    add_code_elements(codes_element, NS_CODEBOOK, children, lang)
    sets = hypothesis_sets(project, children)
    if sets:
        sets_element = sub(root, "Sets", NS_CODEBOOK)
        for set_guid, hypothesis, members in sets:
            element = sub(sets_element, "Set", NS_CODEBOOK, guid=set_guid, name=hypothesis.label(lang))
            if hypothesis.description(lang):
                sub(element, "Description", NS_CODEBOOK, hypothesis.description(lang))
            for member in members:
                sub(element, "MemberCode", NS_CODEBOOK, guid=member.guid)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- reading -------------------------------------------------------------------------------------

@dataclass
class IncomingCode:
    guid: str | None
    name: str
    codable: bool
    color: str | None
    description: str
    children: list["IncomingCode"] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)


def color(raw: str | None) -> str | None:
    value = (raw or "").strip()
    match = _RGB3.match(value)
    if match:
        value = "#" + "".join(ch * 2 for ch in match.groups())
    return value.lower() if validate.COLOR_RE.match(value) else None


def read_codes(codes_element: Element | None, report: ImportReport) -> list[IncomingCode]:
    """The code trees under a ``Codes`` element; counts them in ``report.found['codes']``. Read without
    recursion; a tree deeper than ``validate.MAX_CODE_DEPTH`` levels is refused."""
    seen: set[str] = set()

    def one(element: Element) -> IncomingCode:
        report.found["codes"] += 1
        raw, name = xmlread.attr(element, "guid"), (xmlread.attr(element, "name") or "").strip()
        guid = xmlread.guid_or_derived(raw)
        if guid in seen:
            report.warn(f"Code '{name}': the GUID {raw} appears twice; the second code gets a new one")
            guid = None
        if guid:
            seen.add(guid)
        codable = (xmlread.attr(element, "isCodable") or "true").strip().lower() not in ("false", "0")
        code = IncomingCode(guid, name, codable, color(xmlread.attr(element, "color")),
                            xmlread.text_of(xmlread.child(element, "Description")).strip(),
                            note_refs=[g for g in (xmlread.guid(xmlread.attr(n, "targetGUID"))
                                                   for n in xmlread.children(element, "NoteRef")) if g])
        return code

    roots: list[IncomingCode] = []
    stack: list[tuple[Element, IncomingCode | None, int]] = [
        (c, None, 1) for c in reversed(list(xmlread.children(codes_element, "Code")))]
    while stack:
        element, parent, level = stack.pop()
        code = one(element)
        validate.code_depth(level, code.name)
        (parent.children if parent else roots).append(code)
        stack.extend((c, code, level + 1) for c in reversed(list(xmlread.children(element, "Code"))))
    return roots


def read_qdc(data: bytes, filename: str) -> tuple[list[IncomingCode], ImportReport]:
    """A .qdc file's code trees and a report (XSD problems as warnings; malformed XML is refused)."""
    root = xmlread.parse(data, filename)
    if xmlread.local(root.tag) != "CodeBook":
        raise InvalidInput("'{name}' is not a REFI-QDA codebook: its root element is {root}, not CodeBook", "file",
                           name=filename, root=xmlread.local(root.tag))
    report = ImportReport(filename, origin=xmlread.attr(root, "origin") or "")
    report.found.update(codes=0, sets=0)
    report.warnings += xmlread.xsd_problems(data, "Codebook")
    roots = read_codes(xmlread.child(root, "Codes"), report)
    report.found["sets"] = len(read_sets(root))
    return roots, report


# -- merging -------------------------------------------------------------------------------------

@dataclass
class PlannedCode:
    incoming: IncomingCode
    path: tuple[str, ...]
    parent: Code | None  # an existing parent, or None when ``parent_plan`` or top level
    parent_plan: "PlannedCode | None" = None


@dataclass
class MergePlan:
    added: list[PlannedCode] = field(default_factory=list)
    renamed: list[tuple[Code, str, str]] = field(default_factory=list)  # code, old label, new label
    matched: list[tuple[Code, IncomingCode]] = field(default_factory=list)
    lang: str = "da"

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.renamed)


def _label_paths(codes: list[Code], lang: str) -> dict[tuple[str, ...], Code]:
    by_id: dict[int | None, Code] = {c.id: c for c in codes}
    out: dict[tuple[str, ...], Code] = {}
    for code in codes:
        labels: list[str] = []
        current: Code | None = code
        while current is not None:
            labels.append(current.label(lang).strip().casefold())
            current = by_id.get(current.parent_id)
        out.setdefault(tuple(reversed(labels)), code)
    return out


def plan_merge(session: Session, project: Project, roots: list[IncomingCode], lang: str = "da") -> MergePlan:
    """What merging ``roots`` into ``project``'s codebook would add and rename (nothing is written)."""
    existing = project_codes(session, project)
    by_guid = {c.guid: c for c in existing if c.guid}
    other = "en" if lang == "da" else "da"
    paths, other_paths = _label_paths(existing, lang), _label_paths(existing, other)
    plan, used = MergePlan(lang=lang), set()
    depth = trees.depths({c.id: c.parent_id for c in existing})

    def walk(code: IncomingCode, parent_path: tuple[str, ...], parent: Code | None, parent_plan: PlannedCode | None,
             display: tuple[str, ...], level: int) -> None:
        """``level``: where ``code`` would be in the tree (1: the top); the recursion is bounded by
        ``read_codes``'s depth check."""
        path = (*parent_path, code.name.strip().casefold())
        shown = (*display, code.name)
        match = None if parent_plan else by_guid.get(code.guid or "")
        if match is None and parent_plan is None:
            match = paths.get(path) or other_paths.get(path)
        if match is not None and match.id in used:
            match = None
        if match is not None:
            used.add(match.id)
            plan.matched.append((match, code))
            if code.name and match.label(lang) != code.name:
                plan.renamed.append((match, match.label(lang), code.name))
            for child in code.children:
                walk(child, (*parent_path, match.label(lang).strip().casefold()), match, None, shown,
                     depth.get(match.id, 0) + 2)
            return
        validate.code_depth(level, code.name)  # (a code matched by GUID may sit deeper than its file says)
        planned = PlannedCode(code, shown, parent, parent_plan)
        plan.added.append(planned)
        for child in code.children:
            walk(child, path, None, planned, shown, level + 1)

    for root in roots:
        walk(root, (), None, None, (), 1)
    return plan


def unique_key(name: str, taken: set[str]) -> str:
    """A code key made from ``name`` (letters, digits, '.', '_', '-'; at most 32), unique in ``taken``."""
    return unique(clean_name(name, "code", min_len=1), taken)


def apply_merge(session: Session, project: Project, plan: MergePlan, user_id: int | None,
                meta: dict[str, dict[str, Any]] | None = None) -> dict[int, Code]:
    """Write ``plan``: rename matched codes, add new ones (audited). Returns new codes by ``id(incoming)``.

    ``meta`` (from a casecoder project's ``casecoder:codes`` note) gives new codes their casecoder
    fields by GUID. Archived codes are created active; ``archive_codes`` archives them afterwards.
    """
    meta = meta or {}
    existing = project_codes(session, project)
    taken = {c.key for c in existing}
    guids = {c.guid for c in existing if c.guid}
    next_position: dict[int | None, int] = defaultdict(int)
    for code in existing:
        next_position[code.parent_id] = max(next_position[code.parent_id], code.position + 1)
    for code, _old, new in plan.renamed:
        code_ops.update_code(session, code, user_id, **{f"label_{plan.lang}": new[:200]})
    for code, incoming in plan.matched:
        if not code.guid and incoming.guid and incoming.guid not in guids:
            code.guid = incoming.guid
            guids.add(incoming.guid)
    created: dict[int, Code] = {}
    for planned in plan.added:  # parents are planned before their children
        incoming = planned.incoming
        parent = planned.parent or (created[id(planned.parent_plan.incoming)] if planned.parent_plan else None)
        if parent is not None and parent.id is None:  # flushed once its first child comes, not each code (#25);
            session.flush()  # given by id, not relationship, the codes between two flushes are inserted in order
        fields = _fields(incoming, meta.get(incoming.guid or ""), taken)
        guid = incoming.guid if incoming.guid and incoming.guid not in guids else None
        if guid:
            guids.add(guid)
        parent_id = parent.id if parent else None
        code = Code(project_id=project.id, parent_id=parent_id, guid=guid, codable=incoming.codable,
                    color=incoming.color or DEFAULT_COLOR, position=next_position[parent_id], **fields)
        next_position[parent_id] += 1
        session.add(code)
        created[id(incoming)] = code
    session.flush()
    audit.record_created(session, user_id, list(created.values()), project.id)  # their audit rows in one INSERT (#25)
    return created


def _fields(incoming: IncomingCode, meta: dict[str, Any] | None, taken: set[str]) -> dict[str, Any]:
    name = incoming.name[:200] or "?"
    fields: dict[str, Any] = {"kind": CodeKind.THEME, "label_da": name, "label_en": name,
                              "description_da": incoming.description, "description_en": incoming.description}
    if meta:
        for column in CODE_FIELDS:
            if column in ("key", "kind", "archived") or not isinstance(meta.get(column), str):
                continue
            fields[column] = meta[column][:200] if column.startswith("label_") else meta[column]
        try:
            fields["kind"] = CodeKind(meta.get("kind"))
        except ValueError:
            pass
        key = validate.as_key(meta["key"]) if isinstance(meta.get("key"), str) else None
        if key is not None and key not in taken:
            taken.add(key)
            fields["key"] = key
    fields.setdefault("key", unique_key(incoming.name, taken))
    for column in ("label_da", "label_en"):
        fields[column] = fields[column].strip() or name
    return fields


def import_qdc(session: Session, project: Project, data: bytes, filename: str, *, user_id: int | None,
               lang: str = "da", apply: bool = True) -> tuple[MergePlan, ImportReport]:
    """Read a .qdc and plan its merge into ``project``; with ``apply`` also write it."""
    roots, report = read_qdc(data, filename)
    plan = plan_merge(session, project, roots, lang)
    if apply:
        empty = not project_codes(session, project)
        created = apply_merge(session, project, plan, user_id)
        by_guid = {i.guid: c for c, i in plan.matched if i.guid} | {
            p.incoming.guid: created[id(p.incoming)] for p in plan.added if p.incoming.guid}
        record_sets(session, read_sets(xmlread.parse(data, filename)), by_guid, user_id, lang, report)
        report.imported["codes"] = len(created)
        report.imported["renamed"] = len(plan.renamed)
        if empty and created:
            project.codebook_name = filename.rsplit("/", 1)[-1][:100]
            project.codebook_sha256 = hashlib.sha256(data).hexdigest()
        session.flush()
    else:
        preview_sets(read_sets(xmlread.parse(data, filename)), lang, report)
    return plan, report
