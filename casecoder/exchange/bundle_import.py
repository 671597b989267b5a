"""Import a project bundle (spreadsheets plus transcript files) all or nothing. No Flask.

``import_bundle`` first checks every file of the bundle against the project (keys, references,
types, offsets, quotes) and collects every problem; if there is any it raises ``BundleProblems``
before anything is written. Only then does it write, inside the caller's session, through the
ordinary write functions: codes (created, or updated through ``codes.update_code``; audited), cases
with typed attributes, interviewees, sources (text by ``extract.extract_text``; ``Source.key`` set),
excerpts and codings (``coding/excerpts``; audited, the importing user as actor). Every coder the
bundle names must be a member of the project, or the import is refused naming each one and the line
where they first appear; with ``add_coders`` (the owner said so) they become members with the role
coder (audited), and one who does not exist becomes a user who cannot log in (``password_hash = "!"``)
first. The format is in README.md
("Project bundles"); ``export/project_bundle.py`` writes it. The checks and the plans are here, the
writing in ``bundle_write.py``.
"""
from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import accounts, bulk_detect, pseudonymise
from casecoder.coding.bulk_excerpts import Progress
from casecoder.exchange.bundle_read import COLUMNS, check_csv_names, find_quote, read_transcript, source_key, unknown
from casecoder.exchange.bundle_write import BundleWriter, ExcerptPlan, ImportSummary, SourceInfo
from casecoder.exchange.refi import gc_pause
from casecoder.files.csv_tables import INT_RE, Bundle, Problems, Row, Table, infer_type, read_table, split_keys
from casecoder.files.extract import Extracted
from casecoder.kernel import tree, validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    Code,
    CodeKind,
    Direction,
    Interviewee,
    InterviewMode,
    Membership,
    Perspective,
    Project,
    Role,
    Source,
    User,
)
from casecoder.models.derived.pause import maybe_paused

__all__ = ["ImportSummary", "import_bundle"]


def import_bundle(session: Session, project: Project, bundle: Bundle, *, user: User | None,
                  max_bytes: int, add_coders: bool = False, progress: Progress | None = None) -> ImportSummary:
    """Check all of ``bundle`` against ``project``, then write it; raises BundleProblems (nothing written).
    ``add_coders``: coders who are not members of the project become members with the role coder.
    ``progress(done, total)`` is called as the excerpts are written."""
    with gc_pause.paused():  # the rows and plans all live to the end: no collector passes over them (#25)
        try:
            return _import(session, project, bundle, user, max_bytes, add_coders, progress)
        finally:
            bulk_detect.drop(session)  # the transcripts' detection begun while writing (coding/bulk_detect)


def _import(session: Session, project: Project, bundle: Bundle, user: User | None, max_bytes: int,
            add_coders: bool, progress: Progress | None) -> ImportSummary:
    importer = _Importer(session, project, bundle, user, max_bytes, add_coders)
    importer.progress = progress
    importer.check()
    importer.problems.raise_any()
    outsiders = importer.outsiders()
    codings = sum(len(plan.codings) for plan in importer.excerpt_plans.values())
    with maybe_paused(session, project.id, codings):  # derived tables rebuilt once, not kept per row (#25)
        summary = importer.write()
    for name in outsiders:  # only with add_coders (else check refused them); audited by add_member
        accounts.add_member(session, project, cast(User, importer.users[name]), Role.CODER, actor=user)
    summary.members = len(outsiders)
    pseudonymise.detect_project(session, project, user)  # pending hits for the review screen, as on import
    return summary


