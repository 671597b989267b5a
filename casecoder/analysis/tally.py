""""n of N cases" per code and perspective — the method's headline numbers (docs/counting.md).

Built on ``evidence.py`` (``measure_keys``; set algebra over ``collect`` when a source filter is set):
for each code

    family      n = cases with the code under the family perspective,  N = cases with a family source
    system      n = ... under the system perspective,                 N = cases with a system source
    both        n = cases with the code under both perspectives,      N = cases with both kinds of source
    either      n = cases with the code under either perspective,     N = all selected cases
    contradicts n = cases with contradicting evidence (any perspective), N = all selected cases
    nuances     n = cases with nuancing evidence (any perspective),      N = all selected cases

The main four use the chosen direction set (default: supports only).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Code, Project
from .evidence import (FAMILY, PERSPECTIVES, SYSTEM, CountFilter, Evidence, collect, measure_keys,
                       summary_serves)

MEASURES = ("family", "system", "both", "either", "contradicts", "nuances")
UNIT = "cases"


@dataclass(frozen=True)
class Count:
    n: int
    N: int  # noqa: N815 - the method's own letter
    case_keys: tuple[str, ...]

    @property
    def share(self) -> float | None:
        """n / N, or None when N is 0 (shown as "—", never a division by zero)."""
        return self.n / self.N if self.N else None

    def label(self) -> str:
        return f"{self.n}/{self.N}" if self.N else "—"


@dataclass(frozen=True)
class CodeTally:
    code_id: int
    key: str
    label_da: str
    label_en: str
    kind: str
    depth: int
    parent_key: str | None
    hypothesis_key: str          # the top-level code this row belongs under
    codable: bool
    counts: dict[str, Count]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_da


@dataclass
class Tally:
    project_slug: str
    codebook_name: str | None
    codebook_sha256: str | None
    filter: CountFilter
    denominators: dict[str, tuple[str, ...]]   # family, system, both, any -> case keys
    coders: tuple[str, ...]
    rows: list[CodeTally] = field(default_factory=list)
    unit: str = UNIT

    def row(self, key: str) -> CodeTally:
        return next(r for r in self.rows if r.key == key)


def tally_from_evidence(ev: Evidence, code_id: int, directions: frozenset[str]) -> dict[str, Count]:
    family = ev.cases(code_id, (FAMILY,), directions)
    system = ev.cases(code_id, (SYSTEM,), directions)
    both_n = ev.both_cases
    counts = {
        "family": (family, ev.with_source[FAMILY]),
        "system": (system, ev.with_source[SYSTEM]),
        "both": (family & system, both_n),
        "either": (family | system, ev.any_cases),
        "contradicts": (ev.cases(code_id, PERSPECTIVES, ("contradicts",)), ev.any_cases),
        "nuances": (ev.cases(code_id, PERSPECTIVES, ("nuances",)), ev.any_cases),
    }
    return {m: Count(len(n), len(N), ev.keys(n)) for m, (n, N) in counts.items()}


def _counts(den: dict[str, int], keys: dict[str, tuple[str, ...]]) -> dict[str, Count]:
    """Counts from ``evidence.measure_keys`` (the case keys per measure) and the denominators' sizes."""
    empty: tuple[str, ...] = ()
    return {m: Count(len(keys.get(m, empty)), den[m], keys.get(m, empty)) for m in MEASURES}


def compute_tally(session: Session, project: Project, f: CountFilter | None = None) -> Tally:
    """The tally of every code. Without source filters it reads ``evidence_summary`` through
    ``measure_keys`` (one row per case and code); otherwise it is set algebra over ``collect``."""
    f = f or CountFilter()
    keys = None
    if summary_serves(f):
        ev = collect(session, project.id, f, occurs=False)
        keys = measure_keys(session, project.id, f, ev.case_keys)
    if keys is None:
        ev = collect(session, project.id, f)
    columns = (Code.id, Code.parent_id, Code.key, Code.label_da, Code.label_en, Code.kind, Code.codable)
    codes = session.execute(select(*columns).where(Code.project_id == project.id)
                            .order_by(Code.position, Code.id)).all()
    children: dict[int | None, list] = {}  # type: ignore[type-arg]
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    tally = Tally(project_slug=project.slug, codebook_name=project.codebook_name,
                  codebook_sha256=project.codebook_sha256, filter=f, coders=ev.coders,
                  denominators={"family": ev.keys(ev.with_source[FAMILY]), "system": ev.keys(ev.with_source[SYSTEM]),
                                "both": ev.keys(ev.both_cases), "any": ev.keys(ev.any_cases)})
    none: dict[str, tuple[str, ...]] = {}
    den = {"family": len(ev.with_source[FAMILY]), "system": len(ev.with_source[SYSTEM]), "both": len(ev.both_cases),
           "either": len(ev.case_keys), "contradicts": len(ev.case_keys), "nuances": len(ev.case_keys)}

    def walk(parent, depth: int, top: str | None) -> None:  # type: ignore[no-untyped-def]
        for code in children.get(parent.id if parent else None, []):
            counts = (tally_from_evidence(ev, code.id, f.directions) if keys is None
                      else _counts(den, keys.get(code.id, none)))
            tally.rows.append(CodeTally(
                code_id=code.id, key=code.key, label_da=code.label_da, label_en=code.label_en, kind=code.kind.value,
                depth=depth, parent_key=parent.key if parent else None, hypothesis_key=top or code.key,
                codable=code.codable, counts=counts))
            walk(code, depth + 1, top or code.key)

    walk(None, 0, None)
    return tally
