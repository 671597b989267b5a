"""Segment-level agreement: the units are the characters (or sentences) of the double-coded material;
per code, a coder's value on a unit is 1 when one of their codings of the code (or a sub-code) covers
it, 0 when they took part in the source but none does, missing when they did not take part.

Computed exactly from runs, not from a column per character: the material's sources are laid end to
end, and every start and end of a coding of the code cuts it into runs on which every coder's value is
the same. A run of n characters is one unit of weight n (``kappa.collapse`` /
``nominal_coefficients(weights=...)``), so the coefficients are those of the per-character matrix while
the work grows with the number of codings, not of characters. Characters: one sweep over every code's
starts and ends at once gives the covered runs; what no coder covers in a source is one unit per code and
source. Sentences: per code, every sentence's start and end cut the runs too, and a sentence is covered
when a covered run lies inside it (its covered length, from a running sum, is above 0).
"""
from __future__ import annotations

import re
from typing import Any, Collection, Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import CountFilter, ancestor_map
from casecoder.analysis.segment_spans import coded_spans
from casecoder.analysis.sql_helpers import among
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Code, Project, Source, User

UNITS = ("character", "sentence")
SENTENCE_RE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")
MAX_KEPT, MAX_KEPT_SENTENCES = 100_000, 1_000_000  # sources and sentences a process keeps (``_texts``)
_KEPT: dict[tuple[int, int | None], tuple[int, np.ndarray | None]] = {}  # (source, text version) -> length, sentences
_ROWS = [0]  # the sentences in _KEPT


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
    found = _texts(session, sources, unit == "sentence")
    order = sorted(found)
    lengths = np.array([found[s][0] for s in order], dtype=np.int64)
    base = np.concatenate([[0], np.cumsum(lengths)])          # where each source starts, end to end
    took = np.array([[k in sources[s] for s in order] for k in ids], dtype=bool).reshape(len(ids), len(order))
    coder, source, spans, code = coded_spans(session, ids, order, f, int(lengths.max(initial=0)))
    coder_of = np.full(max(ids) + 1, -1, dtype=np.int64)
    coder_of[ids] = np.arange(len(ids))
    source_of = np.full(max(order, default=0) + 1, -1, dtype=np.int64)
    source_of[order] = np.arange(len(order))
    k, src = coder_of[coder], source_of[source]
    ends = np.minimum(np.maximum(spans, 0), lengths[src][:, None])   # inside the source
    ends[:, 1] = np.maximum(ends[:, 1], ends[:, 0])                 # an inverted span covers nothing
    ends += base[src][:, None]
    target, row = _targets(code, _members(session, project.id, codes, f), codes)   # (chosen code, coding) pairs
    runs = _covered_runs(k[row], ends[row], target, took.shape[0], int(base[-1]) + 1)
    if unit == "character":
        return _character_units(*runs, len(codes), took, lengths, base)
    sentences = np.concatenate([np.empty((0, 2), dtype=np.int64)]
                               + [found[s][1] + base[i] for i, s in enumerate(order)])
    return _sentence_units(*runs, len(codes), took, base, sentences)


