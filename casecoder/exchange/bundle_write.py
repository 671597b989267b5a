"""Write a checked project bundle (``bundle_import._Importer``'s plans) through the ordinary write
functions: codes (created parents first, or updated; audited), attributes, cases, interviewees,
sources in bulk (``coding/bulk_sources``), coders without login; excerpts, codings and memos in bulk (``coding/bulk_excerpts``: the
same rows and audit rows, a thousand per INSERT; issue #25). No Flask; the checks ran before anything here.
"""
from __future__ import annotations

import posixpath
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casecoder.coding import audit, bulk_detect, bulk_sources, cases, codes, pseudonymise, text_cache
from casecoder.coding.accounts import NoActor, user_without_login
from casecoder.coding.bulk_excerpts import BulkExcerpts, Progress
from casecoder.coding.bulk_sources import NewCase, NewInterviewee, NewSource
from casecoder.files.csv_tables import BundleProblems, Problem, Row
from casecoder.kernel.errors import InvalidInput
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    Code,
    CodeKind,
    Direction,
    Excerpt,
    Interviewee,
    InterviewMode,
    Perspective,
    Project,
    Source,
    User,
)


@dataclass
class ImportSummary:
    codes_added: int = 0
    codes_updated: int = 0
    cases: int = 0
    interviewees: int = 0
    sources: int = 0
    excerpts: int = 0
    codings: int = 0
    users: int = 0  # coders created as users without login
    members: int = 0  # coders added as members of the project (role coder; only when the import says so)


@dataclass
class SourceInfo:
    title: str
    text: str | None  # None: the file could not be read (already reported)
    case_keys: list[str]
    row: Row | None = None
    fields: dict[str, object] = field(default_factory=dict)  # create_source's perspective, mode, interview_date
    interviewee_keys: list[str] = field(default_factory=list)
    file: tuple[str, bytes, str] | None = None  # path in the bundle, its bytes, their sha256


@dataclass
class ExcerptPlan:
    row: Row  # its first row
    memos: dict[str, tuple[str, Row]] = field(default_factory=dict)  # coder -> their memo and its row
    codings: dict[tuple[str, str], tuple[Direction, Row]] = field(default_factory=dict)  # (code, coder) -> ...


