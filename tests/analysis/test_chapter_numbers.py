"""The chapter's numbers are the tally's (#25): counted by the tally's rule over the evidence of the chapter's codes
that its chains and overview read (``tally_from_evidence``), not by ``compute_tally`` of every code, they equal
``compute_tally``'s with case keys, denominators and coders, under every kind of filter (the tally cells serve
some, ``evidence_summary`` others, a source filter needs the codings) and for a blind double coder."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from casecoder.analysis import double_coding as seen
from casecoder.analysis.chapter import COUNTED, build_chapter
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import compute_tally
from casecoder.kernel.measures import DIRECTIONS
from casecoder.models import Case, Code
from tests.analysis import test_agreement

double = test_agreement.double  # owner olga; coders anna and bo on F01-F04 (cai on F04), blind


def _same_as_the_tally(session, project, key, f) -> int:  # type: ignore[no-untyped-def]
    chapter = build_chapter(session, project, key, f)
    tally = compute_tally(session, project, f, case_keys=True)
    rows = {row.code_id: row for row in tally.rows}
    assert chapter.N == dict(tally.N)
    assert chapter.denominator_keys == {k: tuple(v) for k, v in tally.denominators.items()}
    assert chapter.coders == tally.coders
    for sub in chapter.subs:
        assert list(sub.counts) == list(COUNTED)
        for m in COUNTED:
            ours, theirs = sub.counts[m], rows[sub.code.id].counts[m]
            assert (ours.n, ours.N, tuple(ours.case_keys or ())) == (theirs.n, theirs.N, tuple(theirs.case_keys or ()))
    return sum(c.n for sub in chapter.subs for c in sub.counts.values())


def test_the_chapters_numbers_are_the_tallys(session, demo):  # type: ignore[no-untyped-def]
    place = session.scalar(select(Case.municipality).where(Case.project_id == demo.id).order_by(Case.id))
    filters = [CountFilter(), CountFilter(directions=frozenset(DIRECTIONS)), CountFilter(include_subcodes=False),
               CountFilter(municipalities=(place,)), CountFilter(date_from=date(2000, 1, 1), date_to=date(2100, 1, 1)),
               CountFilter(independent=True), CountFilter(directions=frozenset({"contradicts", "nuances"}))]
    tops = session.scalars(select(Code.key).where(Code.project_id == demo.id, Code.parent_id.is_(None))
                           .order_by(Code.position, Code.id)).all()
    counted = sum(_same_as_the_tally(session, demo, key, f) for key in tops[:3] for f in filters)
    assert counted > 0


@pytest.mark.parametrize("who", ["anna", "bo"])
def test_a_blind_coders_chapter_numbers_are_her_tallys(session, double, who):  # type: ignore[no-untyped-def]
    project, _olga, coders, _cases, _sources = double
    blind = seen.blindness(session, project.id, coders[who], "coder")
    counted = 0
    for f in (CountFilter(), CountFilter(directions=frozenset(DIRECTIONS)), CountFilter(include_subcodes=False)):
        counted += _same_as_the_tally(session, project, "H1", blind.count_filter(f))
    assert counted > 0


def test_only_its_own_chains_boxes_are_read(session, demo, monkeypatch):  # type: ignore[no-untyped-def]
    """A chapter reads the evidence of its own saved chains' boxes, not of another hypothesis's chains (#25)."""
    from casecoder.analysis import chapter as chapter_module
    from casecoder.coding import accounts, chains
    admin = accounts.get_user(session, "admin")
    chains.save_chain(session, demo, admin, title="A", keys=["H1.1", "H1.2"], arrows=["both-and"], scope="family")
    session.commit()
    read: list[set[int]] = []
    real = chapter_module.chain_evidence

    def recording(session, project_id, f, code_ids):  # type: ignore[no-untyped-def]
        read.append(set(code_ids))
        return real(session, project_id, f, code_ids)
    monkeypatch.setattr(chapter_module, "chain_evidence", recording)
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.project_id == demo.id)
                                              .order_by(Code.position, Code.id))}
    by_key = {c.key: c for c in codes.values()}
    arrows = chapter_module._leads_to(session, demo)
    for key, boxes in (("H1", {"H1.1", "H1.2"}), ("H2", set())):
        read.clear()
        chapter = build_chapter(session, demo, key)
        walk = chapter_module._evidence_codes(codes, by_key[key].id, arrows, {})
        assert read == [walk | {by_key[k].id for k in boxes}]
        assert sum(len(s.chains) for s in chapter.subs) == len(boxes) // 2
