"""The workbench's create request (issue #25): one new excerpt with the acting coder's codings, an optional
memo, and their audit rows, without ORM objects. No Flask.

``source_and_codes`` reads the plain columns the create needs in one query (the source with its cases, its
text never: ``text_cache`` has it; the codes asked for); ``create`` checks like
``excerpts.create_excerpt`` (span, memo, case, codes, directions; the same messages in the same order)
and writes the same rows and the same audit rows (``audit.created_rows``): on PostgreSQL in ONE statement
(data-modifying CTEs: excerpt, codings, memo and audit rows in one round trip), on SQLite in a few Core
statements (no data-modifying CTEs there; the statements run in-process). Its answer is ``excerpt_json``
of the new excerpt, built from what was written. Flush-free: the caller's transaction commits.

``Verify`` (coding/excerpt_known.py): the same write, the excerpt's INSERT made conditional on the login, the
membership and what was read of the source and codes still holding (``INSERT ... SELECT ... WHERE``, in the
same statement): nothing is written when any of it changed.
"""
from __future__ import annotations

import functools
import re
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
from casecoder.coding.permissions import CODE, ROLE_CAN
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Case, Code, Coding, Direction, Excerpt, ExcerptMemo, Source
from casecoder.models.base import utcnow
from casecoder.models.cases import source_cases
from casecoder.models.engine import driver_rows

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


@dataclass(frozen=True)
class CaseRef:
    id: int
    key: str


CODING_ROLES = ", ".join(sorted(f"'{role.value}'" for role, actions in ROLE_CAN.items() if CODE in actions))


@dataclass
class Verify:
    """What the write checks before it writes (coding/excerpt_known.py): the user is active with this session
    generation and name and may code in the project ``slug`` (whose id is the source's project id); the source
    has this text version and this many cases (and the case, with its key); each code is as read (project,
    key, codable, not archived, colour, position). Parameters ``v_*``; one SQL condition."""

    slug: str
    generation: int
    params: dict[str, Any] = field(default_factory=dict)
    shape: tuple[int, bool] = (0, False)  # (codes, with a case)

    def fill(self, new: NewExcerpt, username: str, source: SourceToCode, case_ref: tuple[int, str] | None,
             codes: list[CodeToApply]) -> None:
        self.params = {"v_user": new.user_id, "v_generation": self.generation, "v_username": username,
                       "v_project": new.project_id, "v_slug": self.slug, "v_source": new.source_id,
                       "v_version": source.text_version, "v_n_cases": len(source.cases)}
        self.shape = (len(codes), case_ref is not None)
        if case_ref is not None:
            self.params["v_case"], self.params["v_case_key"] = case_ref
        for i, code in enumerate(codes):
            self.params.update({f"v_code_{i}": code.id, f"v_key_{i}": code.key, f"v_color_{i}": code.color,
                                f"v_position_{i}": code.position})



@functools.cache
def _verify_sql(n_codes: int, with_case: bool) -> str:
    parts = [
        "EXISTS (SELECT 1 FROM users u JOIN memberships m ON m.user_id = u.id JOIN projects p ON p.id = m.project_id "
        "WHERE u.id = CAST(:v_user AS INTEGER) AND u.active AND u.session_generation = CAST(:v_generation AS INTEGER) "
        "AND u.username = CAST(:v_username AS VARCHAR) AND p.id = CAST(:v_project AS INTEGER) "
        f"AND p.slug = CAST(:v_slug AS VARCHAR) AND m.role IN ({CODING_ROLES}))",
        "EXISTS (SELECT 1 FROM sources s WHERE s.id = CAST(:v_source AS INTEGER) "
        "AND s.project_id = CAST(:v_project AS INTEGER) AND s.text_version = CAST(:v_version AS BIGINT))",
        "(SELECT COUNT(*) FROM source_cases sc WHERE sc.source_id = CAST(:v_source AS INTEGER)) "
        "= CAST(:v_n_cases AS INTEGER)"]
    if with_case:
        parts.append("EXISTS (SELECT 1 FROM source_cases sc JOIN cases k ON k.id = sc.case_id "
                     "WHERE sc.source_id = CAST(:v_source AS INTEGER) AND k.id = CAST(:v_case AS INTEGER) "
                     "AND k.key = CAST(:v_case_key AS VARCHAR) AND k.project_id = CAST(:v_project AS INTEGER))")
    parts += [f"EXISTS (SELECT 1 FROM codes c WHERE c.id = CAST(:v_code_{i} AS INTEGER) "
              f"AND c.project_id = CAST(:v_project AS INTEGER) AND c.key = CAST(:v_key_{i} AS VARCHAR) "
              f"AND c.codable AND NOT c.archived AND c.color = CAST(:v_color_{i} AS VARCHAR) "
              f"AND c.position = CAST(:v_position_{i} AS INTEGER))" for i in range(n_codes)]
    return " AND ".join(parts)


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


def source_and_codes(session: Session, source_id: int, project_id: int, keys: Collection[str],
                     every_code: bool = False) -> tuple[SourceToCode | None, dict[str, CodeToApply]]:
    """The source with its cases (None if there is no such source) and ``project_id``'s codes among
    ``keys`` (or all of them) by key, in one query."""
    wanted = set(keys)
    params: dict[str, Any] = {"source_id": source_id, "project_id": project_id}
    if len(wanted) <= KEYS_LIMIT and not every_code:
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


