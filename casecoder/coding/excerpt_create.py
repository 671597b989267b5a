"""The workbench's create request (issue #25): one new excerpt with the acting coder's codings, an optional
memo, and their audit rows, without ORM objects. No Flask.

``source_and_codes`` reads the plain columns the create needs in one query (the source with its cases, its
text never: ``text_cache`` has it; the codes asked for); ``create`` checks like
``excerpts.create_excerpt`` (span, memo, case, codes, directions; the same messages in the same order)
and writes the same rows and the same audit rows (``audit.created_rows``): on PostgreSQL in ONE statement
(data-modifying CTEs: excerpt, codings, memo and audit rows in one round trip), on SQLite in a few Core
statements (no data-modifying CTEs there; the statements run in-process). Its answer is ``excerpt_json``
of the new excerpt, built from what was written. Flush-free: the caller's transaction commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection, Sequence, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CompoundSelect,
    Integer,
    Table,
    bindparam,
    insert,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from casecoder.coding import audit, text_cache
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Case, Code, Coding, Direction, Excerpt, ExcerptMemo, Source
from casecoder.models.base import utcnow
from casecoder.models.cases import source_cases

EXCERPTS, CODINGS, MEMOS = (cast(Table, model.__table__) for model in (Excerpt, Coding, ExcerptMemo))


@dataclass
class SourceToCode:
    """What a create needs of a source: no text (``text`` is read through ``text_cache`` when needed)."""

    id: int
    project_id: int
    title: str
    text_version: int | None
    cases: list[tuple[int, str]] = field(default_factory=list)  # (id, key) by key
    session: Session | None = field(default=None, repr=False)

    @property
    def text(self) -> str:  # text_cache's fallback (no version, or the text changed): read it now
        assert self.session is not None
        return self.session.scalar(select(Source.text).where(Source.id == self.id)) or ""


@dataclass(frozen=True)
class CodeToApply:
    id: int
    key: str
    project_id: int
    codable: bool
    archived: bool
    color: str
    position: int


# The statements, built once (building a select costs more than running it on SQLite), run on the session's
# connection (no ORM layer: plain rows)
def _source_and_codes(keys: str | None) -> CompoundSelect[Any]:
    """The source's columns and cases (kind 0), then the codes (kind 1): one statement, one round trip."""
    source = (select(literal(0), Source.project_id, Source.title, Source.text_version, Case.id, Case.key,
                     cast_(null(), Boolean), cast_(null(), Boolean), cast_(null(), Integer))
              .outerjoin(source_cases, source_cases.c.source_id == Source.id)
              .outerjoin(Case, Case.id == source_cases.c.case_id).where(Source.id == bindparam("source_id")))
    codes = select(literal(1), Code.project_id, Code.key, cast_(null(), BigInteger), Code.id, Code.color, Code.codable,
                   Code.archived, Code.position).where(Code.project_id == bindparam("project_id"))
    if keys:
        codes = codes.where(Code.key.in_(bindparam(keys, expanding=True)))
    return union_all(source, codes)


# The statements, built once (building a select costs more than running it on SQLite), run on the session's
# connection (no ORM layer: plain rows)
SOURCE_AND_CODES, SOURCE_AND_ALL_CODES = _source_and_codes("keys"), _source_and_codes(None)
KEYS_LIMIT = 100  # above this many keys, every code of the project in one query (as analysis.workbench)
INSERT_EXCERPT = insert(EXCERPTS).returning(EXCERPTS.c.id)
INSERT_CODINGS = insert(CODINGS).returning(CODINGS.c.id, CODINGS.c.code_id)  # in any order: by code
INSERT_MEMO = insert(MEMOS).returning(MEMOS.c.id)


def source_and_codes(session: Session, source_id: int, project_id: int,
                     keys: Collection[str]) -> tuple[SourceToCode | None, dict[str, CodeToApply]]:
    """The source with its cases (None if there is no such source) and ``project_id``'s codes among
    ``keys`` by key, in one query."""
    wanted = set(keys)
    params: dict[str, Any] = {"source_id": source_id, "project_id": project_id}
    if len(wanted) <= KEYS_LIMIT:
        params["keys"] = list(wanted)
    found: SourceToCode | None = None
    codes: dict[str, CodeToApply] = {}
    for kind, project, name, version, id_, key_or_color, codable, archived, position in session.connection().execute(
            SOURCE_AND_CODES if "keys" in params else SOURCE_AND_ALL_CODES, params):
        if kind == 1:
            codes[name] = CodeToApply(id_, name, project, codable, archived, key_or_color, position)
            continue
        if found is None:
            found = SourceToCode(source_id, project, name, version, [], session)
        if id_ is not None:
            found.cases.append((id_, key_or_color))
    if found is not None:
        found.cases.sort(key=lambda case: case[1])
    return found, codes