class BundleWriter:
    """The write half of the bundle importer; the state comes from ``bundle_import._Importer``."""

    session: Session
    project: Project
    user: User | None
    codes: dict[str, Code]
    cases: dict[str, Case | NewCase]
    people: dict[str, Interviewee | NewInterviewee]
    sources: dict[str, Source | NewSource]
    attributes: dict[str, AttributeDefinition]
    code_plans: dict[str, dict[str, object]]
    case_plans: dict[str, tuple[str, dict[str, object]]]
    attribute_types: dict[str, AttributeType]
    person_plans: dict[str, dict[str, object]]
    source_plans: dict[str, SourceInfo]
    excerpt_plans: dict[tuple[str, str | None, int, int], ExcerptPlan]
    users: dict[str, User | None]
    progress: Progress | None = None  # (excerpts written, excerpts to write), called as the writing goes
    _existing: dict[tuple[int, int | None, int, int], Excerpt] | None = None

    def _existing_excerpt(self, key: str, case_key: str | None, start: int, end: int) -> Excerpt | None:
        source = self.sources.get(key)
        if source is None or source.id is None:
            return None
        if self._existing is None:  # every excerpt of the bundle's existing sources, read once
            ids = {self.sources[k].id for k, *_ in self.excerpt_plans if k in self.sources}
            self._existing = {(e.source_id, e.case_id, e.start_offset, e.end_offset): e for e in self.session.scalars(
                select(Excerpt).where(Excerpt.source_id.in_(ids)).options(selectinload(Excerpt.memos))
                .order_by(Excerpt.id.desc()))} if ids else {}  # the oldest of equal spans wins, as .first() did
        case = self.cases.get(case_key) if case_key else None
        return self._existing.get((source.id, case.id if case else None, start, end))

    # -- writing -------------------------------------------------------------------------------

    @contextmanager
    def _at(self, row: Row | None) -> Iterator[None]:
        """A write function's refusal (the checks should have caught it) still names the row."""
        try:
            yield
        except InvalidInput as exc:
            raise BundleProblems([Problem(row.file if row else "bundle", row.line if row else None, None, exc)]) from exc

    def write(self) -> ImportSummary:
        s, summary = self.session, ImportSummary()
        user_id = self.user.id if self.user else None
        self._write_codes(summary, user_id)
        for name, type_ in self.attribute_types.items():
            self.attributes[name] = cases.define_attribute(s, self.project, name, type_)
        new_cases = [NewCase(key, municipality, attributes=dict(values))
                     for key, (municipality, values) in self.case_plans.items()]
        new_people = [NewInterviewee(key, **person) for key, person in self.person_plans.items()]  # type: ignore[arg-type]
        new_sources, rows = [], {}
        self.cases.update((c.key, c) for c in new_cases)
        self.people.update((p.key, p) for p in new_people)
        for key, info in self.source_plans.items():
            path, data, sha256 = cast(tuple[str, bytes, str], info.file)
            new_sources.append(NewSource(
                info.title, cast(str, info.text), cast(Perspective, info.fields["perspective"]),
                [self.cases[k] for k in info.case_keys], [self.people[k] for k in info.interviewee_keys],
                cast("InterviewMode | None", info.fields.get("mode")), cast("date | None", info.fields.get("interview_date")),
                posixpath.basename(path), raw=data, sha256=sha256, created_by=self.user, key=key))
            rows[id(new_sources[-1])] = info.row
        try:  # one INSERT per table (coding/bulk_sources: the same checks and rows as create_case & co.)
            bulk_sources.write(s, self.project, cases=new_cases, interviewees=new_people, sources=new_sources,
                               attributes=self.attributes)
        except InvalidInput as exc:  # the checks should have caught it: name the source's row at least
            with self._at(rows.get(id(getattr(exc, "item", None)))):
                raise
        self.sources.update((src.key, src) for src in new_sources)  # type: ignore[misc]
        bulk_detect.start(s, pseudonymise.key_terms(s, self.project.id),  # while the server writes (#25)
                          [(cast(int, src.id), src.text) for src in new_sources])
        summary.cases, summary.interviewees, summary.sources = len(new_cases), len(new_people), len(new_sources)
        s.flush()
        for name, found in self.users.items():
            if found is None:
                self.users[name] = user_without_login(name)
                s.add(self.users[name])
                summary.users += 1
        s.flush()
        actor = cast(User, self.user or NoActor())
        bulk = BulkExcerpts(s, self.project.id, actor.id)  # one INSERT per thousand rows, audited alike
        for (key, case_key, start, end), plan in self.excerpt_plans.items():
            source, excerpt_case = self.sources[key], self.cases.get(case_key or "")
            case_id = excerpt_case.id if excerpt_case else None
            there = self._existing_excerpt(key, case_key, start, end)
            if there is None:
                text = source.text if isinstance(source, NewSource) else text_cache.source_text(s, source)
                pending = bulk.new(cast(int, source.id), case_id, start, end, text[start:end])
            else:
                pending = bulk.existing(there)
            memo_writers = {m.user_id for m in there.memos} if there else set()  # one already there stays
            for coder, (memo, _row) in plan.memos.items():  # each coder's own
                writer = cast(User, self.users[coder])  # every named coder exists by now
                if writer.id not in memo_writers:
                    pending.memos.append((writer.id, memo))
            for (code_key, coder), (direction, _row) in plan.codings.items():
                pending.codings.append((self.codes[code_key].id, cast(User, self.users[coder]).id, direction))
        summary.excerpts, summary.codings, _memos = bulk.write(self.progress)
        return summary

    def _write_codes(self, summary: ImportSummary, user_id: int | None) -> None:
        s, plans, existing = self.session, self.code_plans, set(self.codes)
        next_position: dict[str | None, int] = {}
        for code in self.codes.values():
            parent = code.parent.key if code.parent else None
            next_position[parent] = max(next_position.get(parent, 0), code.position + 1)
        waiting, created = [key for key in plans if key not in existing], []
        while waiting:  # parents before children, siblings in row order (the checks ruled out cycles)
            ready = [key for key in waiting if plans[key]["parent"] is None or plans[key]["parent"] in self.codes]
            for key in ready:
                plan, parent = plans[key], cast("str | None", plans[key]["parent"])
                code = Code(project_id=self.project.id, key=key, kind=plan["kind"],
                            parent_id=self.codes[parent].id if parent else None, label_da=plan["label_da"],
                            label_en=plan["label_en"], description_da=plan.get("description_da", ""),
                            description_en=plan.get("description_en", ""), position=next_position.get(parent, 0))
                next_position[parent] = code.position + 1
                s.add(code)
                self.codes[key] = code
                created.append(code)
                summary.codes_added += 1
            s.flush()  # once a generation, not once a code (#25): given by parent_id, in this order
            waiting = [key for key in waiting if key not in ready]
        audit.record_created(s, user_id, created, self.project.id)  # their audit rows in one INSERT, in order
        for key in [key for key in plans if key in existing]:
            if self._update_code(self.codes[key], plans[key], user_id):
                summary.codes_updated += 1

    def _update_code(self, code: Code, plan: dict[str, object], user_id: int | None) -> bool:
        """Labels and descriptions through ``codes.update_code``; kind and parent (which it does not
        change) here, with their own audit row. Returns whether anything changed."""
        changes = {name: plan[name] for name in ("label_da", "label_en", "description_da", "description_en")
                   if name in plan and getattr(code, name) != plan[name]}
        with self._at(cast(Row, plan["row"])):
            if changes:
                codes.update_code(self.session, code, user_id, **changes)
        parent = self.codes[cast(str, plan["parent"])] if plan["parent"] else None
        if code.kind == plan["kind"] and code.parent_id == (parent.id if parent else None):
            return bool(changes)
        before = audit.snapshot(code)
        code.kind, code.parent = cast(CodeKind, plan["kind"]), parent
        self.session.flush()
        audit.record(self.session, user_id, "update", code, before=before, after=audit.snapshot(code))
        return True
