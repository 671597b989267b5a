"""Rows of the agreement's reads kept per process under each (source, coder)'s version.

``source_coder_span_versions`` holds a random version per (source, coder) that triggers replace whenever
one of the pair's rows in ``source_coder_spans`` or ``source_case_codings`` changes (migration 0033). A read
over the material (``segment_spans.py``: the spans; ``case_presence.py``: the case-level presence) first
reads the versions (one row per pair), then only the pairs whose rows this process has not kept under that
version (all of them the first time). Read in that order, a pair's kept rows are never older than its
version: a write committed between the two reads gives the pair a new version, which the next request sees
and reads again.
"""
from __future__ import annotations

from typing import Callable, Collection, Hashable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.sql_helpers import among, driver_rows
from casecoder.models.derived.source_coder_spans import SourceCoderSpanVersions

MAX_KEPT_ROWS = 1_000_000  # rows a process keeps (16-24 MB; the large project has 292,000 spans); all forgotten when more come
# (what, database, source, coder) -> the pair's version, what else the rows depend on, and the rows
_KEPT: dict[tuple[str, str, int, int], tuple[int, Hashable, np.ndarray]] = {}
_COUNT = [0]  # the rows in _KEPT

# (source ids, coder ids) -> source, coder and the rows (n x width) of those pairs, in any order
Read = Callable[[Sequence[int], Sequence[int]], tuple[np.ndarray, np.ndarray, np.ndarray]]


def kept_rows(session: Session, what: str, source_ids: Collection[int], coder_ids: Collection[int],
              depends: Hashable, read: Read, width: int,
              left_out: Callable[[int, int], bool] = lambda source, coder: False
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source, coder and rows (n x ``width``) of every (source, coder) of the sources and coders that has
    rows (the pairs ``left_out`` says none): kept ones where their version and ``depends`` (the read's
    other inputs) are unchanged, the others by ``read``, grouped by (source, coder)."""
    V = SourceCoderSpanVersions
    database = session.connection().engine.url.render_as_string()
    versions = driver_rows(session, select(V.source_id, V.coder_id, V.version)
                           .where(among(session, V.source_id, source_ids), V.coder_id.in_(sorted(coder_ids))))
    found: dict[tuple[int, int], np.ndarray] = {}
    missing: dict[tuple[int, int], int] = {}
    for s, k, version in versions:
        if left_out(s, k):
            continue
        kept = _KEPT.get((what, database, s, k))
        if kept is not None and kept[0] == version and kept[1] == depends:
            found[(s, k)] = kept[2]
        else:
            missing[(s, k)] = version
    if missing:
        source, coder, rows = read(sorted({s for s, _ in missing}), sorted({k for _, k in missing}))
        if _COUNT[0] + len(rows) > MAX_KEPT_ROWS:
            _KEPT.clear()
            _COUNT[0] = 0
        for pair, mine in _by_pair(source, coder, rows.reshape(-1, width), missing).items():
            found[pair] = mine
            before = _KEPT.get((what, database, *pair))
            _KEPT[(what, database, *pair)] = (missing[pair], depends, mine)
            _COUNT[0] += len(mine) - (0 if before is None else len(before[2]))
    pairs = list(found.items())
    sizes = np.array([len(rows) for _, rows in pairs], dtype=np.int64)
    rows = np.concatenate([rows for _, rows in pairs] or [np.empty((0, width), dtype=np.int64)])
    source = np.repeat(np.array([s for (s, _), _ in pairs], dtype=np.int64), sizes)
    coder = np.repeat(np.array([k for (_, k), _ in pairs], dtype=np.int64), sizes)
    return source, coder, rows


def _by_pair(source: np.ndarray, coder: np.ndarray, rows: np.ndarray,
             pairs: Collection[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
    """The rows read, per (source, coder) of ``pairs`` (every one of them, empty when none was read; the
    rows of other pairs left out)."""
    out = {pair: np.empty((0, rows.shape[1]), dtype=np.int64) for pair in pairs}
    if not coder.size:
        return out
    radix = int(coder.max()) + 1
    key = source.astype(np.int64) * radix + coder
    order = np.argsort(key, kind="stable")
    key, rows = key[order], rows[order]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    for first, end in zip(starts.tolist(), [*starts[1:].tolist(), key.size]):
        pair = divmod(int(key[first]), radix)
        if pair in out:
            out[pair] = rows[first:end].copy()  # not a view: kept alone, without the rest of what was read
    return out
