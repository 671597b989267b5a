"""Co-occurrence of codes in cases: for each pair, in how many cases both occur, per perspective.

"family": both codes occur under the family perspective of the case; "system" likewise;
"either": both occur in the case, each under any perspective — each scope is the tally's measure of
the same name (kernel/measures.py) for both codes.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import FAMILY, SYSTEM, CountFilter
from casecoder.analysis.measures import measure_cases
from casecoder.analysis.tally import served_evidence
from casecoder.models import Code, Project

SCOPES = {"family": "family", "system": "system", "either": "either"}   # scope -> the measure it counts


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    cases: dict[str, tuple[str, ...]]   # scope -> case keys where both occur


@dataclass
class Cooccurrence:
    codes: list[Code]
    node_cases: dict[str, dict[str, tuple[str, ...]]]   # code key -> scope -> case keys
    pairs: list[Pair]
    denominators: dict[str, int]
    coders: tuple[str, ...]


def cooccurrence(session: Session, project: Project, keys: list[str], f: CountFilter | None = None) -> Cooccurrence:
    f = f or CountFilter()
    codes = list(session.scalars(select(Code).where(Code.project_id == project.id, Code.key.in_(keys))
                                 .order_by(Code.position, Code.id)))
    ev = served_evidence(session, project.id, f, [c.id for c in codes])  # case_code_evidence where it serves f
    sets = {c.key: {scope: measure_cases(ev, c.id, measure, f.directions) for scope, measure in SCOPES.items()}
            for c in codes}
    pairs = [Pair(a.key, b.key, {scope: ev.keys(sets[a.key][scope] & sets[b.key][scope]) for scope in SCOPES})
             for a, b in combinations(codes, 2)]
    return Cooccurrence(codes, {k: {s: ev.keys(v) for s, v in per.items()} for k, per in sets.items()}, pairs,
                        denominators={"family": len(ev.with_source[FAMILY]), "system": len(ev.with_source[SYSTEM]),
                                      "any": len(ev.case_keys)}, coders=ev.coders)
