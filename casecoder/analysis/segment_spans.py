"""The chosen coders' coded spans on the segment-level agreement's material (``agreement_segments.py``),
kept per process under each (source, coder)'s version.

The spans come from ``source_coder_spans`` (kept by triggers: one primary-key range per source and coder);
reading the ~85,000 rows of two coders on the large project's material took ~25 ms on SQLite and ~33 ms of
server time on PostgreSQL, most of the page. ``source_coder_span_versions`` holds a random version per
(source, coder) that its triggers replace whenever one of the pair's rows changes (migration 0034): the
versions are read first (one row per pair), and only the pairs whose version this process has not kept
are read from ``source_coder_spans`` (all of them the first time). Read in that order, a pair's kept spans
are never older than its version: a write committed between the two reads gives the pair a new version,
which the next request sees and reads again.
"""
from __future__ import annotations

import math
from typing import Collection, Sequence

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Text, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from casecoder.analysis.agreement_sql import among, driver_rows
from casecoder.analysis.evidence import CountFilter
from casecoder.models import Code
from casecoder.models.derived.source_coder_spans import SourceCoderSpans, SourceCoderSpanVersions

PACKED = 2 ** 62  # a coding's five numbers packed into one integer below this (``_read``); plain rows above
MAX_KEPT_SPANS = 1_000_000  # spans a process keeps (24 MB; the large project has 292,000); all forgotten when more come
# (database, source, coder) -> the pair's version, the directions and the offsets' cap they were read with,
# and their (code, start, end) rows
_KEPT: dict[tuple[str, int, int], tuple[int, tuple[str, ...], int, np.ndarray]] = {}
_COUNT = [0]  # the spans in _KEPT


def coded_spans(session: Session, coder_ids: Sequence[int], source_ids: Collection[int], f: CountFilter,
                longest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The coders' coded spans on the sources in ``f``'s directions: coder, source, (start, end) as n x 2
    with offsets cut at ``longest`` (the longest source's length), code (repeats allowed), grouped by
    (source, coder)."""
    V = SourceCoderSpanVersions
    database = session.connection().engine.url.render_as_string()
    directions = tuple(sorted(f.directions))
    versions = driver_rows(session, select(V.source_id, V.coder_id, V.version)
                           .where(among(session, V.source_id, source_ids), V.coder_id.in_(coder_ids)))
    found: dict[tuple[int, int], np.ndarray] = {}
    missing: dict[tuple[int, int], int] = {}
    for s, k, version in versions:
        kept = _KEPT.get((database, s, k))
        if kept is not None and kept[0] == version and kept[1] == directions and kept[2] == longest:
            found[(s, k)] = kept[3]
        else:
            missing[(s, k)] = version
    if missing:
        read = _read(session, sorted({k for _, k in missing}), sorted({s for s, _ in missing}), f, longest)
        if _COUNT[0] + len(read[0]) > MAX_KEPT_SPANS:
            _KEPT.clear()
            _COUNT[0] = 0
        for pair, rows in _by_pair(*read, missing).items():
            found[pair] = rows
            before = _KEPT.get((database, *pair))
            _KEPT[(database, *pair)] = (missing[pair], directions, longest, rows)
            _COUNT[0] += len(rows) - (0 if before is None else len(before[3]))
    pairs = list(found.items())
    sizes = np.array([len(rows) for _, rows in pairs], dtype=np.int64)
    rows = np.concatenate([rows for _, rows in pairs] or [np.empty((0, 3), dtype=np.int64)])
    source = np.repeat(np.array([s for (s, _), _ in pairs], dtype=np.int64), sizes)
    coder = np.repeat(np.array([k for (_, k), _ in pairs], dtype=np.int64), sizes)
    return coder, source, rows[:, 1:3], rows[:, 0]


def _by_pair(coder: np.ndarray, source: np.ndarray, spans: np.ndarray, code: np.ndarray,
             pairs: Collection[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
    """The rows read, (code, start, end) n x 3 per (source, coder) of ``pairs`` (every one of them, empty
    when none was read; the rows of other pairs left out)."""
    out = {pair: np.empty((0, 3), dtype=np.int64) for pair in pairs}
    if not coder.size:
        return out
    radix = int(coder.max()) + 1
    key = source * radix + coder
    order = np.argsort(key, kind="stable")
    key = key[order]
    rows = np.column_stack([code, spans])[order]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    for first, end in zip(starts.tolist(), [*starts[1:].tolist(), key.size]):
        pair = divmod(int(key[first]), radix)
        if pair in out:
            out[pair] = rows[first:end].copy()  # not a view: kept alone, without the rest of what was read
    return out


def _read(session: Session, coder_ids: Sequence[int], source_ids: Collection[int], f: CountFilter,
          longest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``coded_spans`` from ``source_coder_spans`` itself (one primary-key range per source and coder, from
    the index alone). Each row comes packed in one integer and all of them in one string the database joins
    (``group_concat``/``string_agg``), parsed by numpy: fetching ~85,000 rows as Python tuples took twice
    the reading (large project). Plain rows when the numbers do not fit in 62 bits."""
    T = SourceCoderSpans
    ids = sorted(source_ids)
    postgres = session.connection().dialect.name == "postgresql"
    conditions = (among(session, T.source_id, ids), T.coder_id.in_(coder_ids), T.direction.in_(sorted(f.directions)))
    top = session.execute(select(func.max(Code.id))).scalar() or 0
    radix = [top + 1, max(coder_ids) + 1, max(ids, default=0) + 1, longest + 1, longest + 1]
    if math.prod(radix) >= PACKED:
        query = select(T.coder_id, T.source_id, case((T.start_offset > longest, longest), else_=T.start_offset),
                       case((T.end_offset > longest, longest), else_=T.end_offset), T.code_id).where(*conditions)
        rows = np.array(session.execute(query).all(), dtype=np.int64).reshape(-1, 5)
        return rows[:, 0], rows[:, 1], rows[:, 2:4], rows[:, 4]
    packed: ColumnElement[int] = cast(T.code_id, BigInteger)
    for radix_of, column in zip(radix[1:], (T.coder_id, T.source_id,
                                            case((T.start_offset > longest, longest), else_=T.start_offset),
                                            case((T.end_offset > longest, longest), else_=T.end_offset))):
        packed = packed * radix_of + column
    if postgres:
        joined = func.string_agg(cast(packed, Text), literal_column("','"))
    else:
        joined = func.group_concat(packed)
    text = session.execute(select(joined).where(*conditions)).scalar()
    values = np.fromstring(text, dtype=np.int64, sep=",") if text else np.empty(0, dtype=np.int64)
    parts = []
    for radix_of in reversed(radix[1:]):
        values, part = np.divmod(values, radix_of)
        parts.append(part)
    end, start, source, coder = parts
    return coder, source, np.stack([start, end], axis=1), values
