"""The numbers, chains and chosen quotes of one hypothesis's report chapter (issue #24), as plain data.

Every number is the tally's: its rule (``tally_from_evidence``, set algebra) over the evidence of the chapter's
codes that the chains and the overview count on too, read once (#25: not ``compute_tally`` of every code; the
chapter tests prove the numbers, case keys, denominators and coders equal the tally's); ``claims`` lists each
number with the cases behind it (the chapter's appendix).
A sub-mechanism is a direct child of the hypothesis in the codebook. A box of a saved chain is linked to
a sub-mechanism when it is that code, lies under it, or the codebook has a leads-to arrow from the
sub-mechanism to it (H2.2 -> ST.6); a chain belongs to the chapter when at least half its boxes are
linked to its sub-mechanisms, and goes under the one with the most links (codebook order on a tie). A quote marked "use in the report" goes under the
first sub-mechanism (codebook order) it is coded with, in any direction; quotes are numbered across
the chapter in the analyst's order.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.blind_counts import blind_delta
from casecoder.analysis.chains import (
    ChainCount,
    OverviewNode,
    count_chain,
    hypothesis_overview,
    load_chain,
)
from casecoder.analysis.chains import (
    evidence as chain_evidence,
)
from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, Evidence
from casecoder.analysis.filters import to_params
from casecoder.analysis.measures import denominator_sets
from casecoder.analysis.quote_candidates import first_quotes
from casecoder.analysis.quotes import Quote, quote_bank, section_plan
from casecoder.analysis.tally import Count, blind_served, served_evidence, tally_from_evidence
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.measures import DIRECTIONS
from casecoder.models import Chain, ChainNode, Code, CodeRelation, Excerpt, Project, RelationType
from casecoder.models.report import AnalysisNote, ReportQuote

COUNTED = ("family", "system", "contradicts", "nuances")   # the measures the chapter states in words
CANDIDATES = 30                                            # the other quotes the chapter page shows per section


@dataclass(frozen=True)
class MissingQuote:
    """A mark whose excerpt is gone or whose text changed since it was marked."""
    excerpt_id: int
    preview: str


@dataclass
class SubMechanism:
    code: Code
    note: str
    counts: dict[str, Count]                               # COUNTED -> n of N with the case keys
    chains: list[tuple[Chain, ChainCount]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)      # numbered across the chapter
    candidates: list[Quote] = field(default_factory=list)  # its first other quotes, not marked (the chapter page)
    n_candidates: int = 0                                  # how many other quotes it has in all


@dataclass
class Chapter:
    project: Project
    hypothesis: Code
    number: int                                            # "Hypotese 1": its place among the hypotheses
    note: str
    N: dict[str, int]                                      # family, system, both, any
    denominator_keys: dict[str, tuple[str, ...]]
    subs: list[SubMechanism]
    overview: tuple[list[OverviewNode], list[tuple[str, str]]]
    params: list[tuple[str, str]]
    coders: tuple[str, ...]
    missing: list[MissingQuote]

    @property
    def has_evidence(self) -> bool:
        return any(c.n for s in self.subs for c in s.counts.values())

    @property
    def n_quotes(self) -> int:
        return sum(len(s.quotes) for s in self.subs)


def _ancestor_under(codes: dict[int, Code], code_id: int, top_id: int) -> int | None:
    """The child of ``top_id`` that ``code_id`` is (or is below); None outside the hypothesis.
    A loop over parents, bounded by the number of codes (no recursion over user-made depth)."""
    current: int | None = code_id
    for _ in range(len(codes) + 1):
        if current is None or current not in codes:
            return None
        parent = codes[current].parent_id
        if parent == top_id:
            return current
        current = parent
    return None


def _leads_to(session: Session, project: Project) -> list[tuple[int, int]]:
    """The codebook's leads-to arrows (source code, target code)."""
    return [(src, dst) for src, dst in session.execute(
        select(CodeRelation.source_code_id, CodeRelation.target_code_id).where(
            CodeRelation.project_id == project.id, CodeRelation.type == RelationType.LEADS_TO))]


def _chain_nodes(session: Session, project: Project) -> tuple[list[int], dict[int, list[int]]]:
    """The project's saved chains (title order) and each one's boxes (code ids in position order)."""
    chain_ids = session.scalars(select(Chain.id).where(Chain.project_id == project.id)
                                .order_by(Chain.title, Chain.id)).all()
    nodes: dict[int, list[int]] = {}
    for chain_id, code_id in session.execute(select(ChainNode.chain_id, ChainNode.code_id)
                                             .where(ChainNode.chain_id.in_(chain_ids))
                                             .order_by(ChainNode.chain_id, ChainNode.position)):
        nodes.setdefault(chain_id, []).append(code_id)
    return list(chain_ids), nodes


