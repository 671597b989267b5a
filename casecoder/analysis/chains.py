"""Statement chains counted in cases, and the statement graph that suggests new chains.

A chain's nodes are codes; between consecutive nodes an arrow is *both-and* (AND) or *and/or*
(OR). AND binds tighter than OR, so ``A -both-and- B -and/or- C`` is ``(A ∧ B) ∨ C``. A node's
count and the combination's count are case sets from ``evidence`` under the chain's scope:
family, system, or pooled (either perspective) — the tally's measures family, system and either
(kernel/measures.py), with their denominators. Nothing here queries per node.
"""
from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations

import networkx as nx
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from casecoder.analysis.evidence import CountFilter, Evidence
from casecoder.analysis.measures import KEYS_SEP, denominator_cases, measure_cases, occurs_query
from casecoder.analysis.tally import case_denominators, cell_counts, cells_serve, served_cases, served_evidence
from casecoder.kernel.measures import BITS, BY_NAME, DEFAULT_DIRECTIONS, MEASURES
from casecoder.models import CaseCodeEvidence, Chain, ChainNode, Code, CodeKind, Project

SCOPE_MEASURES = {"family": "family", "system": "system", "pooled": "either"}   # scope -> the measure it counts
AND, OR = "both-and", "and-or"
_FAMILY, _SYSTEM = (MEASURES.index(BY_NAME[name]) for name in ("family", "system"))   # their place in cell_counts


@dataclass(frozen=True)
class NodeCount:
    code_id: int
    key: str
    label_da: str
    label_en: str
    kind: str
    n: int
    case_keys: tuple[str, ...]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_da


@dataclass(frozen=True)
class ChainCount:
    scope: str
    N: int
    denominator_keys: tuple[str, ...]
    nodes: list[NodeCount]
    arrows: list[str]
    formula: str
    combination_keys: tuple[str, ...]
    coders: tuple[str, ...] = ()   # whose codings were counted

    @property
    def combination_n(self) -> int:
        return len(self.combination_keys)


# ``occurs_query`` for some codes only: a chain, the statement graph and an overview need a few of the
# codebook's codes, not every row of ``case_code_evidence``
OCCURS_OF = occurs_query().where(CaseCodeEvidence.code_id.in_(bindparam("code_ids", expanding=True)))


def evidence(session: Session, project_id: int, f: CountFilter, code_ids: Collection[int] | None = None) -> Evidence:
    """``collect(f)``, with the occurrences of ``code_ids`` at least (None: every code; sub-codes rolled up):
    where ``tally_cells`` serves ``f``, read from ``case_code_evidence`` for those codes only
    (``tally.served_evidence`` reads it for every code); otherwise every code, through ``collect``."""
    if code_ids is None or not cells_serve(f):   # a blind viewer's served evidence reads only these codes too
        return served_evidence(session, project_id, f, code_ids)
    ev = served_cases(session, project_id)
    if code_ids:
        rows = session.connection().execute(OCCURS_OF, {"project_id": project_id, "code_ids": sorted(set(code_ids))})
        for code_id, *joined in rows:
            for (perspective, direction), ids in zip(BITS, joined):
                if ids:
                    ev.occurs[(code_id, perspective, direction)] = set(map(int, ids.split(KEYS_SEP)))
    return ev


def groups(arrows: list[str]) -> list[list[int]]:
    """Node indices grouped into AND-groups; the groups are ORed."""
    out = [[0]]
    for i, arrow in enumerate(arrows, start=1):
        if arrow == AND:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def formula(keys: list[str], arrows: list[str]) -> str:
    """The chain as logic with explicit parentheses, e.g. "(A ∧ B) ∨ C"."""
    parts = []
    for group in groups(arrows):
        inner = " ∧ ".join(keys[i] for i in group)
        parts.append(f"({inner})" if len(group) > 1 and len(arrows) + 1 > len(group) else inner)
    return " ∨ ".join(parts)


def combination(sets: list[frozenset[int]], arrows: list[str]) -> frozenset[int]:
    result: frozenset[int] = frozenset()
    for group in groups(arrows):
        result |= frozenset.intersection(*(sets[i] for i in group))
    return result


def denominator(ev: Evidence, scope: str) -> frozenset[int]:
    """N of the scope's measure (an unknown scope counts as pooled)."""
    return denominator_cases(ev, BY_NAME[SCOPE_MEASURES.get(scope, "either")].denominator)