class _Importer(BundleWriter):
    """Checks the bundle into plans (this module); ``BundleWriter`` writes them."""

    def __init__(self, session: Session, project: Project, bundle: Bundle, user: User | None, max_bytes: int,
                 add_coders: bool = False):
        self.session, self.project, self.bundle, self.user, self.max_bytes = session, project, bundle, user, max_bytes
        self.add_coders = add_coders
        self.members = set(session.scalars(select(Membership.user_id).where(Membership.project_id == project.id)))
        self.coder_rows: dict[str, Row] = {}  # each coder's first line
        self.problems = Problems()
        pid = project.id
        self.codes = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == pid))}
        self.cases = {c.key: c for c in session.scalars(select(Case).where(Case.project_id == pid))}
        self.people = {p.key: p for p in session.scalars(select(Interviewee).where(Interviewee.project_id == pid))}
        self.sources = {cast(str, s.key): s for s in session.scalars(select(Source).where(
            Source.project_id == pid, Source.key.is_not(None)))}
        self.attributes = {a.name: a for a in session.scalars(select(AttributeDefinition).where(
            AttributeDefinition.project_id == pid))}
        self.code_plans: dict[str, dict[str, object]] = {}
        self.case_plans: dict[str, tuple[str, dict[str, object]]] = {}
        self.attribute_types: dict[str, AttributeType] = {}
        self.person_plans: dict[str, dict[str, object]] = {}
        self.source_plans: dict[str, SourceInfo] = {}
        self.excerpt_plans: dict[tuple[str, str | None, int, int], ExcerptPlan] = {}
        self.users: dict[str, User | None] = {}

    # -- checking ------------------------------------------------------------------------------

    def check(self) -> None:
        check_csv_names(self.bundle, self.problems)
        tables = {name: read_table(self.bundle, name, *COLUMNS[name], self.problems, extra_columns=name == "cases.csv")
                  for name in COLUMNS}
        self.check_codes(tables["codes.csv"])
        self.check_cases(tables["cases.csv"])
        self.check_people(tables["interviewees.csv"])
        self.check_sources(tables["sources.csv"])
        self.check_excerpts(tables["excerpts.csv"])
        self.check_coders()

    def outsiders(self) -> list[str]:
        """The coders the bundle names who are not members of the project (or no users yet), by name."""
        return sorted(n for n, u in self.users.items() if u is None or u.id not in self.members)

    def check_coders(self) -> None:
        """Refuse each coder who is not a member, at the line naming them first (unless ``add_coders``)."""
        if self.add_coders:
            return
        for name in self.outsiders():
            self.problems.at(self.coder_rows[name], "coder", InvalidInput(
                "{coder} is not a member of this project: add them as a member first, or import with the coders "
                "added as members", "coder", coder=name))

    def _new_key(self, row: Row, column: str, check, what: str, seen: dict[str, int], existing) -> str | None:  # type: ignore[no-untyped-def]
        """A valid key not seen before in the file nor existing in the project, else None (reported)."""
        ok, key = self.problems.attempt(row, column, check, row.get(column))
        if not ok:
            return None
        if key in seen:
            self.problems.at(row, column, InvalidInput("{what} '{key}' appears twice in this file (first on line "
                                                       "{line})", "key", what=what, key=key, line=seen[key]))
            return None
        seen[key] = row.line  # type: ignore[index]
        if key in existing:
            self.problems.at(row, column, InvalidInput("{what} '{key}' already exists in this project", "key",
                                                       what=what, key=key))
            return None
        return key  # type: ignore[return-value]

    def check_codes(self, table: Table) -> None:
        p, seen = self.problems, dict[str, int]()
        for row in table.rows:
            key = self._new_key(row, "code_key", validate.code_key, N_("Code key"), seen, ())  # existing: updated
            if key is None:
                continue
            plan: dict[str, object] = {"row": row, "parent": row.get("parent_key") or None}
            plan["kind"] = p.attempt(row, "kind", validate.choice, CodeKind, row.get("kind"), N_("Kind"))[1]
            for column in ("label_da", "label_en"):
                plan[column] = p.attempt(row, column, validate.title, row.get(column), N_("Label"))[1]
            for column, name in (("description", "description_da"), ("description_en", "description_en")):
                if column in table.columns:
                    plan[name] = row.get(column)
            if key in self.codes and "parent_key" not in table.columns:
                stored = self.codes[key].parent
                plan["parent"] = stored.key if stored else None
            self.code_plans[key] = plan
        parent_of = {c.key: c.parent.key if c.parent else None for c in self.codes.values()}
        parent_of.update({key: plan["parent"] for key, plan in self.code_plans.items()})  # type: ignore[misc]
        for key, plan in self.code_plans.items():
            row, parent = cast(Row, plan["row"]), cast("str | None", plan["parent"])
            if parent is not None and parent not in parent_of:
                p.at(row, "parent_key", unknown(N_("code"), parent, "codes.csv"))
                continue
            seen_keys, current = {key}, parent
            while current is not None and current not in seen_keys:
                seen_keys.add(current)
                current = parent_of.get(current)
            if current == key:
                p.at(row, "parent_key", InvalidInput("Code {key} would be its own ancestor", "parent", key=key))
        levels = tree.depths(parent_of)  # the tree at most validate.MAX_CODE_DEPTH levels: the first code below
        for key, plan in self.code_plans.items():  # it is named (not each of a 1,200-level chain)
            level, parent = levels.get(key, 0) + 1, cast("str | None", plan["parent"])
            if level > validate.MAX_CODE_DEPTH and levels.get(parent or "", 0) + 1 <= validate.MAX_CODE_DEPTH:
                p.attempt(cast(Row, plan["row"]), "parent_key", validate.code_depth, level, key)

    def check_cases(self, table: Table) -> None:
        p, seen = self.problems, dict[str, int]()
        names = [c for c in table.columns if c not in ("case_key", "municipality")]
        for name in names:
            try:
                validate.code_key(name)
            except InvalidInput as exc:
                p.add(table.file, 1, table.label(name), exc)
                continue
            known = self.attributes.get(name)
            self.attribute_types[name] = known.type if known else infer_type([r.get(name) for r in table.rows
                                                                               if r.get(name)])
        for row in table.rows:
            key = self._new_key(row, "case_key", validate.case_key, N_("Case key"), seen, self.cases)
            municipality = p.attempt(row, "municipality", validate.title, row.get("municipality"),
                                     N_("Municipality"), 100)[1]
            values = {}
            for name, type_ in self.attribute_types.items():
                if row.get(name):
                    ok, value = p.attempt(row, name, validate.attribute_value, type_, row.get(name), name)
                    values[name] = value
            if key:
                self.case_plans[key] = (cast(str, municipality), values)

    def check_people(self, table: Table) -> None:
        p, seen = self.problems, dict[str, int]()
        for row in table.rows:
            key = self._new_key(row, "interviewee_key", validate.code_key, N_("Interviewee key"), seen, self.people)
            plan = {"role": p.attempt(row, "role", validate.title, row.get("role"), N_("Role"), 64)[1],
                    "perspective": p.attempt(row, "perspective", validate.choice, Perspective, row.get("perspective"),
                                             N_("Perspective"))[1], "municipality": row.get("municipality")}
            if row.get("municipality"):  # optional, but not too long
                p.attempt(row, "municipality", validate.title, row.get("municipality"), N_("Municipality"), 100)
            if key:
                self.person_plans[key] = plan

    def check_sources(self, table: Table) -> None:
        p, seen = self.problems, dict[str, int]()
        for row in table.rows:
            key = self._new_key(row, "source_key", source_key, N_("Source key"), seen, self.sources)
            fields: dict[str, object] = {
                "perspective": p.attempt(row, "perspective", validate.choice, Perspective, row.get("perspective"),
                                         N_("Perspective"))[1],
                "mode": p.attempt(row, "mode", validate.choice, InterviewMode, row.get("mode"), N_("Mode"))[1]
                if row.get("mode") else None,
                "interview_date": p.attempt(row, "date", validate.iso_date, row.get("date"))[1]
                if row.get("date") else None}
            title = p.attempt(row, "title", validate.title, row.get("title"), N_("Title"), 300)[1]
            case_keys = self._references(row, "case_keys", N_("case"), "cases.csv", self.case_plans, self.cases)
            people = self._references(row, "interviewee_keys", N_("interviewee"), "interviewees.csv",
                                      self.person_plans, self.people)
            ok, read = p.attempt(row, "file", read_transcript, self.bundle, row.get("file"), self.max_bytes)
            if key:
                text, file = None, None
                if ok:
                    path, data, extracted = cast("tuple[str, bytes, Extracted]", read)
                    text, file = extracted.text, (path, data, extracted.sha256)
                self.source_plans[key] = SourceInfo(cast(str, title or key), text, case_keys, row, fields, people, file)

    def _references(self, row: Row, column: str, what: str, file: str, planned: dict, existing: dict) -> list[str]:
        keys = split_keys(row.get(column))
        for key in keys:
            if key not in planned and key not in existing:
                self.problems.at(row, column, unknown(what, key, file))
        return keys

    def check_excerpts(self, table: Table) -> None:
        p = self.problems
        if table.present and table.columns and not ({"start", "end"} <= set(table.columns) or "quote" in table.columns):
            p.add(table.file, 1, None, InvalidInput("The columns start and end, or the column quote, are required",
                                                    "file"))
            return
        directions: dict[str, Direction] = {}  # each spelling parsed once
        for row in table.rows:
            located = self._locate(row)
            spelled = row.get("direction") or "supports"
            direction = directions.get(spelled)
            if direction is None:  # a wrong one is reported on every row that has it
                direction = cast("Direction | None", p.attempt(row, "direction", validate.choice, Direction, spelled,
                                                               N_("Direction"))[1])
                if direction is not None:
                    directions[spelled] = direction
            code_keys = self._applicable_codes(row)
            memo = p.attempt(row, "memo", validate.memo, row.get("memo"))[1]
            # the memo is the row's coder's own (an old bundle's shared memo goes to each row's coder);
            # an uncoded excerpt without a memo needs no coder
            coder = self._coder(row) if code_keys or memo else ""
            if located is None or direction is None or coder is None:
                continue
            plan = self.excerpt_plans.setdefault(located, ExcerptPlan(row))
            if memo:
                known = plan.memos.setdefault(coder, (cast(str, memo), row))
                if known[0] != memo:
                    p.at(row, "memo", InvalidInput("The memo of {coder} differs from line {line}, which is the same "
                                                   "excerpt", "memo", coder=coder, line=known[1].line))
            for code_key in code_keys:
                if (code_key, coder) in plan.codings:
                    first = plan.codings[(code_key, coder)][1]
                    p.at(row, "code_keys", InvalidInput("{coder} has already put code {key} on this excerpt (line "
                                                        "{line})", "codes", coder=coder, key=code_key, line=first.line))
                plan.codings[(code_key, coder)] = (direction, row)
        self._check_existing_excerpts()

    def _locate(self, row: Row) -> tuple[str, str | None, int, int] | None:
        """(source key, case key, start, end) of the row's excerpt, or None (reported)."""
        p, key = self.problems, row.get("source_key")
        source = self.sources.get(key)
        info = self.source_plans.get(key) or (SourceInfo(source.title, source.text, [c.key for c in source.cases])
                                              if source is not None else None)
        if info is None:
            p.at(row, "source_key", unknown(N_("source"), key, "sources.csv"))
            return None
        case_key = row.get("case_key") or None
        if case_key is not None and case_key not in info.case_keys:
            known = case_key in self.case_plans or case_key in self.cases
            p.at(row, "case_key", InvalidInput("Case {case} is not linked to the transcript '{title}'", "case",
                                               case=case_key, title=info.title) if known
                 else unknown(N_("case"), case_key, "cases.csv"))
            return None
        if case_key is None and len(info.case_keys) > 1:
            p.at(row, "case_key", InvalidInput("The transcript covers several cases ({keys}); choose the case this "
                                               "excerpt is about", "case", keys=", ".join(info.case_keys)))
            return None
        case_key = case_key or (info.case_keys[0] if info.case_keys else None)
        span = self._span(row, info)
        return (key, case_key, *span) if span and info.text is not None else None

    def _span(self, row: Row, info: SourceInfo) -> tuple[int, int] | None:
        p, quote = self.problems, row.get("quote")
        if not (row.get("start") or row.get("end")):
            if not quote.strip():
                p.at(row, "start", InvalidInput("Give start and end, or a quote", "span"))
                return None
            found = p.attempt(row, "quote", find_quote, info.text, quote, info.title)[1] if info.text else None
            return cast("tuple[int, int] | None", found)
        numbers = []
        for column in ("start", "end"):
            value = row.get(column)
            if not INT_RE.match(value):
                p.at(row, column, InvalidInput("'{value}' is not a whole number", "span", value=value))
            numbers.append(int(value) if INT_RE.match(value) else None)
        if None in numbers or info.text is None:
            return None
        ok, span = p.attempt(row, "start", validate.span, info.text, *numbers)
        if ok and quote.strip() and info.text[numbers[0]:numbers[1]] != quote:
            p.at(row, "quote", InvalidInput("The quote differs from the text at {start}-{end}: “{text}”", "quote",
                                            start=numbers[0], end=numbers[1], text=info.text[numbers[0]:numbers[1]]))
        return span if ok else None  # type: ignore[return-value]

    def _coder(self, row: Row) -> str | None:
        name = row.get("coder") or (self.user.username if self.user else "")
        if not name:
            self.problems.at(row, "coder", InvalidInput("No coder is given, and the import has no user to stand in",
                                                        "coder"))
            return None
        ok, checked = self.problems.attempt(row, "coder", validate.username, name)
        if not ok:
            return None
        name = cast(str, checked)
        self.coder_rows.setdefault(name, row)
        if name not in self.users:
            self.users[name] = self.session.scalar(select(User).where(User.username == name))
        return name

    def _applicable_codes(self, row: Row) -> list[str]:
        keys = split_keys(row.get("code_keys"))
        for i, key in enumerate(keys):
            code = self.codes.get(key)
            if key in keys[:i]:
                self.problems.at(row, "code_keys", InvalidInput("Code {key} is listed twice", "codes", key=key))
            elif code is None and key not in self.code_plans:
                self.problems.at(row, "code_keys", unknown(N_("code"), key, "codes.csv"))
            elif code is not None and code.archived:
                self.problems.at(row, "code_keys", InvalidInput("Code {key} is archived and cannot be applied",
                                                                "codes", key=key))
            elif code is not None and not code.codable:
                self.problems.at(row, "code_keys", InvalidInput("Code {key} is a folder and cannot be applied",
                                                                "codes", key=key))
        return list(dict.fromkeys(keys))

    def _check_existing_excerpts(self) -> None:
        """Rows about an excerpt that already exists add codings to it; a coding it has is a problem."""
        for (key, case_key, start, end), plan in self.excerpt_plans.items():
            excerpt = self._existing_excerpt(key, case_key, start, end)
            for code_key, coder in plan.codings if excerpt else ():
                if any(c.code.key == code_key and c.coder.username == coder for c in excerpt.codings):  # type: ignore[union-attr]
                    self.problems.at(plan.codings[(code_key, coder)][1], "code_keys", InvalidInput(
                        "{coder} has already put code {key} on this excerpt", "codes", coder=coder, key=code_key))
