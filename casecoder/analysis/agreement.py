"""Inter-coder agreement on double-coded material, at case level and at segment level.

**Material**: the sources in double coding, plus sources on which two or more of the chosen coders
have codings (e.g. from a project bundle). A coder *took part* in a source when assigned to it or
when they coded on it; elsewhere their value is missing.

**Case level** (what the method counts): per code, a coders x cases presence matrix — 1 when the
coder's own codings put the code in the case under the counting rules of ``evidence.collect``
(``CountFilter.coder_ids`` = that coder, restricted to the material, reconciliation ignored), 0 when
the coder took part in a source of the case but the code does not occur, missing otherwise.
**Segment level**: units are the characters (or sentences) of the material; per code, 1 when a
coding of the code (or a sub-code) by the coder covers the unit — computed from runs of characters
with equal values, each one unit weighted by its length (``agreement_segments.py``), so no material is
too large for it.

Coefficients (nominal): percent agreement (units on which every coder who coded it agrees, of the
units with at least two values), Cohen's kappa (exactly two coders; units both coded), Fleiss' kappa
(units every coder coded), Krippendorff's alpha (missing values allowed) — Cohen (1960), Fleiss (1971)
and Krippendorff (2011), computed with numpy in ``kappa.py`` (the formulas there) from the weighted
count of each distinct column. A coefficient is None where it does not apply or is undefined (no
variation).

**Blind double coding**: a viewer who codes some of the material blind would learn the other coders'
codings there from the figures, so those sources (``hidden``: ``double_coding.blind_source_ids``) are
left out of the material until the comparison is opened (``Agreement.hidden`` counts them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Sequence

import numpy as np
from sqlalchemy import Integer, Select, literal_column, select, union_all
from sqlalchemy.orm import Session

from casecoder.analysis.agreement_segments import UNITS as UNITS  # re-exported: the web form's choices
from casecoder.analysis.agreement_segments import segment_units
from casecoder.analysis.agreement_segments import sentence_spans as sentence_spans
from casecoder.analysis.case_presence import presence_rows
from casecoder.analysis.evidence import CountFilter, ancestor_map, selected_cases
from casecoder.analysis.kappa import (
    category_counts,
    cohen_from_units,
    collapse,
    collapse_each,
    fleiss_kappa,
    krippendorff_alpha,
)
from casecoder.analysis.sql_helpers import among, driver_rows
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import (
    Code,
    CodeKind,
    DoubleCoding,
    Project,
    Source,
    User,
    double_coding_coders,
    source_cases,
)
from casecoder.models.derived.source_coder_codings import SourceCoderCodings

LEVELS = ("case", "segment")
MIN_POSITIVE = 5
WARNINGS = {  # English templates for the warning keys ({n}: a number)
    "no_units": N_("No units were coded by two or more of the coders"),
    "few_positive": N_("Only {n} positive units: too few for a meaningful coefficient"),
    "no_variation": N_("Every unit has the same value: the chance-corrected coefficients are undefined"),
}


@dataclass(frozen=True)
class Coefficients:
    units: int                          # units with values from at least two coders
    positive: int                       # of those, units some coder marked 1 (0/1 data)
    percent_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    warnings: tuple[tuple[str, int], ...] = ()   # (key in WARNINGS, n)


@dataclass(frozen=True)
class CodeAgreement:
    key: str
    label_da: str
    label_en: str
    coefficients: Coefficients
    unit_keys: tuple[str, ...] = ()         # case keys (case level only)
    values: np.ndarray | None = field(default=None, repr=False, compare=False)  # coders x units (case level)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_da

    @property
    def matrix(self) -> tuple[tuple[float, ...], ...]:
        """Coders x units (case level only; nan = missing), as tuples: made when asked, not for every page."""
        return () if self.values is None or not self.unit_keys else tuple(tuple(r) for r in self.values.tolist())


@dataclass(frozen=True)
class Agreement:
    project_slug: str
    level: str
    unit: str
    coders: tuple[str, ...]
    codes: tuple[CodeAgreement, ...]
    pooled: Coefficients
    sources: tuple[str, ...]                # titles of the material
    directions: tuple[str, ...]
    include_subcodes: bool
    hidden: int = 0                         # sources of the material left out: the viewer codes them blind


def nominal_coefficients(data: Sequence[Sequence[float]] | np.ndarray, binary: bool = True,
                         weights: Sequence[int] | np.ndarray | None = None) -> Coefficients:
    """Coefficients for a coders x units matrix of category codes (nan = missing); ``weights``: how many
    identical units each column stands for (1 each when None), as ``kappa.collapse`` gives."""
    m = np.asarray(data, dtype=float)
    if m.ndim != 2 or m.shape[0] < 2:
        raise InvalidInput("Agreement needs at least two coders", "coders")
    m, w = collapse(m, None if weights is None else np.asarray(weights))  # the coefficients are sums over units: one column per distinct pattern
    present = ~np.isnan(m)
    keep = present.sum(axis=0) >= 2
    pairable, w = m[:, keep], w[keep]
    units = int(w.sum())
    if units == 0:
        return Coefficients(0, 0, None, None, None, None, (("no_units", 0),))
    categories = np.unique(pairable[~np.isnan(pairable)])
    varied = categories.size >= 2
    positive = int(w[(pairable == 1).any(axis=0)].sum()) if binary else units
    found: list[tuple[str, int]] = []
    if binary and positive < MIN_POSITIVE:
        found.append(("few_positive", positive))
    if not varied:
        found.append(("no_variation", 0))
    counts = category_counts(pairable, categories)
    agree = (counts > 0).sum(axis=1) == 1  # one value among the unit's coders
    percent = int(w[agree].sum()) / units
    cohen = fleiss = alpha = None
    if m.shape[0] == 2:
        cohen = cohen_from_units(pairable, w)
    complete = present[:, keep].all(axis=0)
    if complete.any() and (counts[complete] > 0).any(axis=0).sum() >= 2:  # variation among the complete units
        fleiss = fleiss_kappa(counts[complete], w[complete])
    if varied:
        alpha = krippendorff_alpha(counts, w)
    return Coefficients(units, positive, percent, cohen, fleiss, alpha, tuple(found))


def agreement_codes(session: Session, project: Project, keys: Sequence[str] = (),
                    hypothesis: str | None = None) -> list[Code]:
    """The codes asked for; else every codable code of ``hypothesis`` (it and below); else of the project."""
    rows = list(session.scalars(select(Code).where(Code.project_id == project.id).order_by(Code.position, Code.id)))
    children: dict[int | None, list[Code]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    codes: list[Code] = []
    todo = list(reversed(children.get(None, [])))
    while todo:  # codebook order: each code followed by its sub-codes
        codes.append(todo.pop())
        todo.extend(reversed(children.get(codes[-1].id, [])))
    by_key = {c.key: c for c in codes}
    if keys:
        for key in keys:
            if key not in by_key:
                raise InvalidInput("There is no code '{key}' in this project", "codes", key=key)
        return [by_key[k] for k in dict.fromkeys(keys)]
    if hypothesis:
        if hypothesis not in by_key:
            raise InvalidInput("There is no code '{key}' in this project", "codes", key=hypothesis)
        ancestors = ancestor_map((c.id, c.parent_id) for c in codes)
        top = by_key[hypothesis].id
        codes = [c for c in codes if c.id == top or top in ancestors[c.id]]
    return [c for c in codes if c.codable and not c.archived]


def hypotheses(session: Session, project_id: int) -> list[Code]:
    """The project's codes of kind hypothesis in codebook order (the agreement form's choices)."""
    return list(session.scalars(select(Code).where(Code.project_id == project_id, Code.kind == CodeKind.HYPOTHESIS)
                                .order_by(Code.position, Code.id)))


def coder_users(session: Session, names: Sequence[str]) -> list[User]:
    names = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if len(names) < 2:
        raise InvalidInput("Choose at least two coders", "coders")
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
    for name in names:
        if name not in users:
            raise InvalidInput("There is no user named '{username}'", "coder", username=name)
    return [users[n] for n in names]


def material(session: Session, project_id: int, coder_ids: Sequence[int],
             hidden: Collection[int] = ()) -> dict[int, frozenset[int]]:
    """Source id -> the chosen coders who took part in it, for every source of the material (less
    ``hidden``: the sources the viewer codes blind).

    One query (three parts): the marked sources, their chosen coders, the chosen coders' (source, coder) pairs
    (``source_coder_codings``). A source not marked is material when two chosen coders coded on it, which makes it
    double-coded (``double_coded_source_ids``) without asking."""
    chosen = set(coder_ids)
    D, A = DoubleCoding, double_coding_coders
    parts = [select(D.source_id, literal_column("0", Integer), literal_column("0", Integer))
             .where(D.project_id == project_id)]
    if chosen:
        parts += [select(D.source_id, A.c.user_id, literal_column("1", Integer)).join(A, A.c.assignment_id == D.id)
                  .where(D.project_id == project_id, A.c.user_id.in_(chosen)),
                  _coded_sources(session, project_id, chosen)]
    rows = driver_rows(session, union_all(*parts))    # (source, coder, 0 marked | 1 assigned | 2 coded on it)
    marked = {s for s, _, part in rows if part == 0}
    took_part: dict[int, set[int]] = {s: set() for s in marked}
    for source_id, coder_id, part in rows:
        if part:
            took_part.setdefault(source_id, set()).add(coder_id)
    return {s: frozenset(c) for s, c in took_part.items()
            if c and (s in marked or len(c) >= 2) and s not in hidden}


def _coded_sources(session: Session, project_id: int, coder_ids: Collection[int]) -> Select[int, int, int]:
    """The (source, coder) pairs of the coders' codings in the project: the rows of ``source_coder_codings``
    (kept by triggers, only where a coder has codings), one index range per coder."""
    T = SourceCoderCodings
    return select(T.source_id, T.user_id, literal_column("2", Integer)).where(T.project_id == project_id,
                                                                    T.user_id.in_(coder_ids), T.codings > 0)


def case_level(session: Session, project: Project, coders: Sequence[User], codes: Sequence[Code],
               f: CountFilter = CountFilter(), hidden: Collection[int] = (),
               sources: dict[int, frozenset[int]] | None = None) -> tuple[list[CodeAgreement], np.ndarray]:
    """Per code, the coders x cases presence matrix and its coefficients; also the pooled matrix
    (``sources``: the ``material`` when the caller has it)."""
    keys, matrices = case_matrices(session, project, coders, codes, f, hidden, sources)
    collapsed = collapse_each(matrices) if len(codes) and len(keys) else None  # every code's columns at once
    coefficients = [nominal_coefficients(m) for m in matrices] if collapsed is None else \
        [nominal_coefficients(m, weights=w) for m, w in collapsed]
    out = [CodeAgreement(code.key, code.label_da, code.label_en, c, keys, m)
           for code, c, m in zip(codes, coefficients, matrices)]
    return out, matrices.transpose(1, 0, 2).reshape(len(coders), len(codes) * len(keys))


def case_matrices(session: Session, project: Project, coders: Sequence[User], codes: Sequence[Code],
                  f: CountFilter = CountFilter(), hidden: Collection[int] = (),
                  sources: dict[int, frozenset[int]] | None = None) -> tuple[tuple[str, ...], np.ndarray]:
    """The case keys (the units, by key) and the codes x coders x cases presence array: 1 when the coder's
    codings put the code in the case, 0 when the coder took part in a source of the case but the code does
    not occur, nan otherwise.

    One query gives the (code, case, coder) of the chosen coders' codings on the material
    (``case_presence.presence_rows``: the counting rules of ``evidence.collect`` for one coder, reconciliation ignored:
    direction, source and case filters); numpy marks them in a coders x codes x cases array and rolls the
    sub-codes up to the chosen codes with one matrix product."""
    ids = [u.id for u in coders]
    sources = material(session, project.id, ids, hidden) if sources is None else sources
    if not sources:
        return (), np.empty((len(codes), len(ids), 0))
    selected = {case_id: key for case_id, key, _ in session.execute(selected_cases(session, project.id, f))}
    cases_of: dict[int, set[int]] = {}   # case -> the chosen coders who took part in a source of it
    for source_id, case_id in session.execute(select(source_cases.c.source_id, source_cases.c.case_id)
                                              .where(among(session, source_cases.c.source_id, sources))):
        if case_id in selected:
            cases_of.setdefault(case_id, set()).update(sources[source_id])
    unit_ids = sorted(cases_of, key=lambda c: selected[c])
    unit_of = {case_id: j for j, case_id in enumerate(unit_ids)}
    coder_of = {k: i for i, k in enumerate(ids)}
    took_part = np.zeros((len(ids), len(unit_ids)), dtype=bool)
    for case_id, who in cases_of.items():
        took_part[[coder_of[k] for k in who], unit_of[case_id]] = True
    # the code tree: which project codes count for each chosen code (itself, and its sub-codes if asked)
    tree = session.execute(select(Code.id, Code.parent_id).where(Code.project_id == project.id)).all()
    code_of = {code_id: n for n, (code_id, _) in enumerate(tree)}
    counts_for = np.zeros((len(codes), len(tree)), dtype=np.float64)
    position = {c.id: n for n, c in enumerate(codes)}
    ancestors = ancestor_map(tree) if f.include_subcodes else {}
    for code_id, n in code_of.items():
        for target in (code_id, *ancestors.get(code_id, ())):
            if target in position:
                counts_for[position[target], n] = 1.0
    found = np.zeros((len(ids), len(tree), len(unit_ids)), dtype=np.float64)
    code_ids, case_ids, coder_ids = presence_rows(session, sorted(sources), ids, f, max(code_of, default=0),
                                                   max(unit_of, default=0))
    code_at, unit_at = _lookup(code_of), _lookup(unit_of)
    keep = (code_ids < code_at.size) & (case_ids < unit_at.size)
    code_ix, unit_ix = code_at[code_ids[keep]], unit_at[case_ids[keep]]
    coder_ix = _lookup(coder_of)[coder_ids[keep]]
    keep = (code_ix >= 0) & (unit_ix >= 0) & (coder_ix >= 0)
    found[coder_ix[keep], code_ix[keep], unit_ix[keep]] = 1.0
    present = np.einsum("cx,kxu->cku", counts_for, found) > 0    # codes x coders x cases
    return tuple(selected[c] for c in unit_ids), np.where(took_part[None, :, :], present.astype(float), np.nan)


def _lookup(index: dict[int, int]) -> np.ndarray:
    """An array mapping each id of ``index`` to its position (-1 for every other id up to the largest)."""
    at = np.full(max(index, default=-1) + 1, -1, dtype=np.int64)
    at[list(index)] = list(index.values())
    return at


def segment_level(session: Session, project: Project, coders: Sequence[User], codes: Sequence[Code],
                  f: CountFilter = CountFilter(), unit: str = "character", hidden: Collection[int] = (),
                  sources: dict[int, frozenset[int]] | None = None
                  ) -> tuple[list[CodeAgreement], np.ndarray, np.ndarray]:
    """Per code, the coefficients over the characters (or sentences) of the material, from runs of equal
    values (``agreement_segments``); also the pooled units and their weights (``sources``: the
    ``material`` when the caller has it)."""
    ids = [u.id for u in coders]
    sources = material(session, project.id, ids, hidden) if sources is None else sources
    units = segment_units(session, project, coders, codes, sources, f, unit)
    rows = [CodeAgreement(code.key, code.label_da, code.label_en, nominal_coefficients(m, weights=w))
            for code, (m, w) in zip(codes, units)]
    pooled = [collapse(m, w) for m, w in units]   # each code's distinct columns: the pooled matrix stays small
    if not pooled:
        return rows, np.empty((len(ids), 0)), np.empty(0, dtype=np.int64)
    return rows, np.hstack([m for m, _ in pooled]), np.concatenate([w for _, w in pooled])


def compute_agreement(session: Session, project: Project, coder_names: Sequence[str], code_keys: Sequence[str] = (),
                      hypothesis: str | None = None, level: str = "case", unit: str = "character",
                      f: CountFilter = CountFilter(), hidden: Collection[int] = ()) -> Agreement:
    """Agreement of the named coders on the chosen codes, per code and pooled; ``hidden``: sources
    the viewer codes blind, left out of the material."""
    if level not in LEVELS:
        raise InvalidInput("{what} '{value}' is not one of: {allowed}", "level", what=N_("Level"), value=level,
                           allowed=", ".join(LEVELS))
    coders = coder_users(session, coder_names)
    codes = agreement_codes(session, project, code_keys, hypothesis)
    if not codes:
        raise InvalidInput("Choose at least one codable code", "codes")
    ids = [u.id for u in coders]
    everything = material(session, project.id, ids)
    sources = {s: c for s, c in everything.items() if s not in hidden}
    weights = None
    if level == "case":
        rows, pooled = case_level(session, project, coders, codes, f, hidden, sources)
    else:
        rows, pooled, weights = segment_level(session, project, coders, codes, f, unit, hidden, sources)
    titles = session.scalars(select(Source.title).where(among(session, Source.id, sources)).order_by(Source.title))
    left_out = len(everything) - len(sources)
    return Agreement(project.slug, level, unit if level == "segment" else "case", tuple(u.username for u in coders),
                     tuple(rows), nominal_coefficients(pooled, weights=weights), tuple(titles), tuple(sorted(f.directions)),
                     f.include_subcodes, left_out)