def _resolve_case(source: SourceToCode, case: Case | None) -> tuple[int, str] | None:
    """As ``excerpts.resolve_case``: the given case (linked to the source), or the source's only case."""
    if case is not None:
        if case.id not in {case_id for case_id, _key in source.cases}:
            raise InvalidInput("Case {case} is not linked to the transcript '{title}'", "case", case=case.key,
                               title=source.title)
        return case.id, case.key
    if len(source.cases) > 1:
        keys = ", ".join(key for _id, key in source.cases)
        raise InvalidInput("The transcript covers several cases ({keys}); choose the case this excerpt is about",
                           "case", keys=keys)
    return source.cases[0] if source.cases else None


def _checked_codes(codes: Sequence[tuple[CodeToApply, Direction | str]], project_id: int,
                   username: str) -> list[tuple[CodeToApply, Direction]]:
    """As ``excerpts._new_coding`` for each code in turn: no code twice, each of the project, codable,
    not archived, a known direction."""
    checked: list[tuple[CodeToApply, Direction]] = []
    for code, direction in codes:
        if any(c.id == code.id for c, _d in checked):
            raise InvalidInput("{coder} has already put code {key} on this excerpt", "codes", coder=username,
                               key=code.key)
        if code.project_id != project_id:
            raise InvalidInput("Code {key} belongs to another project", "codes", key=code.key)
        if code.archived:
            raise InvalidInput("Code {key} is archived and cannot be applied", "codes", key=code.key)
        if not code.codable:
            raise InvalidInput("Code {key} is a folder and cannot be applied", "codes", key=code.key)
        checked.append((code, validate.choice(Direction, direction, N_("Direction"))))
    return checked


def create(session: Session, user_id: int, username: str, source: SourceToCode, start: int, end: int,
           codes: Sequence[tuple[CodeToApply, Direction | str]], case: Case | None = None,
           memo: str = "") -> dict[str, Any]:
    """Check and write a new excerpt of ``source`` with ``user_id``'s ``codes`` (and memo); its JSON."""
    whole = text_cache.source_text(session, source, source.text_version)  # type: ignore[arg-type]
    start, end = validate.span(whole, start, end)
    snippet = whole[start:end]
    memo = validate.memo(memo)
    case_ref = _resolve_case(source, case)
    checked = _checked_codes(codes, source.project_id, username)
    new = NewExcerpt(source.project_id, source.id, case_ref[0] if case_ref else None, start, end, snippet,
                     user_id, [(code.id, direction) for code, direction in checked], memo)
    if session.get_bind().dialect.name == "postgresql":
        excerpt_id, coding_ids, _memo_id = _write_postgresql(session, new)
    else:
        excerpt_id, coding_ids, _memo_id = _write_sqlite(session, new)
    codings = sorted(zip(coding_ids, checked), key=lambda item: (item[1][0].position, item[1][0].key))
    return {
        "id": excerpt_id, "source_id": source.id, "start": start, "end": end, "text": snippet,
        "case": case_ref[1] if case_ref else None,
        "memos": [{"user": username, "text": memo}] if memo else [],
        "case_id": case_ref[0] if case_ref else None, "version": 1,
        "codings": [{"id": coding_id, "code": code.key, "code_id": code.id, "color": code.color, "coder": username,
                     "direction": direction.value} for coding_id, (code, direction) in codings],
    }


@dataclass
class NewExcerpt:
    project_id: int
    source_id: int
    case_id: int | None
    start: int
    end: int
    text: str
    user_id: int
    codings: list[tuple[int, Direction]]  # (code id, direction), in the order asked
    memo: str

    def excerpt_snapshot(self) -> dict[str, Any]:
        return audit.excerpt_snapshot(self.source_id, self.case_id, self.start, self.end, self.text, self.user_id)


def _write_sqlite(session: Session, new: NewExcerpt) -> tuple[int, list[int], int | None]:
    """Excerpt, codings (one INSERT), memo, then the audit rows (one executemany)."""
    at, connection = utcnow(), session.connection()
    excerpt_id = connection.execute(INSERT_EXCERPT, {
        "project_id": new.project_id, "source_id": new.source_id, "case_id": new.case_id,
        "start_offset": new.start, "end_offset": new.end, "text": new.text, "created_by_id": new.user_id,
        "created_at": at, "updated_at": at, "version": 1}).scalar_one()
    coding_ids: list[int] = []
    if new.codings:  # one INSERT ... VALUES (...), (...) RETURNING (SQLAlchemy's "insertmanyvalues")
        by_code = {code_id: coding_id for coding_id, code_id in connection.execute(INSERT_CODINGS, [
            {"excerpt_id": excerpt_id, "code_id": code_id, "coder_id": new.user_id, "direction": direction,
             "of_record": True, "created_at": at} for code_id, direction in new.codings])}
        coding_ids = [by_code[code_id] for code_id, _d in new.codings]
    memo_id = None
    if new.memo:
        memo_id = connection.execute(INSERT_MEMO, {
            "excerpt_id": excerpt_id, "user_id": new.user_id, "text": new.memo, "updated_at": at}).scalar_one()
    entries = [("excerpt", excerpt_id, new.excerpt_snapshot())]
    entries += [("coding", coding_id, audit.coding_snapshot(excerpt_id, code_id, new.user_id, direction, True))
                for coding_id, (code_id, direction) in zip(coding_ids, new.codings)]
    if memo_id is not None:
        entries.append(("excerpt_memo", memo_id, audit.memo_snapshot(excerpt_id, new.user_id, new.memo)))
    audit.write_created(session, new.user_id, new.project_id, entries, at)
    return excerpt_id, coding_ids, memo_id


