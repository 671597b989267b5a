"""The case-level agreement's presence rows (``agreement.case_matrices``, the disagreement list): the (code,
case, coder) of the chosen coders' codings on the material, kept per process under each (source, coder)'s
version (``pair_cache.py``) unless the sources are filtered by role or dates.

Read from ``source_case_codings`` (kept by triggers: one primary-key range per source and coder) instead of
the material's codings joined to their excerpts; two coders' ~32,000 rows on the large project took ~12 ms
of server time on PostgreSQL; kept, only the pairs whose version changed are read again.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
from sqlalchemy import BigInteger, Text, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import CountFilter, source_conditions
from casecoder.analysis.pair_cache import kept_rows
from casecoder.analysis.sql_helpers import among
from casecoder.kernel.measures import DIRECTIONS
from casecoder.models import Source
from casecoder.models.derived.source_case_codings import SourceCaseCodings

PACKED = 2 ** 62  # a row's four numbers packed into one integer below this (``_read``); plain rows above


def presence_rows(session: Session, source_ids: Sequence[int], coder_ids: Sequence[int], f: CountFilter,
                  max_code: int, max_case: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (code, case, coder) of the coders' codings on the sources that pass ``f``'s direction, source
    (role, dates) and blindness filters, as three arrays (repeats allowed), for codes up to id ``max_code``
    and cases up to ``max_case`` (the others are no unit)."""
    if source_conditions(replace(f, source_ids=())):   # sources filtered by role or dates: read as asked
        _, coder, rows = _read(session, source_ids, coder_ids, f, max_code, max_case)
        return rows[:, 0], rows[:, 1], coder
    blind, viewer = set(f.blind_source_ids), f.viewer_id
    directions = None if set(f.directions) == set(DIRECTIONS) else tuple(sorted(f.directions))

    def read(sources: Sequence[int], coders: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _read(session, sources, coders, f, max_code, max_case)

    _, coder, rows = kept_rows(session, "presence", source_ids, coder_ids, (directions, max_code, max_case), read, 2,
                               lambda source, coder: source in blind and coder != viewer)
    return rows[:, 0], rows[:, 1], coder


def _read(session: Session, source_ids: Sequence[int], coder_ids: Sequence[int], f: CountFilter,
          max_code: int, max_case: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``presence_rows`` from ``source_case_codings`` itself: source, coder and (code, case) as n x 2. Each
    row comes packed in one integer and all of them in one string the database joins
    (``group_concat``/``string_agg``): fetching ~44,000 rows as Python tuples cost twice the reading."""
    T = SourceCaseCodings
    radix_case, radix_coder, radix_source = max_case + 1, max(coder_ids) + 1, max(source_ids, default=0) + 1
    conditions = [among(session, T.source_id, source_ids), T.coder_id.in_(coder_ids), T.code_id <= max_code,
                  T.case_id <= max_case]
    if set(f.directions) != set(DIRECTIONS):
        conditions.append(T.direction.in_(sorted(f.directions)))
    if f.blind_source_ids:
        conditions.append(or_(T.source_id.not_in(f.blind_source_ids), T.coder_id == f.viewer_id))
    packable = (max_code + 1) * radix_case * radix_coder * radix_source < PACKED
    packed = ((cast(T.code_id, BigInteger) * radix_case + T.case_id) * radix_coder + T.coder_id) * radix_source + T.source_id
    if session.connection().dialect.name == "postgresql":
        joined = func.string_agg(cast(packed, Text), literal_column("','"))
    else:
        joined = func.group_concat(packed)
    query = (select(joined) if packable else select(T.code_id, T.case_id, T.coder_id, T.source_id)
             ).select_from(T).where(*conditions)
    source_filter = source_conditions(replace(f, source_ids=()))
    if source_filter:
        query = query.join(Source, Source.id == T.source_id).where(*source_filter)
    if packable:
        text = session.execute(query).scalar()
        values = np.fromstring(text, dtype=np.int64, sep=",") if text else np.empty(0, dtype=np.int64)
        values, sources = np.divmod(values, radix_source)
        values, coders = np.divmod(values, radix_coder)
        codes, cases = np.divmod(values, radix_case)
        return sources, coders, np.column_stack([codes, cases])
    rows = np.array(session.execute(query).all(), dtype=np.int64).reshape(-1, 4)
    return rows[:, 3], rows[:, 2], rows[:, 0:2]
