"""The excerpt list's filters (issue #25: the list counts per transcript on ``excerpts`` alone and reads the
codings' excerpts as a set): for every filter and some combinations, on the tiny synthetic project (double
coding included), each page and the total equal a plain reference query written here: the excerpts joined
to their transcript, every condition as written before the change (correlated EXISTS over the codings, the
roles and the memos), ordered by title, offset and id."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import and_, exists, func, or_, select

from bench.generate import CODERS, generate
from casecoder.analysis.double_coding import double_coded_source_ids
from casecoder.analysis.excerpt_list import (
    ExcerptFilter,
    _count_parts,
    code_and_descendants,
    excerpt_conditions,
    filter_choices,
    kept_counts,
    list_excerpts,
)
from casecoder.coding.excerpts import create_excerpt
from casecoder.models import (
    Case,
    Code,
    Coding,
    Direction,
    Excerpt,
    ExcerptMemo,
    Interviewee,
    Perspective,
    Source,
    User,
    source_interviewees,
)


def reference(session, project_id: int, f: ExcerptFilter) -> list[int]:  # type: ignore[no-untyped-def]
    query = select(Excerpt.id).join(Source, Source.id == Excerpt.source_id).where(Excerpt.project_id == project_id)
    coding = []
    if f.code_id is not None:
        coding.append(Coding.code_id.in_(code_and_descendants(session, f.code_id) if f.include_subcodes
                                         else [f.code_id]))
    if f.coder_ids:
        coding.append(Coding.coder_id.in_(f.coder_ids))
    if f.directions:
        coding.append(Coding.direction.in_(f.directions))
    if f.blind_source_ids and f.viewer_id is not None:
        if coding:
            coding.append(or_(Excerpt.source_id.not_in(f.blind_source_ids), Coding.coder_id == f.viewer_id))
        query = query.where(or_(Excerpt.source_id.not_in(f.blind_source_ids), Excerpt.created_by_id == f.viewer_id,
                                exists().where(Coding.excerpt_id == Excerpt.id, Coding.coder_id == f.viewer_id)))
    if coding:
        query = query.where(exists().where(Coding.excerpt_id == Excerpt.id, *coding))
    if f.case_ids:
        query = query.where(Excerpt.case_id.in_(f.case_ids))
    if f.municipalities:
        query = query.where(Excerpt.case_id.in_(select(Case.id).where(Case.municipality.in_(f.municipalities))))
    if f.perspective is not None:
        query = query.where(Source.perspective == f.perspective)
    if f.roles:
        query = query.where(exists().where(and_(source_interviewees.c.source_id == Excerpt.source_id,
                                                source_interviewees.c.interviewee_id == Interviewee.id,
                                                Interviewee.role.in_(f.roles))))
    if f.date_from is not None:
        query = query.where(Source.interview_date >= f.date_from)
    if f.date_to is not None:
        query = query.where(Source.interview_date <= f.date_to)
    if f.source_id is not None:
        query = query.where(Excerpt.source_id == f.source_id)
    if f.text:
        pattern = f"%{f.text.strip().lower()}%"
        memo = exists().where(ExcerptMemo.excerpt_id == Excerpt.id, func.lower(ExcerptMemo.text).like(pattern))
        if f.blind_source_ids:
            memo = memo.where(or_(Excerpt.source_id.not_in(f.blind_source_ids), ExcerptMemo.user_id == f.viewer_id))
        query = query.where(or_(func.lower(Excerpt.text).like(pattern), memo))
    return list(session.scalars(query.order_by(Source.title, Excerpt.start_offset, Excerpt.id)))


@pytest.fixture
def bench_project(session):  # type: ignore[no-untyped-def]
    project = generate(session, "tiny", 3, slug="filters", bulk=True)
    session.commit()
    return project


def test_every_filter_pages_as_the_reference_query(session, bench_project):  # type: ignore[no-untyped-def]
    pid = bench_project.id
    code = {k: i for k, i in session.execute(select(Code.key, Code.id).where(Code.project_id == pid))}
    anna, bo = (session.scalar(select(User.id).where(User.username == name)) for name in CODERS)
    cases = list(session.scalars(select(Case.id).where(Case.project_id == pid).order_by(Case.key)))
    sources = list(session.scalars(select(Source.id).where(Source.project_id == pid).order_by(Source.id)))
    municipality = session.scalar(select(Case.municipality).where(Case.project_id == pid).order_by(Case.key))
    role = session.scalar(select(Interviewee.role).where(Interviewee.project_id == pid).order_by(Interviewee.key))
    blind = frozenset(double_coded_source_ids(session, pid))
    assert blind and municipality and role
    memo_excerpt = session.scalar(select(Excerpt).where(Excerpt.source_id.in_(blind)).order_by(Excerpt.id))
    session.add(ExcerptMemo(excerpt_id=memo_excerpt.id, user_id=bo, text="Bos hemmelige note"))
    session.flush()
    filters = [
        ExcerptFilter(), ExcerptFilter(code_id=code["H1"]), ExcerptFilter(code_id=code["H1"], include_subcodes=False),
        ExcerptFilter(code_id=code["H1.1"]), ExcerptFilter(case_ids=(cases[3], cases[5])),
        ExcerptFilter(municipalities=(municipality,)), ExcerptFilter(perspective=Perspective.SYSTEM),
        ExcerptFilter(roles=(role,)), ExcerptFilter(coder_ids=(bo,)),
        ExcerptFilter(directions=(Direction.CONTRADICTS, Direction.NUANCES)), ExcerptFilter(text="KOORDINATOR"),
        ExcerptFilter(text="hemmelige"), ExcerptFilter(source_id=sources[5]),
        ExcerptFilter(date_from=date(2016, 6, 1), date_to=date(2016, 12, 31)),
        ExcerptFilter(code_id=code["H1"], coder_ids=(anna,), directions=(Direction.SUPPORTS,)),
        ExcerptFilter(perspective=Perspective.FAMILY, coder_ids=(anna, bo), text="møde"),
        ExcerptFilter(blind_source_ids=blind, viewer_id=anna),
        ExcerptFilter(code_id=code["H1"], blind_source_ids=blind, viewer_id=bo),
        ExcerptFilter(text="hemmelige", blind_source_ids=blind, viewer_id=anna),
        ExcerptFilter(text="hemmelige", blind_source_ids=blind, viewer_id=bo),
        ExcerptFilter(source_id=sources[0], perspective=Perspective.SYSTEM),
        # a blind viewer's count in two parts (blind transcripts, the others): with the transcript-level filters
        ExcerptFilter(blind_source_ids=blind, viewer_id=bo),
        ExcerptFilter(perspective=Perspective.SYSTEM, blind_source_ids=blind, viewer_id=bo),
        ExcerptFilter(case_ids=(cases[3], cases[5]), blind_source_ids=blind, viewer_id=anna),
        ExcerptFilter(roles=(role,), date_from=date(2016, 6, 1), blind_source_ids=blind, viewer_id=bo),
        ExcerptFilter(directions=(Direction.CONTRADICTS,), blind_source_ids=blind, viewer_id=bo),
        # counted from the kept tables (``kept_counts``): no filter, or one code alone
        ExcerptFilter(code_id=code["H1.1"], blind_source_ids=blind, viewer_id=anna),
        ExcerptFilter(code_id=code["H1"], include_subcodes=False, blind_source_ids=blind, viewer_id=bo),
    ]
    nonempty = 0
    for f in filters:
        wanted = reference(session, pid, f)
        nonempty += bool(wanted)
        got, page = [], 1
        while True:  # the whole list, page by page
            result = list_excerpts(session, pid, f, page=page, per_page=50)
            assert result.total == len(wanted), f
            if not result.excerpts:
                break
            got += [e.id for e in result.excerpts]
            page += 1
        assert got == wanted, f
        last = max(1, -(-len(wanted) // 7))
        for page in sorted({1, 2, 3, max(1, last // 2), last}):  # small pages: runs of transcripts cut anywhere
            ids = [e.id for e in list_excerpts(session, pid, f, page=page, per_page=7).excerpts]
            assert ids == wanted[(page - 1) * 7:page * 7], (f, page)
    assert nonempty >= len(filters) - 2, nonempty  # the filters do select something


def test_a_blind_viewers_count_in_two_parts_is_the_reference_count(session, bench_project):  # type: ignore[no-untyped-def]
    """``excerpt_conditions(blind_part=...)``: the blind transcripts' part and the others' add up to the reference
    total, and each part holds only its transcripts, with coding filters too (``list_excerpts`` splits only
    without them)."""
    pid = bench_project.id
    code = {k: i for k, i in session.execute(select(Code.key, Code.id).where(Code.project_id == pid))}
    anna, bo = (session.scalar(select(User.id).where(User.username == name)) for name in CODERS)
    blind = frozenset(double_coded_source_ids(session, pid))
    for viewer in (anna, bo):
        for f in (ExcerptFilter(blind_source_ids=blind, viewer_id=viewer),
                  ExcerptFilter(code_id=code["H1"], blind_source_ids=blind, viewer_id=viewer),
                  ExcerptFilter(coder_ids=(anna, bo), directions=(Direction.SUPPORTS,), blind_source_ids=blind,
                                viewer_id=viewer),
                  ExcerptFilter(text="møde", perspective=Perspective.FAMILY, blind_source_ids=blind, viewer_id=viewer)):
            wanted = reference(session, pid, f)
            parts = [set(session.scalars(select(Excerpt.id).where(*excerpt_conditions(session, pid, f, blind_part=part))))
                     for part in (False, True)]
            assert not parts[0] & parts[1], f
            assert parts[0] | parts[1] == set(wanted), f
            in_blind = set(session.scalars(select(Excerpt.id).where(Excerpt.source_id.in_(blind))))
            assert parts[1] <= in_blind and not parts[0] & in_blind, f


def test_the_kept_counts_are_the_counted_ones(session, bench_project):  # type: ignore[no-untyped-def]
    """``kept_counts`` (models/derived/source_excerpts.py, and source_coder_spans for a blind viewer's transcripts
    under a code) gives per transcript what the grouped count over ``excerpt_conditions`` gives: with no filter
    and each code alone (sub-codes or not), as the owner and as each blind coder; also after another coder's
    excerpt on a blind transcript was coded by the viewer (visible to them through their coding alone)."""
    pid = bench_project.id
    codes = list(session.scalars(select(Code.id).where(Code.project_id == pid).order_by(Code.id)))
    anna, bo = (session.scalar(select(User.id).where(User.username == name)) for name in CODERS)
    blind = frozenset(double_coded_source_ids(session, pid))
    source = session.get(Source, min(blind))
    others = create_excerpt(session, session.get(User, anna), source, 0, 12, [(session.get(Code, codes[-1]), "supports")])
    session.add(Coding(excerpt_id=others.id, code_id=codes[0], coder_id=bo))   # bo sees anna's excerpt through it
    session.flush()
    kept_ones = 0
    for viewer in (None, anna, bo):
        seen = {} if viewer is None else {"blind_source_ids": blind, "viewer_id": viewer}
        for f in [ExcerptFilter(**seen)] + [ExcerptFilter(code_id=c, include_subcodes=sub, **seen)
                                            for c in codes for sub in (True, False)]:
            kept = kept_counts(session, pid, f)
            if kept is None:   # a code with sub-codes: counted
                assert f.include_subcodes and len(code_and_descendants(session, f.code_id)) > 1
                continue
            kept_ones += 1
            counted: dict[int, int] = {}
            for conditions in _count_parts(session, pid, f):
                counted.update(session.execute(select(Excerpt.source_id, func.count()).where(*conditions)
                                               .group_by(Excerpt.source_id)).all())
            assert kept == counted, f
    assert kept_ones > 3 * len(codes)


def test_the_coder_choices_are_the_users_with_a_coding_in_the_project(session, bench_project):  # type: ignore[no-untyped-def]
    """``filter_choices``' coders (read from source_coder_codings) are those a probe of the codings finds."""
    pid = bench_project.id
    wanted = session.execute(select(User.id, User.username).where(exists().where(
        Coding.coder_id == User.id, Coding.excerpt_id == Excerpt.id, Excerpt.project_id == pid)).order_by(User.username)).all()
    assert len(wanted) >= 2 and filter_choices(session, pid)["coders"] == list(wanted)