def count_chain(ev: Evidence, codes: list[Code], arrows: list[str], scope: str,
                directions: frozenset[str] = DEFAULT_DIRECTIONS) -> ChainCount:
    """Count a chain of ``codes`` joined by ``arrows`` under ``scope`` on collected evidence."""
    if len(arrows) != len(codes) - 1 or any(a not in (AND, OR) for a in arrows):
        raise ValueError("a chain has one arrow (both-and or and-or) between each pair of nodes")
    sets = [measure_cases(ev, c.id, SCOPE_MEASURES[scope], directions) for c in codes]
    nodes = [NodeCount(c.id, c.key, c.label_da, c.label_en, c.kind.value, len(s), ev.keys(s))
             for c, s in zip(codes, sets)]
    den = denominator(ev, scope)
    return ChainCount(scope=scope, N=len(den), denominator_keys=ev.keys(den), nodes=nodes, arrows=list(arrows),
                      formula=formula([c.key for c in codes], arrows),
                      combination_keys=ev.keys(combination(sets, arrows)), coders=ev.coders)


def load_chain(session: Session, chain_id: int) -> Chain | None:
    return session.scalar(select(Chain).where(Chain.id == chain_id)
                          .options(selectinload(Chain.nodes).selectinload(ChainNode.code)))


def count_saved_chain(session: Session, project: Project, chain: Chain, f: CountFilter | None = None) -> ChainCount:
    """A saved chain's counts (web page, figure, report bundle)."""
    f = f or CountFilter()
    codes = [node.code for node in chain.nodes]
    arrows = [node.arrow.value for node in chain.nodes[:-1]]  # type: ignore[union-attr]
    return count_chain(evidence(session, project.id, f, [c.id for c in codes]), codes, arrows, chain.scope.value,
                       f.directions)


STATEMENT_KINDS = (CodeKind.STATEMENT, CodeKind.EVENT)
STATEMENT_CODES = select(Code).where(Code.kind.in_(STATEMENT_KINDS), Code.codable.is_(True)).order_by(Code.key)


def statement_keys(session: Session, project: Project) -> list[str]:
    """The keys of the statement graph's nodes (what a suggested chain may end at), in key order."""
    return list(session.scalars(STATEMENT_CODES.with_only_columns(Code.key).where(Code.project_id == project.id)))


class Shared(Mapping[str, frozenset[int]]):
    """An edge's ``cases``: scope -> the cases where both codes occur, each intersection made when first read
    (a graph of n statements has up to n(n-1)/2 of them; a page reads a few)."""

    def __init__(self, a: Mapping[str, frozenset[int]], b: Mapping[str, frozenset[int]]) -> None:
        self._a, self._b = a, b
        self._made: dict[str, frozenset[int]] = {}

    def __getitem__(self, scope: str) -> frozenset[int]:
        if scope not in self._made:
            self._made[scope] = self._a[scope] & self._b[scope]
        return self._made[scope]

    def __iter__(self) -> Iterator[str]:
        return iter(self._a)

    def __len__(self) -> int:
        return len(self._a)

    def __repr__(self) -> str:
        return repr(dict(self))


def statement_graph(session: Session, project: Project, f: CountFilter | None = None) -> nx.DiGraph:
    """Statement and event codes as nodes (``cases``: scope -> case ids). An edge u -> v carries
    ``cases`` (scope -> cases where both occur; co-occurrence, added both ways) and ``chains``
    (the saved chains with an arrow from u to v, as (title, arrow kind))."""
    f = f or CountFilter()
    codes = list(session.scalars(STATEMENT_CODES.where(Code.project_id == project.id)))
    ev = evidence(session, project.id, f, [c.id for c in codes])
    graph = nx.DiGraph(keys=dict(ev.case_keys))
    for code in codes:
        graph.add_node(code.key, code_id=code.id, kind=code.kind.value, label_da=code.label_da,
                       label_en=code.label_en,
                       cases={scope: measure_cases(ev, code.id, measure, f.directions)
                              for scope, measure in SCOPE_MEASURES.items()})

    cases = {key: graph.nodes[key]["cases"] for key in graph.nodes}

    def shared(a: str, b: str) -> Shared:
        return Shared(cases[a], cases[b])

    for a, b in combinations(sorted(graph.nodes), 2):
        if not cases[a]["pooled"].isdisjoint(cases[b]["pooled"]):   # cases where both occur: an edge
            both = shared(a, b)
            graph.add_edge(a, b, cases=both, chains=[])
            graph.add_edge(b, a, cases=both, chains=[])
    for chain in session.scalars(select(Chain).where(Chain.project_id == project.id).order_by(Chain.title)
                                 .options(selectinload(Chain.nodes).selectinload(ChainNode.code))):
        for node, nxt in zip(chain.nodes, chain.nodes[1:]):
            u, v = node.code.key, nxt.code.key
            if u in graph and v in graph:
                if not graph.has_edge(u, v):
                    graph.add_edge(u, v, cases=shared(u, v), chains=[])
                graph.edges[u, v]["chains"].append((chain.title, node.arrow.value))  # type: ignore[union-attr]
    return graph


@dataclass(frozen=True)
class Suggestion:
    keys: tuple[str, ...]     # the path, ending at the chosen end node
    case_keys: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.case_keys)


