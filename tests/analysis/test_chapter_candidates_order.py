"""The chapter page's other quotes in the quote bank's order when keys and titles are awkward (#25): they are
ranked in Python (codepoint order) on both databases, and must give the whole bank's order: case keys and source titles with accents, capitals and letters past "z", equal titles (then the start,
then the excerpt id), under filters that need the source (dates) and the case (municipality) and none."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from casecoder.analysis import chapter as chapter_module
from casecoder.analysis.chapter import build_chapter
from casecoder.analysis.double_coding import NOT_BLIND
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.quote_candidates import _set_aside
from casecoder.models import Case, Code, Coding, Source

from .test_chapter_candidates import reference, shown

KEYS = ["Øst", "a-1", "Z9", "é2", "E2", "æble", "Å", "z", "ß", "e1"]
TITLES = ["Samtale", "samtale", "Ærø", "Samtale", "Zulu", "éclair", "Eclair", "Samtale"]


def test_awkward_keys_and_titles_in_the_banks_order(session, demo, monkeypatch):  # type: ignore[no-untyped-def]
    limit = 4   # fewer than most sub-mechanisms have: the order decides which are shown
    monkeypatch.setattr(chapter_module, "CANDIDATES", limit)
    cases = session.scalars(select(Case).where(Case.project_id == demo.id).order_by(Case.id)).all()
    for i, case in enumerate(cases):
        case.key = f"{KEYS[i % len(KEYS)]}{'' if i < len(KEYS) else i}"
    sources = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).all()
    for i, source in enumerate(sources):
        source.title = TITLES[(len(sources) - i) % len(TITLES)]   # later sources first, often
        source.interview_date = date(2024, 1 + i % 12, 1)
    session.flush()
    place = cases[0].municipality
    key = "H1"
    checked = 0
    for f in (CountFilter(), CountFilter(date_from=date(2024, 3, 1), municipalities=(place,))):
        expected = reference(session, demo, key, f, NOT_BLIND, limit)
        assert shown(build_chapter(session, demo, key, f)) == expected
        checked += sum(len(c) for _, c, _ in expected.values())
    assert checked > 0


def test_codings_set_aside_give_no_candidate(session, demo):  # type: ignore[no-untyped-def]
    """SQLite skips reading each coding's ``of_record`` when ``evidence_summary`` says none of the codes' codings
    was set aside; once some are, they are left out as the whole bank leaves them out."""
    codes = session.scalars(select(Code).where(Code.project_id == demo.id, Code.key.like("H1.%"))).all()
    code_ids = [c.id for c in codes]
    assert not _set_aside(session, demo.id, code_ids)
    codings = session.scalars(select(Coding).where(Coding.code_id.in_(code_ids)).order_by(Coding.id)).all()
    for coding in codings[::3]:
        coding.of_record = False   # as a reconciliation that accepted another coder's version sets it
    session.flush()
    assert _set_aside(session, demo.id, code_ids)
    for f in (CountFilter(), CountFilter(independent=True)):
        assert shown(build_chapter(session, demo, "H1", f)) == reference(session, demo, "H1", f, NOT_BLIND, 30)
    aside = {c.excerpt_id for c in codings[::3]} - {c.excerpt_id for c in codings if c.of_record}
    shown_ids = {q.excerpt_id for s in build_chapter(session, demo, "H1").subs for q in s.candidates}
    assert aside and not aside & shown_ids
