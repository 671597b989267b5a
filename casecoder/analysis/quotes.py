"""The quote bank: per code, the coded excerpts as report-ready quotes ("Eksempel 1", "Eksempel 2", …).

The excerpts shown are filtered exactly like the counts (docs/counting.md), with the helpers of
``evidence.py``: the excerpt's case is a selected case (municipality, case attributes), its source
passes the source filters (interviewee role, interview dates), and a coding of the section's code
on it has a chosen direction and, when coders are chosen, a chosen coder. ``perspective`` may
limit the bank to family or system sources. Excerpts without a case cannot be cited by case and
are left out. ``blind`` (``analysis.double_coding.blindness``): on the sources the viewer codes
blind only their own codings give quotes.

Sections follow the codebook tree (position, id). With *include sub-codes* every selected code's
descendants get their own sections after it; a section lists only its own code's excerpts (no
roll-up: a quote appears under the code it was coded with). ``depth`` counts the section's
ancestors that are sections too, for heading levels. A section is kept when it was asked for by
key or when it, or a section below it, has quotes — so "every code" lists only codes with quotes.

Quotes never name a person: the family perspective is introduced as "Interviewperson", the system
perspective by the role(s) of the source's professionals (``Quote.intro``).

Three queries whatever the size of the bank: the codes, the codings with their excerpts, sources
and cases, and the roles of the project's system-perspective interviewees (plus one for coder
names when a coder filter is set).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Collection, Sequence

from sqlalchemy import Select, or_, select, true
from sqlalchemy.orm import Session

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import DIRECTIONS, SYSTEM, CountFilter, selected_cases, source_conditions
from casecoder.analysis.filters import to_params
from casecoder.analysis.sql_helpers import among
from casecoder.kernel import tree, validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.translate import gettext
from casecoder.models import (
    Case,
    Code,
    Coding,
    Direction,
    Excerpt,
    ExcerptMemo,
    Interviewee,
    Perspective,
    Project,
    Source,
    User,
    source_interviewees,
)

INTRO = N_("Interviewee")          # how a quote from the family perspective is introduced
PROFESSIONAL = N_("Professional")  # ... from the system perspective when the source has no role
ROLE_SEPARATOR = " / "


@dataclass(frozen=True)
class Quote:
    """One excerpt as a numbered quote within one section."""
    number: int                      # "Eksempel n": restarts at 1 in every section
    text: str                        # the excerpt's text, whitespace-trimmed
    perspective: str                 # family | system (the source's)
    roles: tuple[str, ...]           # system perspective: distinct roles of the source's professionals
    case_key: str
    source_title: str
    interview_date: date | None
    direction: str                   # the direction(s) of the passing codings, ", "-joined in DIRECTIONS order
    coders: tuple[str, ...]          # user names of the passing codings' coders, sorted
    memo: str                        # the quoting coders' memos, each after its writer's name when
                                     # several wrote one (exports show them only when asked)
    excerpt_id: int

    def intro(self, lang: str) -> str:
        """Who speaks, never a name or an interviewee key: "Interviewperson" for the family
        perspective; for the system perspective the professional's role ("Fagperson" if none)."""
        if self.perspective == SYSTEM:
            return ROLE_SEPARATOR.join(r[:1].upper() + r[1:] for r in self.roles) if self.roles else gettext(lang, PROFESSIONAL)
        return gettext(lang, INTRO)


@dataclass
class QuoteSection:
    """The quotes of one code."""
    code_id: int
    key: str
    label_da: str
    label_en: str
    kind: str
    depth: int                       # 0 for a top section; +1 per enclosing section (heading level)
    parent_key: str | None           # the code's parent in the codebook
    selected: bool                   # asked for by key (False: a sub-code, or "every code")
    quotes: list[Quote] = field(default_factory=list)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_da


