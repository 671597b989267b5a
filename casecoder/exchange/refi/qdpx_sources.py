"""Importing a .qdpx's ``TextSource``s as transcripts, with their interviewees, in bulk (issue #25).

Each source is planned as a ``coding/bulk_sources.NewSource`` (its fields read by the convention in
``convention.py``) and its selections are checked and collected at once (``qdpx_selections``), so the
report keeps the file's order; once every source is planned, ``SourcePlans.write`` writes the
interviewees and the transcripts with one INSERT per table (``bulk_sources.write``: the rows
``create_interviewee`` and ``create_source`` write) and gives the collected excerpts their sources' ids.
An interviewee is checked here as ``create_interviewee`` checks it, and one it refuses is left out with
its reason in the report, as before. A source without text is kept empty (a plain ``Source`` row, which
``create_source`` refuses), in its place in the order of ids.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import insert

from casecoder.coding import bulk_detect, bulk_sources, pseudonymise
from casecoder.coding.bulk_excerpts import PendingExcerpt
from casecoder.coding.bulk_sources import NewCase, NewInterviewee, NewSource
from casecoder.exchange.bundle_read import source_key as check_source_key
from casecoder.exchange.refi import convention as cv
from casecoder.exchange.refi.qdpx_parse import PSource
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Perspective, Source, source_cases, source_interviewees

if TYPE_CHECKING:
    from casecoder.exchange.refi.qdpx_read import _Importer


class SourcePlans:
    """The sources and interviewees of one import, planned in file order and written at once."""

    def __init__(self, imp: _Importer):
        self.imp = imp
        self.people: dict[str, NewInterviewee] = {}  # by the key as the file writes it
        self.person_keys: set[str] = set()  # the keys as stored (what create_interviewee finds taken)
        self.source_keys: set[str] = set()
        self.planned: list[tuple[str, NewSource]] = []  # (guid, source) in file order
        self.excerpts: dict[int, list[PendingExcerpt]] = {}  # id(planned source) -> its new excerpts

    def fields(self, ps: PSource) -> dict[str, str]:
        imp, fields = self.imp, {}
        for guid, _el, text in ps.variables:
            name = imp.variables.get(guid, ("?", "Text"))[0]
            if name in cv.SOURCE_VARIABLES or name.lower() == "mode":
                fields[name if name in cv.SOURCE_VARIABLES else cv.MODE] = text.strip()
            elif name.split(" (")[0].lower() in cv.PERSPECTIVE_NAMES:
                readable = cv.PERSPECTIVE_WORDS.get(text.strip().lower(), text.strip())
                fields.setdefault("readable perspective", readable)  # casecoder's own file: the same as below
            else:
                imp.foreign_source_variables[name] += 1
        if "readable perspective" in fields:
            fields.setdefault(cv.PERSPECTIVE, fields.pop("readable perspective"))
        return fields

    def interviewees(self, fields: dict[str, str], ps: PSource) -> list[NewInterviewee]:
        lists = [fields.get(name, "").split(";") if fields.get(name) else [] for name in cv.INTERVIEWEE_VARIABLES]
        out = []
        for i, key in enumerate(k.strip() for k in lists[0]):
            if key in self.people:
                out.append(self.people[key])
                continue
            role, perspective, municipality = (lst[i].strip() if i < len(lst) else "" for lst in lists[1:])
            try:  # what create_interviewee checks, in its order
                stored = validate.code_key(key)
                if stored in self.person_keys:
                    raise InvalidInput("Interviewee '{key}' already exists in this project", "key", key=stored)
                person = NewInterviewee(stored, validate.title(role or "?", N_("Role"), 64),
                                        validate.choice(Perspective, perspective or "family", N_("Perspective")),
                                        ("" if municipality == "-" else municipality).strip())
            except InvalidInput as exc:
                self.imp.report.skip(f"Source '{ps.name}', interviewee '{key}'", exc.message)
                continue
            self.person_keys.add(stored)
            self.people[key] = person
            out.append(person)
        return out

    def plan(self, ps: PSource, cases: list[NewCase]) -> NewSource:
        """The transcript ``ps`` will be (written by ``write``), its report lines added in the file's order."""
        imp = self.imp
        fields = self.fields(ps)
        text = ps.text or ""
        perspective = fields.get(cv.PERSPECTIVE, "").lower()
        if perspective not in ("family", "system"):
            if perspective:
                imp.report.warn(f"Source '{ps.name}': perspective '{perspective}' is not family or system")
            perspective = Perspective.FAMILY.value
        mode = fields.get(cv.MODE, "").lower()
        date_ = fields.get(cv.DATE, "")[:10] or None
        try:
            date_ = validate.iso_date(date_).isoformat() if date_ else None
        except InvalidInput:
            imp.report.warn(f"Source '{ps.name}': date '{date_}' is not YYYY-MM-DD and was left out")
            date_ = None
        creator = imp.user_for(ps.user_guid)
        people = self.interviewees(fields, ps)
        if not text.strip():
            imp.report.warn(f"Source '{ps.name}' has no text; it is kept empty")
        source = NewSource(title=ps.name[:300], text=text, perspective=perspective, cases=cases, interviewees=people,
                           mode=mode if mode in ("visit", "phone") else None, interview_date=date_,
                           original_filename=ps.filename[:255], created_by=creator, created_at=ps.created)
        key = fields.get(cv.SOURCE_KEY)
        if key:
            try:
                check_source_key(key)
                if key not in self.source_keys:
                    source.key = key
                    self.source_keys.add(key)
            except InvalidInput as exc:
                imp.report.warn(f"Source '{ps.name}': {exc.message}")
        source.memo = imp.note_text(ps.note_refs)
        self.planned.append((ps.guid, source))
        self.excerpts[id(source)] = []
        return source

    def write(self) -> dict[str, NewSource]:
        """Write the interviewees and the sources; every collected excerpt gets its source's id. Returns the
        sources by GUID."""
        imp = self.imp
        bulk_sources.write(imp.s, imp.project, interviewees=list(self.people.values()))
        run: list[NewSource] = []
        for _guid, source in self.planned:
            if source.text.strip():
                run.append(source)
                continue
            bulk_sources.write(imp.s, imp.project, sources=run)
            run = []
            self._empty(source)
        bulk_sources.write(imp.s, imp.project, sources=run)
        bulk_detect.start(imp.s, pseudonymise.key_terms(imp.s, imp.project.id),  # while the server writes (#25)
                          [(source.id, source.text) for _guid, source in self.planned if source.id is not None])
        for _guid, source in self.planned:
            for excerpt in self.excerpts[id(source)]:
                excerpt.source_id = source.id  # type: ignore[assignment]
        return dict(self.planned)

    def _empty(self, source: NewSource) -> None:
        """A source without text, as the import kept it before (``create_source`` refuses one)."""
        imp = self.imp
        row = Source(project_id=imp.project.id, key=source.key, title=source.title,
                     text=source.text, perspective=Perspective(source.perspective),
                     original_filename=source.original_filename, memo=source.memo,
                     sha256=hashlib.sha256(source.text.encode()).hexdigest(),
                     created_by_id=source.created_by.id if source.created_by else None)
        if source.created_at:
            row.created_at = source.created_at
        imp.s.add(row)
        imp.s.flush()
        source.id, source.text_version = row.id, row.text_version
        _links(imp, source, source.cases, source.interviewees)

    def orm_sources(self, guids: Iterable[str]) -> Mapping[str, Source]:
        """The written sources among ``guids`` as ORM rows (for the few a set names)."""
        planned = dict(self.planned)
        return {g: self.imp.s.get(Source, planned[g].id) for g in guids if g in planned}  # type: ignore[misc]


def _links(imp: _Importer, source: NewSource, cases: Iterable[object], people: Iterable[object]) -> None:
    links = [{"source_id": source.id, "case_id": c.id} for c in cases]  # type: ignore[attr-defined]
    if links:
        imp.s.execute(insert(source_cases), links)
    persons = [{"source_id": source.id, "interviewee_id": p.id} for p in people]  # type: ignore[attr-defined]
    if persons:
        imp.s.execute(insert(source_interviewees), persons)
