"""``sole_coder_cells`` (models/derived/sole_coder_cells.py, migration 0032) stays exact under every write.

Random sequences of writes (the same as tests/models/test_evidence_summary.py: excerpts, codings, directions,
merges and moves of codes, reconciling, deleted transcripts, raw SQL as scripts and bulk loaders write) with
two coders; afterwards the kept rows must equal a rebuild, and a direct count from the two tables it
follows, and for each coder the cells a blind viewer loses when every row of theirs vanishes
(``blind_counts.SOLE_CELLS``) must equal the summed read for several coders (``blind_counts.CELLS_LOSING``)
given that one coder. Deleting a project drops its rows.
"""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from casecoder.analysis import blind_counts
from casecoder.models import Project
from casecoder.models.derived.sole_coder_cells import rebuild_sole_coder_cells
from casecoder.models.derived.tally_cells import BITS, COLUMNS, PAIRS
from tests.models.test_evidence_summary import build, ops, run_writes


def kept(session: Session, project_id: int) -> list[tuple[int, ...]]:
    return sorted(tuple(r) for r in session.execute(text(
        "SELECT coder_id, case_id, code_id, mask, sole FROM sole_coder_cells WHERE project_id = :p"), {"p": project_id}))


def counted(session: Session, project_id: int) -> list[tuple[int, ...]]:
    """The rows from their definition, counted in Python from the two tables."""
    cols = ", ".join(COLUMNS)
    everyone = {(case, code): counts for case, code, *counts in session.execute(text(
        f"SELECT case_id, code_id, {cols} FROM case_code_evidence WHERE project_id = :p"), {"p": project_id})}
    rows = []
    for coder, case, code, *mine in session.execute(text(
            f"SELECT coder_id, case_id, code_id, {cols} FROM case_code_coder_evidence WHERE project_id = :p"),
            {"p": project_id}):
        counts = everyone.get((case, code))
        if counts is None:
            continue
        mask = sum(BITS[pair] for pair, n in zip(PAIRS, counts) if n > 0)
        sole = sum(BITS[pair] for pair, n, m in zip(PAIRS, counts, mine) if n > 0 and m >= n)
        if sole:
            rows.append((coder, case, code, mask, sole))
    return sorted(rows)


def assert_exact(session: Session, project_id: int) -> None:
    session.flush()
    rows = kept(session, project_id)
    assert rows == counted(session, project_id)
    assert all(sole and sole & mask == sole for *_, mask, sole in rows)
    conn = session.connection()
    for coder in {r[0] for r in session.execute(text(
            "SELECT DISTINCT coder_id FROM case_code_coder_evidence WHERE project_id = :p"), {"p": project_id})}:
        one = sorted(conn.execute(blind_counts.SOLE_CELLS, {"project_id": project_id, "coder": coder}).all())
        assert one == sorted(conn.execute(blind_counts.CELLS_LOSING, {"project_id": project_id,
                                                                      "hiding": [coder]}).all())
        # (code, mask, sole) come packed in one number: unpacked, the groups of the coder's kept rows
        groups: dict[tuple[int, int, int], list[int]] = {}
        for _coder, case, code, mask, sole in (r for r in rows if r[0] == coder):
            groups.setdefault((code, mask, sole), []).append(case)
        assert {k: sorted(v) for k, v in blind_counts._grouped([tuple(r) for r in one]).items()} == groups
    rebuild_sole_coder_cells(session, project_id)
    assert kept(session, project_id) == rows


@settings(max_examples=25, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=ops)
def test_sole_coder_cells_stay_exact_under_random_writes(session, factory, sequence):
    try:
        project = run_writes(session, factory, sequence)
        assert_exact(session, project.id)
    finally:
        session.rollback()


def test_two_coders_on_one_cell_and_a_deleted_project(session, factory):
    project, users, case_list, sources = build(session, factory)
    h11, st3 = factory.code(project, "H1.1"), factory.code(project, "ST.3")
    factory.excerpt(users[0], sources[0], "Min koordinator", [(h11, "supports")], case=case_list[0])
    excerpt = factory.excerpt(users[1], sources[0], "ringede altid", [(h11, "supports"), (st3, "nuances")],
                              case=case_list[0])
    session.commit()
    rows = kept(session, project.id)
    # H1.1 supports has both coders' rows: nobody alone; ST.3 (and ST) nuances only the second coder's
    assert {(coder, code) for coder, _case, code, _mask, _sole in rows} == {
        (users[1].id, st3.id), (users[1].id, st3.parent_id)}
    assert_exact(session, project.id)
    session.delete(excerpt)
    session.commit()
    # now the first coder alone stands behind H1.1 and H1, family supports
    assert {(coder, code, sole) for coder, _case, code, _mask, sole in kept(session, project.id)} == {
        (users[0].id, h11.id, BITS[("family", "supports")]), (users[0].id, h11.parent_id, BITS[("family", "supports")])}
    assert_exact(session, project.id)
    session.execute(delete(Project).where(Project.id == project.id))
    session.commit()
    assert kept(session, project.id) == []
