"""The one AFTER INSERT trigger on codings on PostgreSQL (models/derived/codings_insert.py, migration 0038):
it is the only one there (SQLite keeps one per table), and the rows it writes to the five tables equal their
rebuilds' after new codings of excerpts with and without a case, written by the workbench's one-statement
create, by the ORM and by one INSERT of several codings (some onto rows that exist already)."""
from __future__ import annotations

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from casecoder.coding import excerpt_create
from casecoder.models import Coding
from casecoder.models.derived import coding_places, source_case_codings, source_coder_codings, source_coder_spans
from casecoder.models.derived.pause import rebuild_paused
from tests.models.test_evidence_summary import build

FIVE = {"coding_places_ai", "evidence_summary_codings_ai", "source_case_codings_ai", "source_coder_codings_ai",
        "source_coder_spans_ai"}
TABLES = {"evidence_summary": "*", coding_places.TABLE: "*", source_case_codings.TABLE: "*",
          source_coder_codings.TABLE: "*", source_coder_spans.TABLE: "*",
          source_coder_spans.VERSIONS: "source_id, coder_id, project_id"}  # the versions are random


def _after_insert_triggers(session: Session) -> set[str]:
    if session.get_bind().dialect.name == "sqlite":
        return set(session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'codings' "
            "AND sql LIKE '% AFTER INSERT ON codings %'")).scalars())
    return set(session.execute(text(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'codings'::regclass AND NOT tgisinternal "
        "AND pg_get_triggerdef(oid) LIKE '% AFTER INSERT ON %'")).scalars())


def test_one_after_insert_trigger_on_codings_on_postgresql(session):
    sqlite = session.get_bind().dialect.name == "sqlite"   # (SQLite's source_code_excerpts_ai is PostgreSQL's _bi)
    expected = FIVE | {"source_code_excerpts_ai"} if sqlite else {"codings_derived_ai"}
    assert _after_insert_triggers(session) == expected


def _rows(session: Session, project_id: int) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    return {table: sorted(tuple(r) for r in session.execute(text(
        f"SELECT {columns} FROM {table} WHERE project_id = :p"), {"p": project_id})) for table, columns in TABLES.items()}


def test_new_codings_with_and_without_a_case_equal_the_rebuild(session, factory):
    project, users, case_list, sources = build(session, factory)
    sources.append(factory.source(project, [], title="D"))   # no case: its excerpts have none
    codes = [factory.code(project, key) for key in ("H1.1", "H1.2", "H1.4")]
    session.commit()
    keys = [code.key for code in codes]
    for source, case in ((sources[0], case_list[0]), (sources[1], case_list[1]), (sources[2], case_list[2]),
                         (sources[3], None)):
        found, by_key = excerpt_create.source_and_codes(session, source.id, project.id, keys)
        for user in users:   # the workbench's create (PostgreSQL: the excerpt and its codings in ONE statement)
            excerpt_create.create(session, user.id, user.username, found, 2, 30,
                                  [(by_key["H1.1"], "supports"), (by_key["H1.4"], "nuances")], case=case)
    factory.excerpt(users[0], sources[3], "Min koordinator", [(codes[1], "supports")])   # the ORM's
    excerpt = factory.excerpt(users[1], sources[0], "Min koordinator", [(codes[0], "supports")], case=case_list[0])
    session.flush()
    session.execute(insert(Coding).values([   # one INSERT of several codings, some onto existing rows
        {"excerpt_id": excerpt.id, "code_id": codes[0].id, "coder_id": users[0].id, "direction": "supports"},
        {"excerpt_id": excerpt.id, "code_id": codes[2].id, "coder_id": users[0].id, "direction": "contradicts"},
        {"excerpt_id": excerpt.id, "code_id": codes[1].id, "coder_id": users[1].id, "direction": "supports",
         "of_record": False}]))
    session.commit()
    cases = set(session.execute(text("SELECT DISTINCT e.case_id FROM codings c JOIN excerpts e ON e.id = c.excerpt_id "
                                     "WHERE e.project_id = :p"), {"p": project.id}).scalars())
    assert None in cases and len(cases) >= 3   # codings without a case and with several
    kept = _rows(session, project.id)
    assert all(kept.values()), kept
    assert len(kept[coding_places.TABLE]) == session.execute(text("SELECT count(*) FROM codings")).scalar()
    rebuild_paused(session, project.id)
    assert _rows(session, project.id) == kept
    session.rollback()