_PG_SQL: dict[tuple[int, bool], Any] = {}


def _pg_sql(n_codings: int, memo: bool) -> Any:
    """The one statement for ``n_codings`` codings (and a memo): built once per shape."""
    key = (n_codings, memo)
    if key not in _PG_SQL:
        ctes = ["e AS (INSERT INTO excerpts (project_id, source_id, case_id, start_offset, end_offset, text, "
                "created_by_id, created_at, updated_at, version) VALUES (CAST(:project_id AS INTEGER), "
                "CAST(:source_id AS INTEGER), CAST(:case_id AS INTEGER), CAST(:start AS INTEGER), "
                "CAST(:end AS INTEGER), CAST(:text AS TEXT), CAST(:user_id AS INTEGER), CAST(:at AS TIMESTAMPTZ), "
                "CAST(:at AS TIMESTAMPTZ), 1) RETURNING id)"]
        parts = [("'excerpt'", "e.id", "CAST(:after_excerpt AS TEXT)", "0", "e")]
        if n_codings:
            values = ", ".join(f"({i}, CAST(:code_{i} AS INTEGER), CAST(:direction_{i} AS VARCHAR), "
                               f"CAST(:tail_{i} AS TEXT))" for i in range(n_codings))
            ctes.append(f"v (n, code_id, direction, tail) AS (VALUES {values})")
            ctes.append("c AS (INSERT INTO codings (excerpt_id, code_id, coder_id, direction, of_record, created_at) "
                        "SELECT e.id, v.code_id, CAST(:user_id AS INTEGER), v.direction, true, "
                        "CAST(:at AS TIMESTAMPTZ) FROM e CROSS JOIN v ORDER BY v.n RETURNING id, code_id)")
            parts.append(("'coding'", "c.id", "CAST(:head AS TEXT) || e.id || v.tail", "1 + v.n",
                          "e CROSS JOIN c JOIN v ON v.code_id = c.code_id"))
        if memo:
            ctes.append("m AS (INSERT INTO excerpt_memos (excerpt_id, user_id, text, updated_at) SELECT e.id, "
                        "CAST(:user_id AS INTEGER), CAST(:memo AS TEXT), CAST(:at AS TIMESTAMPTZ) FROM e RETURNING id)")
            parts.append(("'excerpt_memo'", "m.id", "CAST(:head AS TEXT) || e.id || CAST(:memo_tail AS TEXT)",
                          "1000000", "e CROSS JOIN m"))
        ctes.append(audit.created_rows_cte("a", parts))
        answer = "SELECT e.id, NULL, NULL FROM e"
        if n_codings:
            answer += " UNION ALL SELECT NULL, c.id, c.code_id FROM c"
        if memo:
            answer += " UNION ALL SELECT NULL, NULL, m.id FROM m"
        _PG_SQL[key] = text("WITH " + ",\n".join(ctes) + "\n" + answer)
    return _PG_SQL[key]


def _write_postgresql(session: Session, new: NewExcerpt) -> tuple[int, list[int], int | None]:
    """Everything in one statement: one round trip instead of four."""
    at = utcnow()
    params: dict[str, Any] = {
        "project_id": new.project_id, "source_id": new.source_id, "case_id": new.case_id, "start": new.start,
        "end": new.end, "text": new.text, "user_id": new.user_id, "at": at, "memo": new.memo,
        "after_excerpt": audit.dumps(new.excerpt_snapshot()), "head": audit.EXCERPT_ID_HEAD,
        **audit.created_params(new.user_id, new.project_id, at, session)}
    for i, (code_id, direction) in enumerate(new.codings):
        params[f"code_{i}"], params[f"direction_{i}"] = code_id, direction.value
        params[f"tail_{i}"] = audit.tail_after_excerpt_id(audit.coding_snapshot(0, code_id, new.user_id, direction,
                                                                                 True))
    if new.memo:
        params["memo_tail"] = audit.tail_after_excerpt_id(audit.memo_snapshot(0, new.user_id, new.memo))
    excerpt_id, memo_id, by_code = 0, None, {}
    for e_id, c_id, other in session.connection().execute(_pg_sql(len(new.codings), bool(new.memo)), params):
        if e_id is not None:
            excerpt_id = e_id
        elif c_id is not None:
            by_code[other] = c_id
        else:
            memo_id = other
    return excerpt_id, [by_code[code_id] for code_id, _d in new.codings], memo_id