def _evidence_codes(codes: dict[int, Code], top_id: int, arrows: list[tuple[int, int]],
                    nodes: dict[int, list[int]]) -> set[int]:
    """The codes whose evidence the chapter's chains and overview read: every saved chain's boxes, and the
    hypothesis, its sub-mechanisms and every code their leads-to arrows reach (``hypothesis_overview``'s
    nodes: the same walk; more codes than it needs change nothing)."""
    follows: dict[int, list[int]] = {}
    for src, dst in arrows:
        follows.setdefault(src, []).append(dst)
    seen = {top_id} | {c.id for c in codes.values() if c.parent_id == top_id}
    stack = list(seen)
    while stack:
        for nxt in follows.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen | {code_id for boxes in nodes.values() for code_id in boxes}


def _belonging(codes: dict[int, Code], top_id: int, order: list[int], chain_ids: list[int],
               nodes: dict[int, list[int]], arrows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(chain, its sub-mechanism) of each saved chain that belongs to this hypothesis (see the module's doc),
    in ``chain_ids``' order; ``order``: the sub-mechanisms in codebook order. No evidence needed."""
    leads_to: dict[int, set[int]] = {}   # code -> the sub-mechanisms with a leads-to arrow to it
    for src, dst in arrows:
        if src in order:
            leads_to.setdefault(dst, set()).add(src)
    found = []
    for chain_id in chain_ids:
        boxes = nodes.get(chain_id, [])
        linked = [({_ancestor_under(codes, c, top_id)} | leads_to.get(c, set())) - {None} for c in boxes]
        if not boxes or 2 * sum(1 for hit in linked if hit) < len(boxes):
            continue   # most of its boxes belong to another hypothesis
        votes = Counter(s for hit in linked for s in hit)
        found.append((chain_id, max(order, key=lambda s: (votes[s], -order.index(s)))))
    return found


def _chains(session: Session, f: CountFilter, subs: dict[int, SubMechanism], shared: Evidence,
            belonging: list[tuple[int, int]]) -> None:
    """Attach each chain of ``belonging`` to its sub-mechanism, counted on ``shared`` (``f``'s evidence of their
    codes at least)."""
    for chain_id, owner in belonging:
        chain = load_chain(session, chain_id)
        assert chain is not None
        counted = count_chain(shared, [node.code for node in chain.nodes],   # as count_saved_chain counts it
                              [node.arrow.value for node in chain.nodes[:-1]],  # type: ignore[union-attr]
                              chain.scope.value, f.directions)
        subs[owner].chains.append((chain, counted))


def _ranks(codes: dict[int, Code], hypothesis: Code, f: CountFilter,
           subs: dict[int, SubMechanism]) -> dict[int, tuple[int, int]]:
    """Code id -> (its section's place in the hypothesis's quote bank, its sub-mechanism's place): the
    sections of ``quote_bank([hypothesis], f)`` below a sub-mechanism of the chapter, in the bank's order."""
    order = {sub_id: i for i, sub_id in enumerate(subs)}
    ranks: dict[int, tuple[int, int]] = {}
    for place, (code, _depth, _asked) in enumerate(section_plan(list(codes.values()), [hypothesis.key],
                                                              f.include_subcodes)):
        sub_id = code.id if code.id in subs else _ancestor_under(codes, code.id, hypothesis.id)
        if sub_id in order:
            ranks[code.id] = (place, order[sub_id])
    return ranks


def _quotes(session: Session, project: Project, f: CountFilter, hypothesis: Code, codes: dict[int, Code],
            subs: dict[int, SubMechanism], blind: Blindness, case_keys: dict[int, str]) -> list[MissingQuote]:
    """The marked quotes, numbered, and each sub-mechanism's first ``CANDIDATES`` other quotes with their
    number: an excerpt goes under the first sub-mechanism it is coded with, as it comes first in the
    hypothesis's quote bank; only the quotes shown are built (``quote_bank`` of those excerpts). ``case_keys``:
    ``f``'s selected cases (the evidence's)."""
    marks = list(session.scalars(select(ReportQuote).where(ReportQuote.project_id == project.id)
                                 .order_by(ReportQuote.position, ReportQuote.id)))
    texts = dict(session.execute(select(Excerpt.id, Excerpt.text).where(
        Excerpt.project_id == project.id, Excerpt.id.in_([m.excerpt_id for m in marks]))).all()) if marks else {}
    missing = [MissingQuote(m.excerpt_id, m.preview) for m in marks if not m.marks(texts.get(m.excerpt_id))]
    gone = {m.excerpt_id for m in missing}
    marked = {m.excerpt_id for m in marks}
    f = replace(f, directions=frozenset(DIRECTIONS))
    ranks = _ranks(codes, hypothesis, f, subs)
    order = list(subs)
    candidates = first_quotes(session, project, f, ranks, blind, exclude=marked, limit=CANDIDATES, case_keys=case_keys)
    shown = {excerpt_id for _, ids in candidates.values() for excerpt_id in ids}
    bank = quote_bank(session, project, [hypothesis.key], f, None, blind,
                      excerpt_ids=shown | (marked - gone), codes=list(codes.values())) if ranks else None
    placed: dict[int, tuple[int, Quote]] = {}   # excerpt -> (sub-mechanism, its quote): its first section's
    for section in bank.sections if bank else []:
        if section.code_id in ranks:
            sub_id = order[ranks[section.code_id][1]]
            for q in section.quotes:
                placed.setdefault(q.excerpt_id, (sub_id, q))
    number = 0
    by_sub: dict[int, list[Quote]] = {}
    for mark in marks:
        if mark.excerpt_id in gone or mark.excerpt_id not in placed:
            continue
        sub_id, q = placed[mark.excerpt_id]
        by_sub.setdefault(sub_id, []).append(q)
    for sub_id in subs:   # numbered in the chapter's reading order: sub-mechanism by sub-mechanism
        for q in by_sub.get(sub_id, []):
            number += 1
            subs[sub_id].quotes.append(replace(q, number=number))
    for i, (n, ids) in candidates.items():
        sub = subs[order[i]]
        sub.n_candidates = n
        sub.candidates = [placed[excerpt_id][1] for excerpt_id in ids]
    return missing


def build_chapter(session: Session, project: Project, hypothesis_key: str, f: CountFilter | None = None,
                  blind: Blindness = NOT_BLIND) -> Chapter:
    """The chapter of the top-level code ``hypothesis_key``; an unknown key raises InvalidInput. ``blind``:
    what the viewer may not see of the quotes (blind double coding); the counts are the tally's."""
    f = f or CountFilter()
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.project_id == project.id)
                                              .order_by(Code.position, Code.id))}
    hypothesis = next((c for c in codes.values() if c.key == hypothesis_key), None)
    if hypothesis is None:
        raise InvalidInput("There is no code '{key}' in this project", "code", key=hypothesis_key)
    if hypothesis.parent_id is not None:
        raise InvalidInput("'{key}' is not a hypothesis (a top-level code): choose one of {keys}", "code",
                           key=hypothesis_key, keys=", ".join(c.key for c in codes.values() if c.parent_id is None))
    chain_ids, nodes = _chain_nodes(session, project)
    arrows = _leads_to(session, project)
    sub_codes = [c for c in codes.values() if c.parent_id == hypothesis.id]
    belonging = _belonging(codes, hypothesis.id, [c.id for c in sub_codes], chain_ids, nodes, arrows)
    # its sub-mechanisms among them; the boxes of its own chains only (#25: not other hypotheses' chains)
    needed = _evidence_codes(codes, hypothesis.id, arrows, {chain_id: nodes[chain_id] for chain_id, _ in belonging})
    # f's evidence of these codes read once for the numbers, the saved chains and the overview (#25: each alone read
    # the cases, the coders and, where the tally cells do not serve f, f's whole evidence); a blind coder's:
    # everyone's evidence of these codes less what she loses, the correction of these codes only
    delta = blind_delta(session, project.id, f, needed) if blind_served(f) else None
    shared = (served_evidence(session, project.id, f, needed, delta=delta) if delta is not None
              else chain_evidence(session, project.id, f, needed))
    denominators = {name: shared.keys(cases) for name, cases in denominator_sets(shared).items()}
    notes = dict(session.execute(select(AnalysisNote.code_id, AnalysisNote.text).where(   # the ones shown only
        AnalysisNote.code_id.in_([hypothesis.id] + [c.id for c in sub_codes]))).all())
    subs = {c.id: SubMechanism(code=c, note=notes.get(c.id, ""), counts={
                m: count for m, count in tally_from_evidence(shared, c.id, f.directions).items() if m in COUNTED})
            for c in sub_codes}
    _chains(session, f, subs, shared, belonging)
    missing = _quotes(session, project, f, hypothesis, codes, subs, blind, shared.case_keys)
    same_kind = [c for c in codes.values() if c.parent_id is None and c.kind == hypothesis.kind]
    return Chapter(project=project, hypothesis=hypothesis, number=same_kind.index(hypothesis) + 1, note=notes.get(hypothesis.id, ""),
                   N={k: len(v) for k, v in denominators.items()}, denominator_keys=denominators,
                   subs=list(subs.values()), overview=hypothesis_overview(session, project, hypothesis.key, f, shared),
                   params=to_params(session, f), coders=shared.coders, missing=missing)
