"""The chosen coders' coded spans on the segment-level agreement's material (``agreement_segments.py``),
kept per process under each (source, coder)'s version (``pair_cache.py``).

The spans come from ``source_coder_spans`` (kept by triggers: one primary-key range per source and coder);
reading the ~85,000 rows of two coders on the large project's material took ~25 ms on SQLite and ~33 ms of
server time on PostgreSQL, most of the page; kept, only the pairs whose version changed are read again.
"""
from __future__ import annotations

import math
from typing import Collection, Sequence

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Text, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.pair_cache import kept_rows
from casecoder.analysis.sql_helpers import among
from casecoder.models import Code
from casecoder.models.derived.source_coder_spans import SourceCoderSpans

PACKED = 2 ** 62  # a coding's five numbers packed into one integer below this (``_read``); plain rows above


def coded_spans(session: Session, coder_ids: Sequence[int], source_ids: Collection[int], f: CountFilter,
                longest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The coders' coded spans on the sources in ``f``'s directions: coder, source, (start, end) as n x 2
    with offsets cut at ``longest`` (the longest source's length), code (repeats allowed), grouped by
    (source, coder)."""
    def read(sources: Sequence[int], coders: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        coder, source, spans, code = _read(session, coders, sources, f, longest)
        return source, coder, np.column_stack([code, spans])

    source, coder, rows = kept_rows(session, "spans", source_ids, coder_ids, (tuple(sorted(f.directions)), longest),
                                    read, 3)
    return coder, source, rows[:, 1:3], rows[:, 0]


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
