"""The chapter page's reads (#25): each excerpt's least place and its case, source and start (``coding_places``,
the selected cases checked in Python) are exactly the plain join's under filters, directions, coders, set-aside
codings and blind double coding; the set-aside probe reads the partial index ``ix_evidence_summary_set_aside`` (its
condition must be the query's literally, or the planner cannot use it)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, selected_cases
from casecoder.analysis.quote_candidates import _first_places, _set_aside, _set_aside_probe
from casecoder.analysis.quotes import _codings
from casecoder.models import Case, Code, Coding, Excerpt, Source, User


def _plan(session, statement) -> str:  # type: ignore[no-untyped-def]
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if session.get_bind().dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row[-1]) for row in session.execute(text(prefix + str(compiled))))


def test_places_equal_the_plain_join(session, demo):  # type: ignore[no-untyped-def]
    codes = [c.id for c in session.scalars(select(Code).where(Code.project_id == demo.id, Code.key.like("H1%")))]
    codings = session.scalars(select(Coding).where(Coding.code_id.in_(codes)).order_by(Coding.id)).all()
    for coding in codings[::5]:
        coding.of_record = False
    sources = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).all()
    for i, source in enumerate(sources):
        source.interview_date = date(2024, 1 + i % 12, 1)
    excerpt = session.scalar(select(Excerpt).where(Excerpt.project_id == demo.id).order_by(Excerpt.id))
    excerpt.case_id = None   # an excerpt without a case gives no quote
    session.flush()
    place = session.scalar(select(Case.municipality).where(Case.project_id == demo.id).order_by(Case.id))
    coder = session.scalar(select(Coding.coder_id).where(Coding.code_id.in_(codes)).order_by(Coding.id))
    blind = Blindness(viewer_id=coder, source_ids=frozenset(s.id for s in sources[::2]))
    other = session.scalar(select(User.id).where(User.id != coder).order_by(User.id))
    filters = [CountFilter(), CountFilter(independent=True), CountFilter(municipalities=(place,)),
               CountFilter(date_from=date(2024, 3, 1), date_to=date(2024, 9, 1)),
               CountFilter(coder_ids=(coder,)), CountFilter(directions=frozenset({"contradicts", "nuances"}))]
    place_of = {code_id: (7 * i) % len(codes) for i, code_id in enumerate(codes)}   # not in id order
    skip = set(session.scalars(select(Coding.excerpt_id).where(Coding.code_id.in_(codes)).order_by(Coding.id)).all()[::7])
    seen = 0
    for f in filters:
        for viewer in (NOT_BLIND, blind, Blindness(viewer_id=other, source_ids=blind.source_ids)):
            expected: dict[int, tuple[int, int, int, int]] = {}   # excerpt -> its least place, case, source, start
            for excerpt_id, code_id, case_id, source_id, start in session.execute(_codings(
                    session, demo, f, codes, None, viewer, Coding.excerpt_id, Coding.code_id, Excerpt.case_id,
                    Excerpt.source_id, Excerpt.start_offset, lean=True)):
                if excerpt_id not in skip and place_of[code_id] < expected.get(excerpt_id, (len(codes),))[0]:
                    expected[excerpt_id] = (place_of[code_id], case_id, source_id, start)
            cases = set(session.scalars(selected_cases(session, demo.id, f).with_only_columns(Case.id)))
            assert _first_places(session, demo, f, place_of, viewer, cases, skip) == expected
            seen += len(expected)
    assert seen > 0


def test_set_aside_probe_reads_the_partial_index(session, demo):  # type: ignore[no-untyped-def]
    codes = [c.id for c in session.scalars(select(Code).where(Code.project_id == demo.id, Code.key.like("H1%")))]
    assert not _set_aside(session, demo.id, codes)
    coding = session.scalar(select(Coding).where(Coding.code_id.in_(codes)).order_by(Coding.id))
    coding.of_record = False   # as a reconciliation that accepted another coder's version sets it
    session.flush()
    assert _set_aside(session, demo.id, codes) and _set_aside(session, demo.id, [coding.code_id])
    assert not _set_aside(session, demo.id, [c for c in codes if c != coding.code_id])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))   # the demo is tiny: is the index usable at all?
    assert "ix_evidence_summary_set_aside" in _plan(session, _set_aside_probe(demo.id, codes))