@dataclass
class QuoteBank:
    project_slug: str
    project_title: str
    codebook_name: str | None
    codebook_sha256: str | None
    filter: CountFilter
    params: tuple[tuple[str, str], ...]   # the filter as parameters (analysis.filters.to_params)
    perspective: str | None               # None: both perspectives
    code_keys: tuple[str, ...]            # as asked; empty: every codable code
    coders: tuple[str, ...] = ()          # coders of the codings behind the quotes
    sections: list[QuoteSection] = field(default_factory=list)

    @property
    def n_quotes(self) -> int:
        return sum(len(s.quotes) for s in self.sections)

    @property
    def excerpt_ids(self) -> frozenset[int]:
        return frozenset(q.excerpt_id for s in self.sections for q in s.quotes)

    @property
    def case_keys(self) -> tuple[str, ...]:
        return tuple(sorted({q.case_key for s in self.sections for q in s.quotes}))

    def section(self, key: str) -> QuoteSection:
        return next(s for s in self.sections if s.key == key)


@dataclass
class _Found:
    """One (code, excerpt) pair while the coding rows are grouped."""
    text: str
    memo: str
    start: int
    case_key: str
    source_id: int
    source_title: str
    perspective: str
    interview_date: date | None
    directions: set[str] = field(default_factory=set)
    coders: set[str] = field(default_factory=set)


def section_plan(codes: list[Code], code_keys: Sequence[str], include_subcodes: bool) -> list[tuple[Code, int, bool]]:
    """(code, depth, asked for) of every section, in tree order."""
    by_key = {c.key: c for c in codes}
    missing = [k for k in code_keys if k not in by_key]
    if missing:
        raise InvalidInput("There is no code '{key}' in this project", "code", key=", ".join(missing))
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    asked = {by_key[k].id for k in code_keys}
    chosen = set(asked) if code_keys else {c.id for c in codes if c.codable}
    if include_subcodes:
        stack = list(chosen)
        while stack:
            for child in children.get(stack.pop(), []):
                if child.id not in chosen:
                    chosen.add(child.id)
                    stack.append(child.id)
    plan: list[tuple[Code, int, bool]] = []
    below: dict[int, int] = {}  # code id -> the depth its chosen children get (no recursion over the tree)
    for code, _depth, parent in tree.preorder(children, lambda c: c.id):
        depth = below[parent.id] if parent else 0
        if code.id in chosen:
            plan.append((code, depth, code.id in asked))
        below[code.id] = depth + 1 if code.id in chosen else depth
    return plan


