"""Segment-level agreement: the units are the characters (or sentences) of the double-coded material;
per code, a coder's value on a unit is 1 when one of their codings of the code (or a sub-code) covers
it, 0 when they took part in the source but none does, missing when they did not take part.

Computed exactly from runs, not from a column per character: the material's sources are laid end to
end, and every start and end of a coding of the code (and, for sentences, every sentence's start and
end) cuts it into runs on which every coder's value is the same. A run of n characters is one unit of
weight n (``kappa.collapse`` / ``nominal_coefficients(weights=...)``), so the coefficients are those of
the per-character matrix while the work grows with the number of codings, not of characters. A sentence
is covered when a covered run lies inside it (its covered length, from a running sum, is above 0).
"""
from __future__ import annotations

import re
from typing import Collection, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import CountFilter, ancestor_map
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Code, Coding, Excerpt, Project, Source, User

UNITS = ("character", "sentence")
SENTENCE_RE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences (or lines) of ``text`` as [start, end) code-point spans; blank ones left out."""
    return [(mt.start(), mt.end()) for mt in SENTENCE_RE.finditer(text) if text[mt.start():mt.end()].strip()]


def segment_units(session: Session, project: Project, coders: Sequence[User], codes: Sequence[Code],
                  sources: dict[int, frozenset[int]], f: CountFilter = CountFilter(), unit: str = "character"
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per code, its units as (coders x units values, weight per unit): runs of characters weighted by
    their length, or sentences of weight 1 (``sources``: the material, source -> coders who took part)."""
    if unit not in UNITS:
        raise InvalidInput("{what} '{value}' is not one of: {allowed}", "unit", what=N_("Unit"), value=unit,
                           allowed=", ".join(UNITS))
    ids = [u.id for u in coders]
    texts = dict(session.execute(select(Source.id, Source.text).where(Source.id.in_(sources))).all())
    order = sorted(texts)
    lengths = np.array([len(texts[s]) for s in order], dtype=np.int64)
    base = np.concatenate([[0], np.cumsum(lengths)])          # where each source starts, end to end
    took = np.array([[k in sources[s] for s in order] for k in ids], dtype=bool).reshape(len(ids), len(order))
    cuts = [base]                                              # every source's start and end
    sentences = np.empty((0, 2), dtype=np.int64)
    if unit == "sentence":
        sentences = np.array([(base[i] + a, base[i] + b) for i, s in enumerate(order)
                              for a, b in sentence_spans(texts[s])], dtype=np.int64).reshape(-1, 2)
        cuts.append(sentences.ravel())
    rows = _spans(session, ids, order, f)                      # coder, source, start, end, code: one row each
    members = _members(session, project.id, codes, f)
    coder_of = np.full(max(ids) + 1, -1, dtype=np.int64)
    coder_of[ids] = np.arange(len(ids))
    source_of = np.full(max(order, default=0) + 1, -1, dtype=np.int64)
    source_of[order] = np.arange(len(order))
    out = []
    for code in codes:
        mine = rows[np.isin(rows[:, 4], members[code.id])]
        k, src = coder_of[mine[:, 0]], source_of[mine[:, 1]]
        ends = np.minimum(np.maximum(mine[:, 2:4], 0), lengths[src][:, None])   # inside the source
        ends[:, 1] = np.maximum(ends[:, 1], ends[:, 0])                       # an inverted span covers nothing
        ends += base[src][:, None]
        bounds = np.unique(np.concatenate([*cuts, ends.ravel()]))
        width = np.diff(bounds)                                # the runs: [bounds[j], bounds[j + 1])
        diff = np.zeros((len(ids), bounds.size), dtype=np.int64)
        np.add.at(diff, (k, np.searchsorted(bounds, ends[:, 0])), 1)
        np.add.at(diff, (k, np.searchsorted(bounds, ends[:, 1])), -1)
        covered = np.cumsum(diff, axis=1)[:, :-1] > 0          # coders x runs
        run_source = np.searchsorted(base, bounds[:-1], side="right") - 1
        if unit == "character":
            values = np.where(took[:, run_source], covered.astype(float), np.nan)
            keep = width > 0
            out.append((values[:, keep], width[keep]))
            continue
        inside = np.concatenate([np.zeros((len(ids), 1), dtype=np.int64),
                                 np.cumsum(covered * width, axis=1)], axis=1)   # covered characters before
        first, last = np.searchsorted(bounds, sentences[:, 0]), np.searchsorted(bounds, sentences[:, 1])
        hit = (inside[:, last] - inside[:, first]) > 0
        sentence_source = np.searchsorted(base, sentences[:, 0], side="right") - 1
        values = np.where(took[:, sentence_source], hit.astype(float), np.nan)
        out.append((values, np.ones(values.shape[1], dtype=np.int64)))
    return out


def _members(session: Session, project_id: int, codes: Sequence[Code], f: CountFilter) -> dict[int, list[int]]:
    """Chosen code -> the codes whose codings count for it: itself, and its sub-codes when asked."""
    tree = session.execute(select(Code.id, Code.parent_id).where(Code.project_id == project_id)).all()
    ancestors = ancestor_map(tree) if f.include_subcodes else {}
    members: dict[int, list[int]] = {c.id: [] for c in codes}
    for code_id, _ in tree:
        for target in (code_id, *ancestors.get(code_id, ())):
            if target in members:
                members[target].append(code_id)
    return members


def _spans(session: Session, coder_ids: Sequence[int], source_ids: Collection[int], f: CountFilter) -> np.ndarray:
    """(coder, source, start, end, code) of the coders' codings on the sources, in ``f``'s directions."""
    query = (select(Coding.coder_id, Excerpt.source_id, Excerpt.start_offset, Excerpt.end_offset, Coding.code_id)
             .join(Coding, Coding.excerpt_id == Excerpt.id)
             .where(Excerpt.source_id.in_(sorted(source_ids)), Coding.coder_id.in_(coder_ids),
                    Coding.direction.in_(sorted(f.directions))))
    result = session.connection().execute(query)   # the driver's own tuples: no row objects
    try:
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    return np.array(rows, dtype=np.int64).reshape(-1, 5)
