"""Two coders coding the same case at once on PostgreSQL: the tally triggers queue, never deadlock.

Coder A codes X then Y, coder B codes Y then X, in the same case, in overlapping transactions.
Both write the case's ``case_code_evidence`` rows for X and Y; without the project lock the
tally triggers take (PostgreSQL models/tally_cells.py) they would take those row locks in opposite
orders and PostgreSQL would abort one transaction as a deadlock. Both must commit, and the cells
must equal their rebuild. SQLite lets one writer in at a time, so there is nothing to test there.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from casecoder.coding import accounts, excerpts
from casecoder.models import Code, Excerpt, User
from casecoder.models.derived.tally_cells import TABLES, rebuild_tally_cells

TEXT = "Interviewer: Hvordan gik det? Interviewperson: Min koordinator ringede altid tilbage. " * 4


def code_twice(engine: Engine, username: str, excerpt_id: int, keys: list[str], first_done: threading.Event,
               wait_for: threading.Event | None, pause: float, errors: list[BaseException]) -> None:
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = session.scalar(select(User).where(User.username == username))
            excerpt = session.get(Excerpt, excerpt_id)
            if wait_for is not None:
                wait_for.wait(10)
            for i, key in enumerate(keys):
                code = session.scalar(select(Code).where(Code.project_id == excerpt.project_id, Code.key == key))
                excerpts.add_coding(session, user, excerpt, code, "supports")
                session.flush()
                if i == 0:
                    first_done.set()
                    threading.Event().wait(pause)  # let the other coder start before the second coding
            session.commit()
    except BaseException as error:
        errors.append(error)
        first_done.set()


def test_two_coders_on_one_case_do_not_deadlock(engine, session, factory):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: no concurrent transactions to order")
    anna, bo = factory.user("anna"), factory.user("bo")
    project = factory.project("together", anna)
    accounts.add_member(session, project, bo, "coder")
    case = factory.case(project, "F01")
    source_a = factory.source(project, [case], TEXT, "family", "A")
    source_b = factory.source(project, [case], TEXT, "system", "B")
    mine = factory.excerpt(anna, source_a, "Min koordinator", [(factory.code(project, "B.2"), "supports")], case=case)
    theirs = factory.excerpt(bo, source_b, "Min koordinator", [(factory.code(project, "B.2"), "supports")], case=case)
    session.commit()

    a_first, b_first, errors = threading.Event(), threading.Event(), []
    a = threading.Thread(target=code_twice, args=(engine, "anna", mine.id, ["H1.1", "ST.3"], a_first, None, 0.5,
                                                   errors))
    b = threading.Thread(target=code_twice, args=(engine, "bo", theirs.id, ["ST.3", "H1.1"], b_first, a_first, 0.0,
                                                   errors))
    a.start()
    b.start()
    a.join(30)
    b.join(30)
    assert not a.is_alive() and not b.is_alive()
    assert errors == []

    session.expire_all()
    kept = {t: sorted(tuple(r) for r in session.execute(text(f"SELECT * FROM {t} WHERE project_id = :p"),
                                                         {"p": project.id})) for t in TABLES}
    rebuild_tally_cells(session, project.id)
    again = {t: sorted(tuple(r) for r in session.execute(text(f"SELECT * FROM {t} WHERE project_id = :p"),
                                                          {"p": project.id})) for t in TABLES}
    assert kept == again
    both = session.execute(text("SELECT count(*) FROM case_code_evidence WHERE project_id = :p AND "
                                "family_supports = 1 AND system_supports = 1"), {"p": project.id}).scalar()
    assert both == 6  # H1.1, H1, ST.3, ST, B.2, B: each coded by both coders, one per perspective
