"""models/derived/pause.py (issue #25): a bulk import pauses the derived tables' row triggers in its own
transaction and rebuilds its project's rows once. The rows equal a full rebuild (every project), another
project's rows stay exact, the triggers work again afterwards (also after a failure), and on PostgreSQL a
coder writing to another project during the paused import keeps exact rows. Both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from casecoder.coding import bulk_sources
from casecoder.coding.bulk_excerpts import BulkExcerpts
from casecoder.coding.bulk_sources import NewCase, NewSource
from casecoder.models import Direction
from casecoder.models.derived import DERIVED, rebuild_all
from casecoder.models.derived.pause import paused, sqlite_after_triggers, worth_pausing

TEXT = "Det gik godt med kommunen. Det gik skidt med skolen. Sagsbehandleren ringede tilbage."


def all_derived(session) -> dict[str, list[tuple]]:
    """Every row of every derived table with rows (every project)."""
    tables = [t for part in DERIVED if part.rebuild is not None for t in part.tables]
    return {t: sorted(tuple(r) for r in session.execute(text(f"SELECT * FROM {t}"))) for t in tables}


def _import(session, project, owner, codes, n_cases: int = 3) -> None:
    """Cases, sources and coded excerpts written in bulk, as the bundle import does."""
    new_cases = [NewCase(f"F{i:02}", "Nordby") for i in range(n_cases)]
    sources = [NewSource(f"T{i}", TEXT, "family" if i % 2 else "system", [new_cases[i % n_cases]])
               for i in range(2 * n_cases)]
    bulk_sources.write(session, project, cases=new_cases, sources=sources)
    bulk = BulkExcerpts(session, project.id, owner.id)
    for i, source in enumerate(sources):
        for j, (start, end) in enumerate(((0, 26), (27, 51), (52, len(TEXT)))):
            pending = bulk.new(source.id, new_cases[i % n_cases].id, start, end, TEXT[start:end])
            pending.codings.append((codes[(i + j) % len(codes)].id, owner.id,
                                    (Direction.SUPPORTS, Direction.CONTRADICTS, Direction.NUANCES)[j]))
    bulk.write()


def _coded_other_project(factory):
    """Another project with evidence kept by the triggers as usual."""
    project, owner, excerpt = factory.coded_project("other")
    return project, owner


def test_paused_import_equals_a_full_rebuild_and_leaves_other_projects_alone(session, factory):
    other, _ = _coded_other_project(factory)
    before_other = {t: [r for r in rows if r[0] == other.id] for t, rows in all_derived(session).items()
                    if t != "code_ancestry"}
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    codes = [factory.code(project, key) for key in ("H1.1", "H1.2", "H1.4")]
    with paused(session, project.id):
        _import(session, project, owner, codes)
    after = all_derived(session)
    assert any(r[0] == project.id for r in after["evidence_summary"]) and after["tally_cells"]
    assert {t: [r for r in rows if r[0] == other.id] for t, rows in after.items() if t != "code_ancestry"} == before_other
    rebuild_all(session)  # every project from scratch
    assert all_derived(session) == after
    session.commit()


def test_the_triggers_work_again_afterwards(session, factory):
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    codes = [factory.code(project, key) for key in ("H1.1", "H1.4")]
    with paused(session, project.id):
        _import(session, project, owner, codes, n_cases=1)
    _import_more = BulkExcerpts(session, project.id, owner.id)  # after the pause: kept row by row again
    source_id = session.scalar(text("SELECT min(id) FROM sources WHERE project_id = :p"), {"p": project.id})
    case_id = session.scalar(text("SELECT min(id) FROM cases WHERE project_id = :p"), {"p": project.id})
    pending = _import_more.new(source_id, case_id, 0, 3, TEXT[0:3])
    pending.codings.append((factory.code(project, "H1.2").id, owner.id, Direction.SUPPORTS))
    _import_more.write()
    session.flush()
    kept = all_derived(session)
    assert any(r[2] == factory.code(project, "H1.2").id for r in kept["evidence_summary"])
    rebuild_all(session)
    assert all_derived(session) == kept
    if session.get_bind().dialect.name == "sqlite":
        names = {name for name, _ in sqlite_after_triggers()}
        assert names <= set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))


def test_a_failure_inside_puts_the_triggers_back_and_rollback_leaves_nothing(session, factory):
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    codes = [factory.code(project, "H1.4")]
    session.commit()
    before = all_derived(session)
    with pytest.raises(RuntimeError), paused(session, project.id):
        _import(session, project, owner, codes)
        raise RuntimeError("stopped half-way")
    session.rollback()
    assert all_derived(session) == before
    factory.coded_project("later")  # the triggers keep a later write's rows
    kept = all_derived(session)
    rebuild_all(session)
    assert all_derived(session) == kept and kept["evidence_summary"]


def test_another_project_written_during_a_paused_import_keeps_exact_rows(session, factory, engine):
    """PostgreSQL: the pause is this transaction's alone; a coder of another project commits meanwhile."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nobody writes during the import's transaction")
    other, other_owner = _coded_other_project(factory)
    owner = factory.user("anna")
    project = factory.project("bulk", owner)
    codes = [factory.code(project, key) for key in ("H1.1", "H1.4")]
    session.commit()
    with paused(session, project.id):
        _import(session, project, owner, codes)
        with Session(engine) as coder:  # another connection, during the import
            source_id = coder.scalar(text("SELECT min(id) FROM sources WHERE project_id = :p"), {"p": other.id})
            case_id = coder.scalar(text("SELECT min(id) FROM cases WHERE project_id = :p"), {"p": other.id})
            code_id = coder.scalar(text("SELECT id FROM codes WHERE project_id = :p AND key = 'H1.2'"), {"p": other.id})
            bulk = BulkExcerpts(coder, other.id, other_owner.id)
            bulk.new(source_id, case_id, 0, 5, "Inter").codings.append((code_id, other_owner.id, Direction.SUPPORTS))
            bulk.write()
            coder.commit()
    session.commit()
    kept = all_derived(session)
    assert any(r[0] == other.id and r[2] == code_id for r in kept["evidence_summary"])
    rebuild_all(session)
    assert all_derived(session) == kept


def test_a_small_import_into_a_large_project_keeps_the_triggers(session, factory):
    project, _owner, _excerpt = factory.coded_project("big")  # one coding of evidence
    assert worth_pausing(session, project.id, 1)
    assert not worth_pausing(session, project.id, 0)
    fresh = factory.project("fresh", factory.user("anna"))
    assert worth_pausing(session, fresh.id, 0)