def _covered_runs(k: np.ndarray, ends: np.ndarray, target: np.ndarray, n_coders: int, span: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every code's runs that some coder covers, in (code, position) order: chosen code index, start on
    the sources laid end to end, width, coders x runs coverage (bool). From the codings' coder index
    ``k``, [start, end) ``ends`` and chosen code index ``target``.

    Each span's start (+1) and end (-1), keyed by (code, position, coder), in one sort; each coder's
    running sum is their coverage of the run from an event to the next (0 again after each code's last
    event). The spans are cut at their source's end, so a covered run lies inside one source."""
    keep = ends[:, 1] > ends[:, 0]                                  # an empty span covers nothing
    k, ends, target = k[keep], ends[keep], target[keep]
    head = target * span * n_coders + k
    events = np.concatenate([(head + ends[:, 0] * n_coders) * 2 + 1, (head + ends[:, 1] * n_coders) * 2])
    events.sort()
    at, low = np.divmod(events, 2 * n_coders)                       # at: code * span + position
    step = np.zeros((n_coders, events.size), dtype=np.int32)        # +1 at a coder's start, -1 at an end
    step[low >> 1, np.arange(events.size)] = (low & 1) * 2 - 1
    coverage = np.cumsum(step, axis=1, dtype=np.int32) > 0
    width = np.diff(at)
    runs = np.flatnonzero((width > 0) & coverage[:, :-1].any(axis=0))
    code_of, position = np.divmod(at[runs], span)
    return code_of, position, width[runs], coverage[:, runs]


def _few(n_coders: int, units: int) -> bool:
    """Few enough coders to count every code's columns by their base-3 keys (as ``kappa.collapse``)."""
    return bool(3 ** n_coders <= 4 * units + 64)


def _collapsed(keys: np.ndarray, weights: np.ndarray, n_codes: int, n_coders: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per code, the distinct columns and their summed weights (``kappa.collapse``'s, in its order) from
    each unit's code index times 3 ** coders plus its column's base-3 key (0, 1, nan as 0, 1, 2)."""
    return _columns(np.bincount(keys, weights=weights, minlength=n_codes * 3 ** n_coders), n_codes, n_coders)


def _columns(summed: np.ndarray, n_codes: int, n_coders: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per code, the base-3 keys with a weight above 0 as columns (nan for 2) and their weights, from the
    summed weight of every (code, key) at code index times 3 ** coders plus the key."""
    radix = 3 ** np.arange(n_coders, dtype=np.int64)
    summed = summed.round().astype(np.int64).reshape(n_codes, 3 ** n_coders)
    out = []
    for mine in summed:
        present = np.flatnonzero(mine > 0)
        digits = (present[None, :] // radix[:, None]) % 3
        out.append((np.where(digits == 2, np.nan, digits.astype(float)), mine[present]))
    return out


def _sentence_units(code_of: np.ndarray, position: np.ndarray, width: np.ndarray, coverage: np.ndarray,
                    n_codes: int, took: np.ndarray, base: np.ndarray, sentences: np.ndarray
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per code, the sentences as units: a coder's value is 1 on a sentence that one of their covered
    runs overlaps (the sentences a run overlaps are a range).

    With few coders, counted without a column per sentence: every code starts from the sentences' keys
    when nobody covers them (0 where the coder took part, nan elsewhere); each (code, coder, sentence) a
    covered run reaches turns that coder's 0 into a 1 on that sentence's key. Else a running sum per code
    and coder marks the ranges."""
    n_coders, n = took.shape[0], len(sentences)
    sentence_source = np.searchsorted(base, sentences[:, 0], side="right") - 1
    first = np.searchsorted(sentences[:, 1], position, side="right")   # the first sentence ending after the start
    last = np.searchsorted(sentences[:, 0], position + width, side="left")   # past the last starting before the end
    took_part = took[:, sentence_source]                                # coders x sentences
    if _few(n_coders, n):
        radix, size = 3 ** np.arange(n_coders, dtype=np.int64), 3 ** n_coders
        blank = radix @ np.where(took_part, 0, 2)                       # each sentence's key with nothing covered
        who, run = np.nonzero(coverage)                                 # (coder, run) pairs
        count = last[run] - first[run]                                  # the sentences each reaches
        of = np.repeat(np.arange(who.size), count)
        sentence = np.arange(of.size) - np.repeat(np.cumsum(count) - count, count) + first[run][of]
        coder, code = who[of], code_of[run][of]
        reached = took_part[coder, sentence]
        marks = np.unique((code[reached] * n_coders + coder[reached]) * n + sentence[reached])   # each once
        rest, sentence = np.divmod(marks, n)
        code, coder = np.divmod(rest, n_coders)
        pairs, at = np.unique(code * n + sentence, return_inverse=True)   # (code, sentence) reached
        before = (pairs // n) * size + blank[pairs % n]
        after = before + np.bincount(at.ravel(), weights=radix[coder], minlength=pairs.size).astype(np.int64)
        summed = (np.tile(np.bincount(blank, minlength=size), n_codes)
                  - np.bincount(before, minlength=n_codes * size) + np.bincount(after, minlength=n_codes * size))
        return _columns(summed.astype(float), n_codes, n_coders)
    cut = np.searchsorted(code_of, np.arange(n_codes + 1))
    who = np.arange(n_coders)[:, None] * (n + 1)
    out = []
    for t in range(n_codes):
        c = coverage[:, cut[t]:cut[t + 1]]
        lo, hi = np.broadcast_to(first[cut[t]:cut[t + 1]], c.shape), np.broadcast_to(last[cut[t]:cut[t + 1]], c.shape)
        marks = np.bincount(np.concatenate([(who + lo)[c], (who + hi)[c]]),
                            weights=np.concatenate([np.ones(c.sum()), -np.ones(c.sum())]),
                            minlength=n_coders * (n + 1)).reshape(n_coders, n + 1)
        hit = np.cumsum(marks, axis=1)[:, :n] > 0.5
        out.append((np.where(took_part, hit.astype(float), np.nan), np.ones(n, dtype=np.int64)))
    return out


def _character_units(code_of: np.ndarray, position: np.ndarray, width: np.ndarray, coverage: np.ndarray,
                     n_codes: int, took: np.ndarray, lengths: np.ndarray, base: np.ndarray
                     ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per code, the characters as units (values, weights): the covered runs, and the rest of each
    source, which no coder covers, as one unit per code and source. With few coders the units come
    collapsed (``kappa.collapse``'s distinct columns and summed weights), else as runs."""
    n_coders, n_sources = took.shape
    source_of = np.searchsorted(base, position, side="right") - 1
    covered = np.bincount(code_of * n_sources + source_of, weights=width,
                          minlength=n_codes * n_sources).round().astype(np.int64).reshape(n_codes, n_sources)
    rest = lengths[None, :] - covered                               # per code and source: covered by no coder
    if _few(n_coders, width.size + n_sources):                      # each code's distinct columns
        radix = 3 ** np.arange(n_coders, dtype=np.int64)
        blank = radix @ np.where(took, 0, 2)                        # per source: 0 if the coder took part, else nan
        keys = np.concatenate([code_of * 3 ** n_coders + radix @ np.where(took[:, source_of], coverage, 2),
                               (np.arange(n_codes)[:, None] * 3 ** n_coders + blank[None, :]).ravel()])
        return _collapsed(keys, np.concatenate([width, rest.ravel()]), n_codes, n_coders)
    values = np.where(took[:, source_of], coverage.astype(float), np.nan)
    blank_values = np.where(took, 0.0, np.nan)
    cut = np.searchsorted(code_of, np.arange(n_codes + 1))
    out = []
    for t in range(n_codes):
        left = np.flatnonzero(rest[t] > 0)
        out.append((np.hstack([values[:, cut[t]:cut[t + 1]], blank_values[:, left]]),
                    np.concatenate([width[cut[t]:cut[t + 1]], rest[t, left]])))
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


def _targets(code: np.ndarray, members: dict[int, list[int]], codes: Sequence[Code]) -> tuple[np.ndarray, np.ndarray]:
    """Every (chosen code index, coding index) pair where the coding's ``code`` counts for the chosen code."""
    pairs = np.array([(m, t) for t, c in enumerate(codes) for m in members[c.id]], dtype=np.int64).reshape(-1, 2)
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    low, high = np.searchsorted(pairs[:, 0], code, "left"), np.searchsorted(pairs[:, 0], code, "right")
    row = np.repeat(np.arange(code.size), high - low)
    first = np.repeat(low - np.concatenate([[0], np.cumsum(high - low)[:-1]]), high - low)
    return pairs[np.arange(row.size) + first, 1], row


def _texts(session: Session, ids: Collection[int], sentences: bool) -> dict[int, tuple[int, np.ndarray | None]]:
    """Source id -> the length of its text and, when asked, its sentences (``sentence_spans`` as an n x 2
    array), kept per process under ``sources.text_version`` (a trigger replaces it whenever the text
    changes, as ``coding/text_cache.py`` relies on): PostgreSQL decompressed the material's 8 million
    characters for their lengths (~50 ms of server time), and finding 100,000 sentences took ~0.4 s."""
    postgres = session.connection().dialect.name == "postgresql"
    found: dict[int, tuple[int, np.ndarray | None]] = {}
    versions = session.execute(select(Source.id, Source.text_version).where(among(session, Source.id, ids))).all()
    for s, v in versions:
        kept = _KEPT.get((s, v))
        if kept is not None and (kept[1] is not None or not sentences):
            found[s] = kept
    missing = [s for s, _ in versions if s not in found]
    if not missing:
        return found
    # read with the version of the same row (SQLite's length() would stop at a NUL)
    column: Any = func.char_length(Source.text) if postgres and not sentences else Source.text
    for s, v, value in session.execute(select(Source.id, Source.text_version, column)
                                       .where(among(session, Source.id, missing))).all():
        if isinstance(value, str):
            found[s] = (len(value), np.array(sentence_spans(value), dtype=np.int64).reshape(-1, 2) if sentences else None)
        else:
            found[s] = (int(value), None)
        if v is not None:
            if len(_KEPT) >= MAX_KEPT or _ROWS[0] >= MAX_KEPT_SENTENCES:
                _KEPT.clear()
                _ROWS[0] = 0
            _KEPT[(s, v)] = found[s]
            _ROWS[0] += 0 if found[s][1] is None else len(found[s][1])  # type: ignore[arg-type]
    return found
