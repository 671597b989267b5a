"""The create request's write (coding/excerpt_create.py) writes what ``excerpts.create_excerpt`` and
``set_memo`` write: the same rows, the same audit rows (stored JSON text byte for byte, in the same
order, one action group), the derived counts kept by the triggers; and refuses what it refuses."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from casecoder.analysis.workbench import excerpt_json
from casecoder.coding import audit, excerpt_create, excerpts
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Excerpt, Source
from casecoder.models.derived.summary import rebuild_summary

PHRASE = "Min koordinator ringede altid tilbage samme dag."


def _rows(session, excerpt_id: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Everything written for one excerpt, ids replaced by their order, times left out."""
    coding_ids = [r[0] for r in session.execute(text("SELECT id FROM codings WHERE excerpt_id = :e ORDER BY id"),
                                                {"e": excerpt_id})]
    memo_ids = [r[0] for r in session.execute(text("SELECT id FROM excerpt_memos WHERE excerpt_id = :e"),
                                              {"e": excerpt_id})]
    excerpt = session.execute(text("SELECT project_id, source_id, case_id, start_offset, end_offset, text, "
                                   "created_by_id, version FROM excerpts WHERE id = :e"), {"e": excerpt_id}).one()
    codings = session.execute(text("SELECT code_id, coder_id, direction, of_record FROM codings WHERE excerpt_id = :e "
                                   "ORDER BY id"), {"e": excerpt_id}).all()
    memos = session.execute(text("SELECT user_id, text FROM excerpt_memos WHERE excerpt_id = :e"),
                            {"e": excerpt_id}).all()
    ids = {("excerpt", excerpt_id): "E", **{("coding", c): f"C{i}" for i, c in enumerate(coding_ids)},
           **{("excerpt_memo", m): "M" for m in memo_ids}}
    audit_rows = session.execute(text(
        "SELECT project_id, user_id, action, entity, entity_id, before IS NULL, CAST(before AS TEXT), "
        "CAST(after AS TEXT), action_group FROM audit_events ORDER BY id")).all()
    mine = [(r[0], r[1], r[2], r[3], ids[(r[3], r[4])], r[5], r[6],
             r[7].replace(f'"excerpt_id": {excerpt_id},', '"excerpt_id": E,')) for r in audit_rows
            if (r[3], r[4]) in ids]
    groups = {r[8] for r in audit_rows if (r[3], r[4]) in ids}
    return [tuple(excerpt), [tuple(c) for c in codings], [tuple(m) for m in memos], mine, len(groups)]


@pytest.mark.parametrize("memo", ["", "Et notat med æøå og \"citat\""])
def test_the_same_rows_as_create_excerpt(session, factory, memo):
    owner = factory.user("olga")
    project = factory.project("proj", owner)
    case = factory.case(project)
    source = factory.source(project, [case])
    session.commit()
    start = source.text.index(PHRASE)
    wanted = [("H1.4", "supports"), ("H1.1", "nuancerer"), ("ST.3", "contradicts")]

    audit.begin_action(session)
    orm = excerpts.create_excerpt(session, owner, source, start, start + len(PHRASE),
                                  [(factory.code(project, k), d) for k, d in wanted], memo=memo)
    session.commit()
    orm_rows = _rows(session, orm.id)
    orm_json = excerpt_json(orm)

    audit.begin_action(session)
    found, by_key = excerpt_create.source_and_codes(session, source.id, project.id, [k for k, _d in wanted])
    answer = excerpt_create.create(session, owner.id, owner.username, found, start, start + len(PHRASE),
                                   [(by_key[k], d) for k, d in wanted], memo=memo)
    session.commit()
    assert _rows(session, answer["id"]) == orm_rows
    assert answer == {**orm_json, "id": answer["id"], "codings": [
        {**c, "id": n["id"]} for c, n in zip(orm_json["codings"], answer["codings"])]}
    session.expire_all()
    assert answer == excerpt_json(session.get(Excerpt, answer["id"]))
    # the triggers saw every coding: the derived counts equal a rebuild from the codings
    before = session.execute(text("SELECT * FROM evidence_summary ORDER BY 1, 2, 3, 4, 5, 6, 7")).all()
    rebuild_summary(session)
    assert session.execute(text("SELECT * FROM evidence_summary ORDER BY 1, 2, 3, 4, 5, 6, 7")).all() == before


def test_refusals_as_create_excerpt(session, factory):
    owner = factory.user("olga")
    project = factory.project("proj", owner)
    one, two = factory.case(project, "F01"), factory.case(project, "F02")
    source = factory.source(project, [one, two])
    factory.code(project, "H1.4").archived = True
    factory.code(project, "H1").codable = False
    session.commit()
    start = source.text.index(PHRASE)
    found, codes = excerpt_create.source_and_codes(session, source.id, project.id, ["H1.4", "H1.1", "H1", "nope"])
    assert found.cases == [(one.id, "F01"), (two.id, "F02")] and found.title == source.title
    assert sorted(codes) == ["H1", "H1.1", "H1.4"] and codes["H1.4"].archived and not codes["H1"].codable
    everything = excerpt_create.source_and_codes(session, source.id, project.id, [f"K{i}" for i in range(101)])[1]
    assert len(everything) > 20 and everything["H1.1"] == codes["H1.1"]  # over 100 keys: the whole codebook

    def refused(**kw) -> str:  # type: ignore[no-untyped-def]
        args = {"start": start, "end": start + 10, "codes": [(codes["H1.1"], "supports")], "case": one, **kw}
        with pytest.raises(InvalidInput) as caught:
            excerpt_create.create(session, owner.id, owner.username, found, args["start"], args["end"],
                                  args["codes"], case=args["case"])
        return caught.value.message

    assert "not inside the transcript" in refused(end=10**6)
    assert "several cases" in refused(case=None)
    assert "archived" in refused(codes=[(codes["H1.4"], "supports")])
    assert "folder" in refused(codes=[(codes["H1"], "supports")])
    assert "already put" in refused(codes=[(codes["H1.1"], "supports"), (codes["H1.1"], "nuances")])
    assert "Direction" in refused(codes=[(codes["H1.1"], "sideways")])
    session.rollback()
    assert session.scalar(select(Excerpt.id)) is None
    assert excerpt_create.source_and_codes(session, 2**31 - 1, project.id, ["H1.1"]) == (None, {"H1.1": codes["H1.1"]})
    assert session.get(Source, source.id) is not None
