"""The project's excerpt list: one filtered, paged query (filters combine with AND).

The code, coder and direction filters apply to the same coding: "excerpts that coder X coded
with code Y (or a sub-code) as contradicting" is one condition, not three.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Sequence

from sqlalchemy import ColumnElement, Select, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from casecoder.analysis.sql_helpers import among
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
    source_interviewees,
)
from casecoder.models.derived.source_coder_codings import SourceCoderCodings
from casecoder.models.derived.source_coder_spans import SourceCoderSpans
from casecoder.models.derived.source_excerpts import SourceCodeExcerpts, SourceExcerpts


@dataclass
class ExcerptFilter:
    """Empty tuples mean "any". The tally pages link here with the exact filters behind a number."""
    code_id: int | None = None
    include_subcodes: bool = True
    case_ids: tuple[int, ...] = ()
    municipalities: tuple[str, ...] = ()
    perspective: Perspective | None = None
    roles: tuple[str, ...] = ()
    coder_ids: tuple[int, ...] = ()
    directions: tuple[Direction, ...] = ()
    text: str | None = None
    source_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    blind_source_ids: frozenset[int] = frozenset()   # blind double coding: on these sources the viewer
    viewer_id: int | None = None                      # sees only excerpts and codings of their own


@dataclass
class ExcerptPage:
    excerpts: list[Excerpt]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def code_and_descendants(session: Session, code_id: int) -> list[int]:
    """The code and every code below it, in one recursive query."""
    tree = select(Code.id).where(Code.id == code_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Code.id).join(tree, Code.parent_id == tree.c.id))
    return list(session.scalars(select(tree.c.id)))


def excerpt_conditions(session: Session, project_id: int, f: ExcerptFilter, *,
                       few: bool = False, blind_part: bool | None = None) -> list[ColumnElement[bool]]:
    """The filter as conditions on ``excerpts`` alone: what depends on the transcript (project, perspective,
    dates, interviewee roles, the transcript itself) is one ``source_id IN (...)`` over ``sources``, so a
    count needs no join; the coding conditions hold for one and the same coding. ``few``: the other
    conditions leave few excerpts (a page's transcripts), so the codings are probed per excerpt.
    ``blind_part`` (a blind viewer's count, ``_count_parts``): only the transcripts the viewer codes blind
    (True) or only the others (False), so that no excerpt is tested against the list of blind transcripts."""
    sources = select(Source.id).where(Source.project_id == project_id)
    blind = bool(f.blind_source_ids) and f.viewer_id is not None
    if blind and blind_part is not None:   # the list is tested once per transcript, not once per excerpt
        sources = sources.where(among(session, Source.id, f.blind_source_ids, not_=not blind_part))
    if f.perspective is not None:
        sources = sources.where(Source.perspective == f.perspective)
    if f.date_from is not None:
        sources = sources.where(Source.interview_date >= f.date_from)
    if f.date_to is not None:
        sources = sources.where(Source.interview_date <= f.date_to)
    if f.source_id is not None:
        sources = sources.where(Source.id == f.source_id)
    if f.roles:
        sources = sources.where(Source.id.in_(
            select(source_interviewees.c.source_id).join(Interviewee, Interviewee.id == source_interviewees.c.interviewee_id)
            .where(Interviewee.role.in_(f.roles))))
    # an excerpt belongs to its transcript's project (coding/excerpts.py sets project_id from the source):
    # SQLite finds the project through the transcripts, so that a count reads ix_excerpts_source_id alone;
    # PostgreSQL reads the table for a count anyway, and the excerpt's own column saves it the join
    narrowed = (f.perspective is not None or f.date_from is not None or f.date_to is not None
                or f.source_id is not None or bool(f.roles) or (blind and blind_part is not None))
    # with a case filter the case index leads: ``source_id + 0`` keeps SQLite from walking ix_excerpts_source_id
    # and reading every excerpt's row for its case (110 -> 22 ms for one municipality)
    # so too when the codings' set of excerpts leads (a code, coder or direction over the whole project): with
    # planner statistics for ix_excerpts_id_place (migration 0030's ANALYZE) SQLite otherwise sought every
    # (transcript, excerpt) pair of the two lists in ix_excerpts_source_id: 31 s instead of 40 ms for one code
    codings_lead = not few and (f.code_id is not None or bool(f.coder_ids) or bool(f.directions))
    by_source = Excerpt.source_id + 0 if f.case_ids or f.municipalities or codings_lead else Excerpt.source_id
    conditions: list[ColumnElement[bool]] = [
        by_source.in_(sources) if narrowed or session.get_bind().dialect.name == "sqlite"
        else Excerpt.project_id == project_id]
    coding_conditions: list[ColumnElement[bool]] = []
    if f.code_id is not None:
        ids = code_and_descendants(session, f.code_id) if f.include_subcodes else [f.code_id]
        coding_conditions.append(Coding.code_id.in_(ids))
    if f.coder_ids:
        coding_conditions.append(Coding.coder_id.in_(f.coder_ids))
    if f.directions:
        coding_conditions.append(Coding.direction.in_(f.directions))
    if blind and blind_part is False:   # transcripts the viewer does not code blind: everything shows
        blind = False
    elif blind and blind_part:   # only blind transcripts: the viewer's own codings select, and show the excerpt
        if coding_conditions:
            coding_conditions.append(Coding.coder_id == f.viewer_id)
        else:
            conditions.append(or_(Excerpt.created_by_id == f.viewer_id, exists().where(
                Coding.excerpt_id == Excerpt.id, Coding.coder_id == f.viewer_id)))
        blind = False   # the coding conditions below as for anyone
    elif blind and coding_conditions and not few:
        # a count over the whole project: the codings' excerpts as a set (from ix_codings_code_excerpt for a
        # code), on a blind source only the viewer's; such a coding of the viewer's also makes the excerpt
        # visible to them, so the visibility condition below is implied (no probe per excerpt)
        # (SQLite: a probe per excerpt on a blind transcript, not the set of the viewer's codings of the code,
        # which may be most of them: 61,000 of 73,000 for the large project's blind coder, 65 -> 58 ms)
        conditions.append(Excerpt.id.in_(select(Coding.excerpt_id).where(*coding_conditions)))
        own = [*coding_conditions, Coding.coder_id == f.viewer_id]
        conditions.append(or_(among(session, Excerpt.source_id, f.blind_source_ids, not_=True), select(Coding.excerpt_id).where(
            Coding.excerpt_id == Excerpt.id, *own).exists() if session.get_bind().dialect.name == "sqlite"
            else Excerpt.id.in_(select(Coding.excerpt_id).where(*own))))   # (a column, not *: index only)
        coding_conditions = []
    elif blind:  # another coder's codings on a blind source must neither show nor select
        if coding_conditions:
            coding_conditions.append(or_(among(session, Excerpt.source_id, f.blind_source_ids, not_=True),
                                         Coding.coder_id == f.viewer_id))
        conditions.append(or_(among(session, Excerpt.source_id, f.blind_source_ids, not_=True),
                              Excerpt.created_by_id == f.viewer_id,
                              exists().where(Coding.excerpt_id == Excerpt.id, Coding.coder_id == f.viewer_id)))
    # the blind condition names the excerpt, and a page's few excerpts are probed one by one (the set of a
    # code's codings would be read whole: 73,000 for the large project's most used code): a correlated EXISTS
    if coding_conditions and few and session.get_bind().dialect.name == "postgresql":
        # PostgreSQL turns an EXISTS into a semi-join with every coding of the code (73,000 index entries for the
        # large project's most used code: 13 ms); a subquery with LIMIT stays a probe per excerpt (~1,100: 1 ms)
        conditions.append(select(literal(1)).where(Coding.excerpt_id == Excerpt.id, *coding_conditions)
                          .limit(1).scalar_subquery().is_not(None))
    elif coding_conditions and (blind or few):
        conditions.append(exists().where(Coding.excerpt_id == Excerpt.id, *coding_conditions))
    elif coding_conditions:  # the codings' excerpts as a set: a narrow code is found from its codings,
        # read from ix_codings_code_excerpt alone (migration 0026), no row of codings
        conditions.append(Excerpt.id.in_(select(Coding.excerpt_id).where(*coding_conditions)))
    if f.case_ids:
        conditions.append(Excerpt.case_id.in_(f.case_ids))
    if f.municipalities:
        conditions.append(Excerpt.case_id.in_(select(Case.id).where(Case.municipality.in_(f.municipalities))))
    if f.text and f.text.strip():
        pattern = f"%{_escape_like(f.text.strip().lower())}%"
        memo = exists().where(ExcerptMemo.excerpt_id == Excerpt.id,
                              func.lower(ExcerptMemo.text).like(pattern, escape="\\"))
        if f.blind_source_ids:  # on a source coded blind only the viewer's own memo is searched
            memo = memo.where(or_(among(session, Excerpt.source_id, f.blind_source_ids, not_=True),
                                  ExcerptMemo.user_id == f.viewer_id))
        conditions.append(or_(func.lower(Excerpt.text).like(pattern, escape="\\"), memo))
    return conditions


def excerpt_query(session: Session, project_id: int, f: ExcerptFilter) -> Select[Excerpt]:
    """The filtered excerpts, unordered, joined to their transcript."""
    return (select(Excerpt).join(Source, Source.id == Excerpt.source_id)
            .where(*excerpt_conditions(session, project_id, f)))


def _count_parts(session: Session, project_id: int, f: ExcerptFilter) -> list[list[ColumnElement[bool]]]:
    """The conditions of the count per transcript: for a blind viewer two counts, the transcripts they code
    blind (only what they may see) and the others (everything), instead of testing each of the project's
    excerpts against the list of blind transcripts (SQLite 157 -> 100 ms CPU on the large project; PostgreSQL,
    which hashes the list, was no faster: one count). With a code, coder or direction the codings' set of
    excerpts leads, each tested once: one count."""
    if (f.blind_source_ids and f.viewer_id is not None and not (f.code_id is not None or f.coder_ids or f.directions)
            and session.get_bind().dialect.name == "sqlite"):
        return [excerpt_conditions(session, project_id, f, blind_part=part) for part in (False, True)]
    return [excerpt_conditions(session, project_id, f)]


def kept_counts(session: Session, project_id: int, f: ExcerptFilter) -> dict[int, int] | None:
    """The count per transcript from the trigger-kept tables (``models/derived/source_excerpts.py``) when the
    filter is empty, or one code alone (without sub-codes, or one that has none): a read of one row per
    transcript instead of a count of the project's excerpts (or of a code's 60,000 codings joined to their
    excerpts) on every request. None for any other filter. A blind viewer's transcripts are counted apart, as
    ``excerpt_conditions`` does with ``blind_part=True``: there only excerpts they made or coded show, and
    with a code only those they coded with it; a coder has one coding of a code on an excerpt (the codings'
    unique key), so those are their codings of the code there, kept per transcript in ``source_coder_spans``."""
    if (f.case_ids or f.municipalities or f.perspective is not None or f.roles or f.coder_ids or f.directions
            or (f.text and f.text.strip()) or f.source_id is not None or f.date_from is not None
            or f.date_to is not None):
        return None
    if f.code_id is None:
        counts = dict(session.execute(select(SourceExcerpts.source_id, SourceExcerpts.excerpts)
                                      .where(SourceExcerpts.project_id == project_id)).all())
    else:
        if f.include_subcodes and len(code_and_descendants(session, f.code_id)) != 1:
            return None
        counts = dict(session.execute(select(SourceCodeExcerpts.source_id, SourceCodeExcerpts.excerpts).where(
            SourceCodeExcerpts.code_id == f.code_id, SourceCodeExcerpts.project_id == project_id)).all())
    if not f.blind_source_ids or f.viewer_id is None:
        return counts
    for source_id in f.blind_source_ids:
        counts.pop(source_id, None)
    if f.code_id is None:  # the excerpts they made, then the others' they coded: two counts without an OR
        # (whose probe of the codings for every excerpt PostgreSQL costs high enough to compile: 48 -> 15 ms)
        # the first, from ix_excerpts_source_creator alone, also finds the transcripts with others' excerpts:
        # only theirs are read for the second (the large project's blind coder made every excerpt on hers:
        # 40,000 rows read and none counted, 10-14 ms on PostgreSQL)
        own, every = func.sum(case((Excerpt.created_by_id == f.viewer_id, 1), else_=0)), func.count()
        with_others = []
        for source_id, n_own, n_all in session.execute(
                select(Excerpt.source_id, own, every).where(among(session, Excerpt.source_id, f.blind_source_ids))
                .group_by(Excerpt.source_id)):
            if n_own:
                counts[source_id] = counts.get(source_id, 0) + int(n_own)
            if n_all > n_own:
                with_others.append(source_id)
        parts = [select(Excerpt.source_id, func.count()).where(
            among(session, Excerpt.source_id, with_others), Excerpt.created_by_id.is_distinct_from(f.viewer_id),
            exists().where(Coding.excerpt_id == Excerpt.id, Coding.coder_id == f.viewer_id))] if with_others else []
    else:
        parts = [select(SourceCoderSpans.source_id, func.sum(SourceCoderSpans.codings)).where(
            among(session, SourceCoderSpans.source_id, f.blind_source_ids), SourceCoderSpans.coder_id == f.viewer_id,
            SourceCoderSpans.code_id == f.code_id, SourceCoderSpans.project_id == project_id)]
    for part in parts:
        for source_id, n in session.execute(part.group_by(part.selected_columns[0])):
            counts[source_id] = counts.get(source_id, 0) + int(n)
    return counts


def list_excerpts(session: Session, project_id: int, f: ExcerptFilter, page: int = 1, per_page: int = 50,
                  source_order: Sequence[tuple[int, str]] | None = None) -> ExcerptPage:
    """A page of the filtered excerpts in title, offset, id order, with the total.

    One grouped count per transcript (no join, no sort: ``excerpt_conditions``), walked in title order
    (``source_order``: the project's (id, title) by title, as ``lookups.source_choices`` gives them, or
    read here), gives the total and the transcripts the page falls in; the page then reads only their
    excerpts. Transcripts sharing a title are one run, their excerpts interleaved by offset."""
    page = max(1, page)
    counts = kept_counts(session, project_id, f)
    if counts is None:
        counts = {}
        for conditions in _count_parts(session, project_id, f):   # parts over disjoint transcripts
            counts.update(session.execute(select(Excerpt.source_id, func.count()).where(*conditions)
                                          .group_by(Excerpt.source_id)).all())
    if source_order is None:
        source_order = session.execute(select(Source.id, Source.title).where(Source.project_id == project_id)
                                       .order_by(Source.title, Source.id)).all()
    runs: list[tuple[str, list[int], int]] = []  # (title, its sources with excerpts, their count)
    for row in source_order:
        source_id, title = row[0], row[-1]
        n = counts.get(source_id, 0)
        if not n:
            continue
        if runs and runs[-1][0] == title:
            runs[-1][1].append(source_id)
            runs[-1] = (title, runs[-1][1], runs[-1][2] + n)
        else:
            runs.append((title, [source_id], n))
    total, skip, before, page_sources = 0, (page - 1) * per_page, 0, list[int]()
    for _title, ids, n in runs:
        if total + n > skip and total < skip + per_page:
            before = before if page_sources else total
            page_sources += ids
        total += n
    # the page's transcripts alone decide who sees what on them: none coded blind, no blind conditions at all
    on_page = replace(f, blind_source_ids=f.blind_source_ids.intersection(page_sources))
    rows = [] if not page_sources else session.scalars(
        select(Excerpt).join(Source, Source.id == Excerpt.source_id)
        .where(*excerpt_conditions(session, project_id, on_page, few=True), Excerpt.source_id.in_(page_sources))
        .options(selectinload(Excerpt.codings).selectinload(Coding.code),
                 selectinload(Excerpt.codings).selectinload(Coding.coder),
                 selectinload(Excerpt.memos).selectinload(ExcerptMemo.user),
                 selectinload(Excerpt.source).load_only(Source.title, Source.perspective),  # no text
                 selectinload(Excerpt.case))
        .order_by(Source.title, Excerpt.start_offset, Excerpt.id)
        .limit(per_page).offset(skip - before)).all()
    return ExcerptPage(list(rows), total, page, per_page)


def filter_choices(session: Session, project_id: int) -> dict[str, list]:
    """The values the filter form offers: cases as (id, key) by key, municipalities, interviewee roles, coders."""
    from casecoder.models import User
    return {
        "cases": list(session.execute(select(Case.id, Case.key).where(Case.project_id == project_id)
                                      .order_by(Case.key)).all()),
        "municipalities": list(session.scalars(select(Case.municipality).where(Case.project_id == project_id)
                                               .distinct().order_by(Case.municipality))),
        "roles": list(session.scalars(select(Interviewee.role).where(Interviewee.project_id == project_id)
                                      .distinct().order_by(Interviewee.role))),
        "coders": list(session.execute(  # who has a coding in the project: kept per (source, user) by triggers,
            select(User.id, User.username).where(User.id.in_(   # one index range (7 ms of probes on PostgreSQL)
                select(SourceCoderCodings.user_id).where(SourceCoderCodings.project_id == project_id)))
            .order_by(User.username)).all()),
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
