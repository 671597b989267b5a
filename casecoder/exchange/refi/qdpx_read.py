"""Import a REFI-QDA project (.qdpx) as a new casecoder project, leniently, with an import report.

Refused outright (``InvalidInput``, nothing written): an unsafe or oversized zip (``archive``),
not exactly one ``*.qde``, XML that is not well-formed, a root that is not ``Project``. Everything
else is imported as far as casecoder can hold it, through the ordinary write functions (codes,
excerpts and codings audited, the importing user as actor; excerpts, codings and memos checked as
those check them and written in bulk, ``coding/bulk_excerpts``, with ``progress(done, total)``
called as they go; cases, interviewees and sources likewise, ``coding/bulk_sources``; the derived
tables built once at the end, ``models/derived/pause``); what is left out is in the report with its
reason, and XSD violations are report warnings.

- Users become casecoder users by name (``User@id`` for casecoder's own files, else ``User@name``);
  a name that exists is that user, a new one is a user without login (``password_hash = "!"``).
  A coding's coder is its ``creatingUser``, else its selection's, else the project's, else the
  importing user.
- Codes keep their GUIDs; keys come from the ``casecoder:codes`` note or are made from the names.
- Positions: code points after the BOM, line ends as stored; per source, UTF-16 offsets are
  detected (``positions.detect_utf16``) and converted. Selections with the same span (NVivo repeats
  one per code) become one excerpt, except in casecoder's own files.
- The rest of casecoder's fields are read back by the convention in ``convention.py``.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import bulk_detect, bulk_sources, projects, pseudonymise
from casecoder.coding import cases as case_ops
from casecoder.coding import codes as code_ops
from casecoder.coding.accounts import NoActor, user_without_login
from casecoder.coding.bulk_excerpts import BulkExcerpts, Progress
from casecoder.coding.bulk_sources import NewCase
from casecoder.exchange.refi import convention as cv
from casecoder.exchange.refi import gc_pause, xmlread
from casecoder.exchange.refi.archive import MAX_ENTRIES, MAX_UNPACKED, open_qdpx
from casecoder.exchange.refi.names import clean_name, free_slug, slugify, unique
from casecoder.exchange.refi.qdc import apply_merge, plan_merge
from casecoder.exchange.refi.qdpx_parse import PProject, parse_project
from casecoder.exchange.refi.qdpx_selections import import_selections
from casecoder.exchange.refi.qdpx_sources import SourcePlans
from casecoder.exchange.refi.report import FOUND_ORDER, IMPORTED_ORDER, ImportReport
from casecoder.exchange.refi.sets import record_sets
from casecoder.kernel import validate
from casecoder.kernel.errors import InvalidInput
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    Code,
    CodeRelation,
    Direction,
    Project,
    RelationType,
    User,
)
from casecoder.models.derived import pause as derived_pause

UNKNOWN_MUNICIPALITY = "(unknown)"
ATTRIBUTE_TYPE = {"Text": AttributeType.TEXT, "Integer": AttributeType.INTEGER, "Float": AttributeType.NUMBER,
                  "Boolean": AttributeType.BOOLEAN, "Date": AttributeType.DATE, "DateTime": AttributeType.TEXT}


def import_qdpx(session: Session, data: bytes, filename: str, *, user: User | None, title: str | None = None,
                slug: str | None = None, lang: str = "da", max_bytes: int = 20 * 1024 * 1024,
                max_entries: int = MAX_ENTRIES, max_unpacked: int = MAX_UNPACKED,
                progress: Progress | None = None) -> tuple[Project, ImportReport]:
    """Create a new project from the .qdpx ``data``; ``user`` (if any) becomes its owner.
    ``progress(done, total)``: excerpts written, as the writing goes."""
    with gc_pause.paused():  # a heap of parsed objects that all live to the end (gc_pause)
        try:
            return _import(session, data, filename, user=user, title=title, slug=slug, lang=lang, max_bytes=max_bytes,
                           max_entries=max_entries, max_unpacked=max_unpacked, progress=progress)
        finally:
            bulk_detect.drop(session)  # the transcripts' detection begun while writing (coding/bulk_detect)


def _import(session: Session, data: bytes, filename: str, *, user: User | None, title: str | None, slug: str | None,
            lang: str, max_bytes: int, max_entries: int, max_unpacked: int,
            progress: Progress | None) -> tuple[Project, ImportReport]:
    archive = open_qdpx(data, filename, max_entries=max_entries, max_unpacked=max_unpacked)
    root = xmlread.parse(archive.qde, archive.qde_name)
    if xmlread.local(root.tag) != "Project":
        raise InvalidInput("'{name}' is not a REFI-QDA project: its root element is {root}, not Project", "file",
                           name=archive.qde_name, root=xmlread.local(root.tag))
    report = ImportReport(filename, origin=(xmlread.attr(root, "origin") or "").strip())
    report.found.update(dict.fromkeys(FOUND_ORDER, 0))
    report.imported.update(dict.fromkeys(IMPORTED_ORDER[:7], 0))
    if not xmlread.namespace(root).startswith("urn:QDA-XML:project"):
        report.warn(f"Unexpected namespace '{xmlread.namespace(root)}'; read by element names")
    report.warnings += xmlread.xsd_problems(archive.qde, "Project")
    parsed = parse_project(root, archive, report, max_bytes)
    del root  # 80,000 elements for a large file: not kept (nor walked by the garbage collector) while writing
    title = validate.title((title or "").strip() or parsed.name or filename.rsplit(".", 1)[0])
    slug = validate.slug(slug) if slug else free_slug(session, slugify(title))
    project = projects.create_project(session, title, slug, None, user, description=parsed.description)
    report.project_slug = project.slug
    with derived_pause.paused(session, project.id):  # a new project: its derived tables built once at the end (#25)
        _Importer(session, project, parsed, report, user, lang).run(progress)
    session.flush()
    pseudonymise.detect_project(session, project, user)  # CPR numbers, phones, e-mails for the review screen
    return project, report


class _Importer:
    def __init__(self, session: Session, project: Project, parsed: PProject, report: ImportReport,
                 user: User | None, lang: str):
        self.s, self.project, self.p, self.report, self.lang = session, project, parsed, report, lang
        self.actor: Any = user or NoActor()
        self.bulk = BulkExcerpts(session, project.id, self.actor.id)
        self.own = parsed.origin.lower().startswith(cv.ORIGIN)
        self.used_notes: set[str] = set()
        self.variables = parsed.variables
        special = {guid for guid, (name, _t) in parsed.notes.items()
                   if name in (cv.CODES_NOTE, cv.CREATOR_NOTE) or name.startswith(cv.DIRECTION_NOTE)}
        self.used_notes |= special
        self.memo_notes = {g: text for g, (_n, text) in parsed.notes.items() if g not in special}
        self.directions: dict[str, Direction] = {}  # a direction note's word -> its direction (qdpx_selections)
        self.code_states: dict[Code, tuple[int, InvalidInput | None]] = {}  # qdpx_selections, read once per code
        self.user_ids: dict[User, int] = {}  # a coder's id, read once

    def note_text(self, guids: list[str]) -> str:
        if not guids:  # most codings and selections: no note
            self.report.imported["memos"] += 0  # the report names memos (0) all the same
            return ""
        texts = [self.memo_notes[g] for g in guids if g in self.memo_notes]
        self.used_notes.update(g for g in guids if g in self.memo_notes)
        self.report.imported["memos"] += len(texts)
        return "\n\n".join(t.strip() for t in texts if t.strip())

    def run(self, progress: Progress | None = None) -> None:
        self.report.users = [u.name or u.id for u in self.p.users]
        self.users_by_guid: dict[str, User] = {}
        self._codes()
        self._cases()
        self.case_of_selection = {sel: case for pc, case in self.case_rows for sel in pc.selection_refs}
        cases_of_source: dict[str, list[NewCase]] = defaultdict(list)
        for pc, case in self.case_rows:
            for ref in pc.source_refs:
                if case not in cases_of_source[ref]:
                    cases_of_source[ref].append(case)
        self.foreign_source_variables: Counter[str] = Counter()
        plans = SourcePlans(self)
        for ps in self.p.sources:  # planned and their selections collected in the file's order, then written
            source = plans.plan(ps, cases_of_source.get(ps.guid, []))
            self.report.imported["sources"] += 1
            if ps.whole_codings:
                self.report.skip(f"Source '{ps.name}': {ps.whole_codings} coding(s) of the whole source",
                                 "casecoder codes excerpts, not whole sources")
            import_selections(self, ps, source, plans.excerpts[id(source)])
        plans.write()
        self.bulk.write(progress)
        if not self.own:  # casecoder's own sets are its hypotheses, already in the tree
            members = {g for pset in self.p.sets for g in pset.sources}
            record_sets(self.s, self.p.sets, self.codes, self.actor.id, self.lang, self.report,
                        plans.orm_sources(members))
        for name, n in sorted(self.foreign_source_variables.items()):
            self.report.skip(f"Source variable '{name}' ({n} values)", "casecoder keeps variables on cases only")
        self._finish()

    # -- users ---------------------------------------------------------------------------------

    def user_for(self, guid: str | None) -> User | None:
        if not guid:
            return None
        if guid in self.users_by_guid:
            return self.users_by_guid[guid]
        found = next((u for u in self.p.users if u.guid == guid), None)
        if found is None:
            return None
        raw = (found.id or found.name) if self.own else (found.name or found.id)
        username = clean_name(raw, f"user-{guid[:8]}", 64, ascii_only=True)
        user = self.s.scalar(select(User).where(User.username == username))
        if user is None:
            user = user_without_login(username, found.name or "")
            self.s.add(user)
            self.s.flush()
            self.report.imported["users"] += 1
        self.users_by_guid[guid] = user
        return user

    def coder(self, *guids: str | None) -> User:
        for guid in (*guids, self.p.creating_user):
            user = self.user_for(guid)
            if user is not None:
                return user
        if self.actor.id is not None:
            return self.actor
        if "fallback" not in self.users_by_guid:
            self.users_by_guid["fallback"] = self.user_for_name("imported")
        return self.users_by_guid["fallback"]

    def user_for_name(self, username: str) -> User:
        user = self.s.scalar(select(User).where(User.username == username))
        if user is None:
            user = user_without_login(username)
            self.s.add(user)
            self.s.flush()
            self.report.imported["users"] += 1
        return user

    # -- codes ---------------------------------------------------------------------------------

    def _codes(self) -> None:
        meta: dict[str, dict[str, Any]] = {}
        for _guid, (name, text) in self.p.notes.items():
            if name == cv.CODES_NOTE:
                try:
                    loaded = json.loads(text)
                    meta = {k: v for k, v in loaded.items() if isinstance(v, dict)} if isinstance(loaded, dict) else {}
                except ValueError:
                    self.report.warn(f"The note {cv.CODES_NOTE} is not valid JSON; code keys are made from names")
        self.meta = meta
        plan = plan_merge(self.s, self.project, self.p.codes, self.lang)
        created = apply_merge(self.s, self.project, plan, self.actor.id, meta)
        self.report.imported["codes"] = len(created)
        self.codes: dict[str, Code] = {}
        for planned in plan.added:
            code = created[id(planned.incoming)]
            if planned.incoming.guid:
                self.codes.setdefault(planned.incoming.guid, code)
            if planned.incoming.note_refs:
                code.memo = self.note_text(planned.incoming.note_refs)
        relations: set[tuple[int, int, RelationType]] = set()
        for name, direction, origin, target in self.p.links:
            a, b = self.codes.get(origin or ""), self.codes.get(target or "")
            if a is None or b is None or a.id == b.id:
                self.report.skip(f"Link '{name}'", "casecoder keeps links between two different codes only")
                continue
            kind = RelationType.LEADS_TO if direction == "OneWay" else RelationType.ASSOCIATED_WITH
            if (a.id, b.id, kind) not in relations:  # the project is new: its relations are these
                relations.add((a.id, b.id, kind))
                self.s.add(CodeRelation(project_id=self.project.id, source_code_id=a.id, target_code_id=b.id, type=kind))
                self.report.imported["relations"] += 1
        self.s.flush()

    # -- cases ---------------------------------------------------------------------------------

    def _cases(self) -> None:
        """The cases with their variables as attributes, written at once (``coding/bulk_sources``: the rows
        ``create_case`` and ``set_attribute`` write); a value ``set_attribute`` refuses is left out."""
        self.case_rows: list[tuple[Any, NewCase]] = []
        taken = set(self.s.scalars(select(Case.key).where(Case.project_id == self.project.id)))
        definitions: dict[str, AttributeDefinition] = {}  # by the name made from the variable's
        for n, pc in enumerate(self.p.cases, 1):
            raw = pc.name if self.own else clean_name(pc.name, f"case-{n}")
            key = unique(validate.as_key(raw) or clean_name(raw, f"case-{n}"), taken)
            values = {self.variables.get(g, (g, "Text")): (el, text) for g, el, text in pc.variables}
            municipality = next((text.strip() for (name, _t), (_e, text) in values.items()
                                 if name in (cv.MUNICIPALITY, "municipality", "Municipality", "kommune", "Kommune")
                                 and text.strip()), UNKNOWN_MUNICIPALITY)
            case = NewCase(validate.case_key(key), municipality[:100], pc.description.strip())
            self.case_rows.append((pc, case))
            self.report.imported["cases"] += 1
            for (name, type_of), (_el, text) in values.items():
                if name in (cv.MUNICIPALITY, "municipality", "Municipality", "kommune", "Kommune"):
                    continue
                try:
                    attr_name = validate.as_key(name) or clean_name(name, "attribute")
                    if attr_name not in definitions:
                        definitions[attr_name] = case_ops.define_attribute(
                            self.s, self.project, attr_name, ATTRIBUTE_TYPE.get(type_of, AttributeType.TEXT))
                    definition = definitions[attr_name]
                    validate.attribute_value(definition.type, text.strip(), definition.name)  # set_attribute's check
                    case.attributes[definition.name] = text.strip()  # a second value for it replaces the first
                    self.report.imported["attributes"] += 1
                except InvalidInput as exc:
                    self.report.skip(f"Case '{key}', variable '{name}' = '{text}'", exc.message)
        bulk_sources.write(self.s, self.project, cases=[case for _pc, case in self.case_rows],
                           attributes={d.name: d for d in definitions.values()})

    # -- sources, selections, codings ----------------------------------------------------------

    def _finish(self) -> None:
        for guid, code in self.codes.items():
            if self.meta.get(guid, {}).get("archived") is True:
                code_ops.update_code(self.s, code, self.actor.id, archived=True)
        loose = [(name, text) for guid, (name, text) in self.p.notes.items()
                 if guid not in self.used_notes and text.strip()]
        if loose:
            extra = "\n\n".join(f"{name or 'Note'}:\n{text.strip()}" for name, text in loose)
            self.project.description = f"{self.project.description}\n\n{extra}".strip()
            self.report.imported["memos"] += len(loose)
            self.report.warn(f"{len(loose)} note(s) not attached to a code, source or selection were added to "
                             "the project description")
