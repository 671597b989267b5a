"""The chapter page's quotes read only what it shows (#25): the marked quotes and each sub-mechanism's
first other quotes with their number, as the whole quote bank placed quote by quote gives them
(the reference below is the chapter's former code), with marks, a filter, blind double coding and a
short page."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from casecoder.analysis import chapter as chapter_module
from casecoder.analysis.chapter import _ancestor_under, build_chapter
from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.quotes import quote_bank
from casecoder.coding import accounts, report_prep
from casecoder.kernel.measures import DIRECTIONS
from casecoder.models import Code, Excerpt, Source, User
from casecoder.models.report import ReportQuote


def reference(session, project, key, f, blind, limit):  # type: ignore[no-untyped-def]
    """Per sub-mechanism key: (marked quotes, number of other quotes, the first ``limit`` of them), from
    the whole quote bank, placed as the chapter placed them before #25."""
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.project_id == project.id)
                                              .order_by(Code.position, Code.id))}
    hyp = next(c for c in codes.values() if c.key == key)
    subs = [c.id for c in codes.values() if c.parent_id == hyp.id]
    order = {s: i for i, s in enumerate(subs)}
    bank = quote_bank(session, project, [key], replace(f, directions=frozenset(DIRECTIONS)), None, blind)
    placed: dict[int, tuple[int, object]] = {}
    for section in bank.sections:
        sub_id = section.code_id if section.code_id in order else _ancestor_under(codes, section.code_id, hyp.id)
        if sub_id is None:
            continue
        for q in section.quotes:
            if q.excerpt_id not in placed or order[sub_id] < order[placed[q.excerpt_id][0]]:
                placed[q.excerpt_id] = (sub_id, q)
    marks = session.scalars(select(ReportQuote.excerpt_id).where(ReportQuote.project_id == project.id)
                            .order_by(ReportQuote.position, ReportQuote.id)).all()
    result = {codes[s].key: ([], [], 0) for s in subs}
    quotes = {s: [replace(placed[e][1], number=0) for e in marks if e in placed and placed[e][0] == s] for s in subs}
    others = {s: [replace(q, number=0) for e, (sub, q) in placed.items() if sub == s and e not in marks] for s in subs}
    for s in subs:
        result[codes[s].key] = (quotes[s], others[s][:limit], len(others[s]))
    return result


def shown(chapter):  # type: ignore[no-untyped-def]
    return {s.code.key: ([replace(q, number=0) for q in s.quotes], [replace(q, number=0) for q in s.candidates],
                         s.n_candidates) for s in chapter.subs}


@pytest.mark.parametrize("limit", [30, 2])
def test_page_quotes_equal_the_whole_bank_placed(session, demo, monkeypatch, limit):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(chapter_module, "CANDIDATES", limit)
    keys = [c.key for c in session.scalars(select(Code).where(Code.project_id == demo.id, Code.parent_id.is_(None)))]
    admin = accounts.get_user(session, "admin")
    first = quote_bank(session, demo, [keys[0]], CountFilter(directions=frozenset(DIRECTIONS))).sections
    ids = [q.excerpt_id for s in first for q in s.quotes][:7:2]
    for excerpt_id in ids:
        report_prep.mark_quote(session, session.get(Excerpt, excerpt_id), admin.id)
    session.flush()
    coder = session.scalars(select(User.id).order_by(User.id)).all()[-1]
    blind = Blindness(viewer_id=coder, source_ids=frozenset(session.scalars(
        select(Source.id).where(Source.project_id == demo.id).order_by(Source.id)).all()[::2]))
    filters = [CountFilter(), CountFilter(include_subcodes=False), CountFilter(independent=True),
               CountFilter(coder_ids=(admin.id,))]
    checked = 0
    for key in keys:
        for f in filters:
            for b in (NOT_BLIND, blind):
                expected = reference(session, demo, key, f, b, limit)
                assert shown(build_chapter(session, demo, key, f, b)) == expected
                checked += sum(len(q) + len(c) for q, c, _ in expected.values())
    assert checked > 0
