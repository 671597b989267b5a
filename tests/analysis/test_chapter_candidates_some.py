"""The chapter page's other quotes from a part of the codings (#25): each place's count in SQL, then the rows of
the first cases in key order and of the small places only (``quote_candidates._some_places``), every row when
that part may not hold a section's first quotes. Whichever read answers, the page shows what the whole quote
bank placed gives: with marks, filters and blind double coding; the thresholds are set so that every path is
taken (the demo is small)."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from casecoder.analysis import chapter as chapter_module
from casecoder.analysis import quote_candidates as qc
from casecoder.analysis.chapter import build_chapter
from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, selected_cases
from casecoder.coding import accounts, report_prep
from casecoder.models import Case, Code, Coding, Excerpt, Source, User

from .test_chapter_candidates import reference, shown


def _paths(monkeypatch) -> Counter[str]:  # type: ignore[no-untyped-def]
    """Which read answered, counted: "some" (with "cases" and/or "small" places) or "all"."""
    taken: Counter[str] = Counter()
    needed, some = qc._needed, qc._some_places

    def counting_needed(*args):  # type: ignore[no-untyped-def]
        n_cases, small = needed(*args)
        taken.update(["cases"] * bool(n_cases) + ["small"] * bool(small))
        return n_cases, small

    def counting_some(*args):  # type: ignore[no-untyped-def]
        found = some(*args)
        taken["all" if found is None else "some"] += 1
        return found
    monkeypatch.setattr(qc, "_needed", counting_needed)
    monkeypatch.setattr(qc, "_some_places", counting_some)
    return taken


@pytest.mark.parametrize("small, spare", [(0, 0.3), (0, 1), (1, 0.3), (2, 2)])
def test_some_rows_give_the_whole_banks_quotes(session, demo, monkeypatch, small, spare):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(qc, "SMALL", small)
    monkeypatch.setattr(qc, "SPARE", spare)
    taken = _paths(monkeypatch)
    admin = accounts.get_user(session, "admin")
    h1 = session.scalars(select(Excerpt.id).join(Coding, Coding.excerpt_id == Excerpt.id).join(Code)
                         .where(Code.key.like("H1.%")).order_by(Excerpt.id)).all()
    for excerpt_id in sorted(set(h1))[1:9:3]:   # marked quotes are left out of the others and their counts
        report_prep.mark_quote(session, session.get(Excerpt, excerpt_id), admin.id)
    session.flush()
    coder = session.scalars(select(User.id).order_by(User.id)).all()[-1]
    blind = Blindness(viewer_id=coder, source_ids=frozenset(session.scalars(
        select(Source.id).where(Source.project_id == demo.id).order_by(Source.id)).all()[::2]))
    place = session.scalar(select(Case.municipality).where(Case.project_id == demo.id).order_by(Case.id))
    filters = [CountFilter(), CountFilter(independent=True), CountFilter(municipalities=(place,)),
               CountFilter(coder_ids=(admin.id,))]
    for limit in (1, 2, 4):
        monkeypatch.setattr(chapter_module, "CANDIDATES", limit)
        for key in ("H1", "H2"):
            for f in filters:
                for b in (NOT_BLIND, blind):
                    assert shown(build_chapter(session, demo, key, f, b)) == reference(session, demo, key, f, b, limit)
    assert taken["some"] + taken["all"] > 0


def test_every_path_is_taken(session, demo, monkeypatch):  # type: ignore[no-untyped-def]
    """Across the thresholds above, the first cases alone, small places and the fallback all answer."""
    seen: Counter[str] = Counter()
    for small, spare in [(0, 0.3), (1, 0.3), (2, 2)]:
        monkeypatch.setattr(qc, "SMALL", small)
        monkeypatch.setattr(qc, "SPARE", spare)
        taken = _paths(monkeypatch)
        for limit in (1, 2, 4):
            monkeypatch.setattr(chapter_module, "CANDIDATES", limit)
            for key in ("H1", "H2", "H3"):
                assert shown(build_chapter(session, demo, key)) == reference(session, demo, key, CountFilter(),
                                                                             NOT_BLIND, limit)
        seen += taken
    assert seen["cases"] and seen["small"] and seen["some"] and seen["all"], seen


def test_totals_count_each_excerpts_least_place(session, demo):  # type: ignore[no-untyped-def]
    """``_totals`` (per code its excerpts, set algebra) equals the least places of every row read."""
    codes = [c.id for c in session.scalars(select(Code).where(Code.project_id == demo.id, Code.key.like("H1%"))
                                           .order_by(Code.id))]
    place_of = {code_id: (3 * i) % 4 for i, code_id in enumerate(codes)}   # several codes share a place
    coder = session.scalar(select(Coding.coder_id).where(Coding.code_id.in_(codes)).order_by(Coding.id))
    blind = Blindness(viewer_id=coder, source_ids=frozenset(session.scalars(
        select(Source.id).where(Source.project_id == demo.id).order_by(Source.id)).all()[1::2]))
    skip = set(session.scalars(select(Coding.excerpt_id).where(Coding.code_id.in_(codes))).all()[::5])
    checked = 0
    for f in (CountFilter(), CountFilter(independent=True), CountFilter(directions=frozenset({"nuances"}))):
        for viewer in (NOT_BLIND, blind):
            cases = set(session.scalars(selected_cases(session, demo.id, f).with_only_columns(Case.id)))
            first = qc._first_places(session, demo, f, place_of, viewer, cases, skip)
            expected = Counter(place for place, *_ in first.values())
            assert qc._totals(session, demo, f, place_of, viewer, skip) == dict(expected)
            checked += len(first)
    assert checked > 0