def suggest_chains(graph: nx.DiGraph, end: str, scope: str = "pooled", *, min_nodes: int = 2, max_nodes: int = 4,
                   limit: int = 10) -> list[Suggestion]:
    """Paths of 2-4 statement/event nodes ending at ``end``, along co-occurrence edges, ranked by the
    number of cases that have every node of the path (then shorter first, then by keys)."""
    if end not in graph:
        return []
    keys = graph.graph.get("keys", {})
    # each node's cases as the bits of an int (bit i: the i-th case id), so that the thousands of paths
    # intersect ints; the cases of the paths shown are read back from the bits
    ids = sorted(set().union(*(data["cases"][scope] for _, data in graph.nodes(data=True))))
    bit = {case_id: 1 << i for i, case_id in enumerate(ids)}
    bits = {node: sum(bit[c] for c in data["cases"][scope]) for node, data in graph.nodes(data=True)}
    # the nodes an arrow may come from: along an edge with cases where both occur
    sources = {node: [before for before in sorted(graph.predecessors(node))
                      if graph.edges[before, node]["cases"]["pooled"]] for node in graph.nodes}
    found: list[tuple[tuple[str, ...], int]] = []   # (path, its cases' bits)

    def extend(path: list[str], cases: int) -> None:
        if len(path) >= min_nodes:
            found.append((tuple(reversed(path)), cases))
        if len(path) == max_nodes:
            return
        for before in sources[path[-1]]:
            if before in path:
                continue
            shared = cases & bits[before]
            if shared:
                extend(path + [before], shared)

    def members(cases: int) -> list[int]:
        return [case_id for i, case_id in enumerate(ids) if cases >> i & 1]

    extend([end], bits[end])
    best = heapq.nsmallest(limit, found, key=lambda s: (-s[1].bit_count(), len(s[0]), s[0]))   # = sorted()[:limit]
    return [Suggestion(path, tuple(sorted(keys.get(c, str(c)) for c in members(cases)))) for path, cases in best]


@dataclass(frozen=True)
class OverviewNode:
    key: str
    label_da: str
    label_en: str
    kind: str
    family: tuple[int, int]   # (n, N)
    system: tuple[int, int]


def hypothesis_overview(session: Session, project: Project, key: str, f: CountFilter | None = None,
                        ev: Evidence | None = None) -> tuple[list[OverviewNode], list[tuple[str, str]]]:
    """The report's overview figure as data: from a hypothesis and its sub-codes along the codebook's
    ``leads_to`` relations to the outcome; each node with its family and system n/N. ``ev``: ``f``'s evidence
    of every code, if the caller has it already (the chapter page). Where ``tally_cells`` serves ``f`` the numbers
    are the tally's (``cell_counts``, ``case_denominators``): the same n and N without reading a case id (#25)."""
    from casecoder.models import CodeRelation, RelationType
    f = f or CountFilter()
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    top = next((c for c in codes.values() if c.key == key), None)
    if top is None:
        return [], []
    relations = session.execute(select(CodeRelation.source_code_id, CodeRelation.target_code_id).where(
        CodeRelation.project_id == project.id, CodeRelation.type == RelationType.LEADS_TO)).all()
    follows: dict[int, list[int]] = {}
    for src, dst in relations:
        follows.setdefault(src, []).append(dst)
    seen = {top.id} | {c.id for c in codes.values() if c.parent_id == top.id}
    queue, edges = sorted(seen), []
    while queue:
        current = queue.pop(0)
        for nxt in sorted(follows.get(current, [])):
            edges.append((codes[current].key, codes[nxt].key))
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    if ev is None and cells_serve(f):   # the numbers only: from tally_cells and case_sources, no case ids
        counts, den = cell_counts(session, project.id, f.directions), case_denominators(session, project.id)
        zero = (0,) * len(MEASURES)
        return [OverviewNode(c.key, c.label_da, c.label_en, c.kind.value,
                             (counts.get(c.id, zero)[_FAMILY], den[BY_NAME["family"].denominator]),
                             (counts.get(c.id, zero)[_SYSTEM], den[BY_NAME["system"].denominator]))
                for c in sorted((codes[i] for i in seen), key=lambda c: c.key)], sorted(set(edges))
    ev = evidence(session, project.id, f, seen) if ev is None else ev
    n_family, n_system = len(denominator(ev, "family")), len(denominator(ev, "system"))
    nodes = [OverviewNode(c.key, c.label_da, c.label_en, c.kind.value,
                          (len(measure_cases(ev, c.id, "family", f.directions)), n_family),
                          (len(measure_cases(ev, c.id, "system", f.directions)), n_system))
             for c in sorted((codes[i] for i in seen), key=lambda c: c.key)]
    return nodes, sorted(set(edges))