def _resolve_case(source: SourceToCode, case: Case | CaseRef | None) -> tuple[int, str] | None:
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
           codes: Sequence[tuple[CodeToApply, Direction | str]], case: Case | CaseRef | None = None,
           memo: str = "", verify: Verify | None = None) -> dict[str, Any] | None:
    """Check and write a new excerpt of ``source`` with ``user_id``'s ``codes`` (and memo); its JSON.

    With ``verify`` (coding/excerpt_known.py: what an earlier create saw), the write itself first checks that
    the login, the membership and everything read from ``source`` and ``codes`` still hold, and writes nothing
    (None) when any of it does not."""
    whole = text_cache.source_text(session, source, source.text_version)  # type: ignore[arg-type]
    start, end = validate.span(whole, start, end)
    snippet = whole[start:end]
    memo = validate.memo(memo)
    case_ref = _resolve_case(source, case)
    checked = _checked_codes(codes, source.project_id, username)
    new = NewExcerpt(source.project_id, source.id, case_ref[0] if case_ref else None, start, end, snippet,
                     user_id, [(code.id, direction) for code, direction in checked], memo)
    if verify is not None:
        verify.fill(new, username, source, case_ref, [code for code, _d in checked])
    if session.get_bind().dialect.name == "postgresql":
        written = _write_postgresql(session, new, verify)
    else:
        written = _write_sqlite(session, new, verify)
    if written is None:
        return None
    excerpt_id, coding_ids, _memo_id = written
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


EXCERPT_COLUMNS = ("project_id", "source_id", "case_id", "start_offset", "end_offset", "text", "created_by_id",
                   "created_at", "updated_at", "version")


@functools.cache
def _insert_excerpt_verified(n_codes: int, with_case: bool) -> Any:
    """INSERT INTO excerpts ... SELECT the values WHERE ``Verify``'s condition holds RETURNING id."""
    values = select(*[bindparam(name, type_=EXCERPTS.c[name].type) for name in EXCERPT_COLUMNS])
    return (insert(EXCERPTS).from_select(list(EXCERPT_COLUMNS), values.where(text(_verify_sql(n_codes, with_case))))
            .returning(EXCERPTS.c.id))


def _write_sqlite(session: Session, new: NewExcerpt,
                  verify: Verify | None = None) -> tuple[int, list[int], int | None] | None:
    """Excerpt (written only if ``verify`` holds: None otherwise), codings (one INSERT), memo, then the audit
    rows (one executemany)."""
    at, connection = utcnow(), session.connection()
    values = {"project_id": new.project_id, "source_id": new.source_id, "case_id": new.case_id,
              "start_offset": new.start, "end_offset": new.end, "text": new.text, "created_by_id": new.user_id,
              "created_at": at, "updated_at": at, "version": 1}
    if verify is None:
        excerpt_id = connection.execute(INSERT_EXCERPT, values).scalar_one()
    else:
        excerpt_id = connection.execute(_insert_excerpt_verified(*verify.shape), {**values, **verify.params}).scalar()
        if excerpt_id is None:
            return None
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


_PG_SQL: dict[tuple[int, bool, tuple[int, bool] | None], str] = {}
NAMED = re.compile(r"(?<![:\w]):(\w+)")  # a :name parameter


def driver_sql(statement: str) -> str:
    """``statement``'s :name parameters as the driver's own %(name)s, for ``exec_driver_sql``: no compilation and
    no bound-parameter processing on each create (about 35 us of CPU of the statement's 260 in Python, #25)."""
    assert "%" not in statement, "a literal % would need escaping for the driver"
    return NAMED.sub(r"%(\1)s", statement)


def _pg_sql(n_codings: int, memo: bool, verify: tuple[int, bool] | None = None) -> str:
    """The one statement for ``n_codings`` codings (and a memo), the excerpt written only if ``Verify``'s
    condition of that shape holds (then everything else too: it all hangs on the excerpt): built once per shape,
    in the driver's parameter style."""
    key = (n_codings, memo, verify)
    if key not in _PG_SQL:
        values = ("CAST(:project_id AS INTEGER), CAST(:source_id AS INTEGER), CAST(:case_id AS INTEGER), "
                  "CAST(:start AS INTEGER), CAST(:end AS INTEGER), CAST(:text AS TEXT), CAST(:user_id AS INTEGER), "
                  "CAST(:at AS TIMESTAMPTZ), CAST(:at AS TIMESTAMPTZ), 1")
        rows = f"VALUES ({values})" if verify is None else f"SELECT {values} WHERE {_verify_sql(*verify)}"
        ctes = ["e AS (INSERT INTO excerpts (project_id, source_id, case_id, start_offset, end_offset, text, "
                f"created_by_id, created_at, updated_at, version) {rows} RETURNING id)"]
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
        _PG_SQL[key] = driver_sql("WITH " + ",\n".join(ctes) + "\n" + answer)
    return _PG_SQL[key]


def _write_postgresql(session: Session, new: NewExcerpt,
                      verify: Verify | None = None) -> tuple[int, list[int], int | None] | None:
    """Everything in one statement: one round trip instead of four (with ``verify``: its checks too; None when
    they refuse, and nothing is written)."""
    at = utcnow()
    params: dict[str, Any] = {**(verify.params if verify is not None else {}),
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
    excerpt_id, memo_id, by_code = None, None, {}
    statement = _pg_sql(len(new.codings), bool(new.memo), verify.shape if verify is not None else None)
    for e_id, c_id, other in driver_rows(session.connection(), statement, params):
        if e_id is not None:
            excerpt_id = e_id
        elif c_id is not None:
            by_code[other] = c_id
        else:
            memo_id = other
    if excerpt_id is None:  # only when ``verify`` refused
        return None
    return excerpt_id, [by_code[code_id] for code_id, _d in new.codings], memo_id