def _system_roles(session: Session, project_id: int, source_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Source id -> the distinct roles of its system-perspective interviewees, sorted (of ``source_ids``; a long
    list is not sent: then every source of the project)."""
    roles: dict[int, set[str]] = {}
    for source_id, role in session.execute(
            select(source_interviewees.c.source_id, Interviewee.role).distinct()
            .join(Interviewee, Interviewee.id == source_interviewees.c.interviewee_id)
            .where(Interviewee.project_id == project_id, Interviewee.perspective == Perspective.SYSTEM,
                   source_interviewees.c.source_id.in_(sorted(source_ids)) if len(source_ids) <= 1000 else true())):
        if role and role.strip():
            roles.setdefault(source_id, set()).add(role.strip())
    return {source_id: tuple(sorted(r)) for source_id, r in roles.items()}


def quote_bank(session: Session, project: Project, code_keys: Sequence[str], f: CountFilter,
               perspective: str | None = None, blind: Blindness = NOT_BLIND,
               excerpt_ids: Collection[int] | None = None, codes: Sequence[Code] | None = None) -> QuoteBank:
    """The quote bank of ``code_keys`` (empty: every codable code) under the filter ``f``, as a viewer
    who codes some sources blind (``blind``) may see it; with ``excerpt_ids`` only those excerpts' quotes
    (each the same quote as in the whole bank, but for its number). ``codes``: the project's codes in tree
    order (position, id) when the caller has read them (the chapter page)."""
    if perspective is not None:
        perspective = validate.choice(Perspective, perspective, N_("Perspective")).value
    if codes is None:
        codes = list(session.scalars(select(Code).where(Code.project_id == project.id)
                                     .order_by(Code.position, Code.id)))
    plan = section_plan(list(codes), list(code_keys), f.include_subcodes)
    bank = QuoteBank(project_slug=project.slug, project_title=project.title, codebook_name=project.codebook_name,
                     codebook_sha256=project.codebook_sha256, filter=f, params=tuple(to_params(session, f)),
                     perspective=perspective, code_keys=tuple(code_keys))
    if not plan:
        return bank

    query = _codings(session, project, f, sorted({c.id for c, _, _ in plan}), perspective, blind,
                     Coding.code_id, Coding.direction, User.username, Excerpt.id, Excerpt.text, Excerpt.start_offset,
                     Case.key, Source.id, Source.title, Source.perspective, Source.interview_date)
    if excerpt_ids is not None:
        query = query.where(among(session, Excerpt.id, excerpt_ids))

    found: dict[int, dict[int, _Found]] = {}   # code id -> excerpt id -> what the codings say
    for (code_id, direction, username, excerpt_id, text, start, case_key, source_id, title, source_perspective,
         interview_date) in session.execute(query):
        item = found.setdefault(code_id, {}).get(excerpt_id)
        if item is None:
            item = found[code_id][excerpt_id] = _Found(
                text=text.strip(), memo="", start=start, case_key=case_key, source_id=source_id,
                source_title=title, perspective=source_perspective.value, interview_date=interview_date)
        item.directions.add(direction.value)
        item.coders.add(username)

    memos = _memos(session, {excerpt_id for items in found.values() for excerpt_id in items})
    for by_excerpt in found.values():
        for memo_of, found_item in by_excerpt.items():
            mine = [(name, text) for name, text in memos.get(memo_of, []) if name in found_item.coders]
            found_item.memo = mine[0][1] if len(mine) == 1 else "\n".join(f"{name}: {text}" for name, text in mine)
    roles = _system_roles(session, project.id, {item.source_id for items in found.values() for item in items.values()
                                                if item.perspective == SYSTEM}) if found else {}
    key_of = {c.id: c.key for c in codes}
    sections: list[QuoteSection] = []
    for code, depth, asked in plan:
        items = sorted(found.get(code.id, {}).items(),
                       key=lambda pair: (pair[1].case_key, pair[1].source_title, pair[1].start, pair[0]))
        quotes = [Quote(number=n, text=item.text, perspective=item.perspective,
                        roles=roles.get(item.source_id, ()) if item.perspective == SYSTEM else (),
                        case_key=item.case_key, source_title=item.source_title, interview_date=item.interview_date,
                        direction=", ".join(d for d in DIRECTIONS if d in item.directions),
                        coders=tuple(sorted(item.coders)), memo=item.memo, excerpt_id=excerpt_id)
                  for n, (excerpt_id, item) in enumerate(items, start=1)]
        sections.append(QuoteSection(code_id=code.id, key=code.key, label_da=code.label_da, label_en=code.label_en,
                                     kind=code.kind.value, depth=depth,
                                     parent_key=key_of.get(code.parent_id) if code.parent_id else None,
                                     selected=asked, quotes=quotes))
    bank.sections = _prune(sections)
    bank.coders = tuple(sorted({c for s in bank.sections for q in s.quotes for c in q.coders}))
    return bank


def _codings(session: Session, project: Project, f: CountFilter, code_ids: Sequence[int], perspective: str | None,
             blind: Blindness, *columns: Any, lean: bool = False) -> Select[Any]:
    """SELECT ``columns`` of the codings of ``code_ids`` that give quotes (the module's doc), joined to
    their excerpt, source, case and coder. "+ 0": SQLite would otherwise read every excerpt of every
    selected case (190,000 on the large project) instead of the codes' codings. ``lean``: joined to the
    excerpt only (and to the source when a condition needs it): the columns must come from those two;
    the same rows, since a coding's coder, an excerpt's source and a selected case always exist."""
    conditions = source_conditions(f)
    query = select(*columns).select_from(Coding).join(Excerpt, Excerpt.id == Coding.excerpt_id)
    if not lean or conditions or perspective is not None:
        query = query.join(Source, Source.id == Excerpt.source_id)
    if not lean:
        query = query.join(Case, Case.id == Excerpt.case_id).join(User, User.id == Coding.coder_id)
    return query.where(*_excerpt_conditions(session, project, f, perspective, blind), *conditions,
                       *_coding_conditions(f, code_ids))


def _excerpt_conditions(session: Session, project: Project, f: CountFilter, perspective: str | None,
                        blind: Blindness) -> list[Any]:
    """``_codings``' conditions on the excerpt (its project, a selected case, blindness) and its source's
    perspective."""
    found = [Excerpt.project_id == project.id, _selected(session, project, f, Excerpt.case_id)]
    if blind:  # blind double coding: another coder's codings on a blind source give no quote
        found.append(_coding_seen(session, blind))
    if perspective is not None:
        found.append(Source.perspective == Perspective(perspective))
    return found


def _coding_seen(session: Session, blind: Blindness) -> Any:
    """``blind.coding_seen()``; on PostgreSQL the blind sources as one array parameter (``<> ALL(:ids)``, the
    plan PostgreSQL makes of ``NOT IN`` a list anyway) instead of a parameter per source: a blind coder's
    hundreds of sources were compiled, sent and planned for longer than the chapter's quotes ran (#25)."""
    if session.get_bind().dialect.name != "postgresql":
        return blind.coding_seen()
    return or_(among(session, Excerpt.source_id, blind.source_ids, not_=True), Coding.coder_id == blind.viewer_id)


def _selected(session: Session, project: Project, f: CountFilter, case_id: Any) -> Any:
    """``case_id`` is one of ``f``'s selected cases ("+ 0": see ``_codings``)."""
    return (case_id + 0).in_(selected_cases(session, project.id, f).with_only_columns(Case.id).scalar_subquery())


def _coding_conditions(f: CountFilter, code_ids: Sequence[int]) -> list[Any]:
    """``_codings``' conditions on the coding alone: its code, direction, coder and being of record."""
    found = [Coding.code_id.in_(code_ids)]
    if set(f.directions) != set(DIRECTIONS):   # every direction: no condition (the column allows no other)
        found.append(Coding.direction.in_([Direction(d) for d in sorted(f.directions)]))
    if f.coder_ids:
        found.append(Coding.coder_id.in_(f.coder_ids))
    if not f.independent:  # the coding of record, as the counts use it
        found.append(Coding.of_record.is_(True))
    return found


def _prune(sections: list[QuoteSection]) -> list[QuoteSection]:
    """Keep a section asked for by key, or one that (or a section below it) has quotes.

    ``sections`` is in tree order, so a section's sub-sections are the run after it with a greater depth.
    """
    keep = [False] * len(sections)
    for i in range(len(sections) - 1, -1, -1):
        section = sections[i]
        below = False
        for j in range(i + 1, len(sections)):
            if sections[j].depth <= section.depth:
                break
            below = below or keep[j]
        keep[i] = section.selected or bool(section.quotes) or below
    return [s for s, k in zip(sections, keep) if k]


def _memos(session: Session, excerpt_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
    """Per excerpt its memos as (writer's name, text), by name: one query."""
    found: dict[int, list[tuple[str, str]]] = {}
    if excerpt_ids:
        for excerpt_id, name, text in session.execute(
                select(ExcerptMemo.excerpt_id, User.username, ExcerptMemo.text).join(User, User.id == ExcerptMemo.user_id)
                .where(among(session, ExcerptMemo.excerpt_id, excerpt_ids)).order_by(User.username)):
            found.setdefault(excerpt_id, []).append((name, text.strip()))
    return found
