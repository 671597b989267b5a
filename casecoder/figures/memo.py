"""A small per-process memo of rendered figure bytes (issue #25): the same figure asked for again is not drawn again.

Figures are deterministic (the same input gives the same bytes, see ``charts.py``), so a figure's bytes can be
kept under a digest of *everything it is drawn from*: each figure function passes ``key()`` the exact values it
draws (texts in the chosen language, keys, n and N, arrow kinds, sizes...) and the format. Any change of the data
(a coding added, a label renamed, another language or filter) changes some drawn value, hence the key; a value
that is not drawn (the case keys behind a count) is left out on purpose, since it cannot change the bytes.

Bounded: at most ``BUDGET`` bytes of figures per process (a gunicorn worker's share of memory is small), least
recently used first out; a figure larger than a quarter of the budget is not kept. Thread-safe.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Callable

import matplotlib

BUDGET = 6 * 2**20             # bytes of figures kept per process
_LOCK = threading.Lock()
_KEPT: OrderedDict[str, bytes] = OrderedDict()
_USED = 0
VERSION = f"figures-1 matplotlib-{matplotlib.__version__}"   # a drawing change here or in matplotlib: new keys


def _plain(value: Any) -> Any:
    """``value`` as nested tuples of plain values; refuses anything whose repr might not say what it holds."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple((_plain(k), _plain(v)) for k, v in value.items())
    raise TypeError(f"a figure key takes plain values, not {type(value).__name__}")


def key(kind: str, fmt: str, *drawn: Any) -> str:
    """The digest of a figure: its kind, format and every value it is drawn from (plain values only)."""
    text = repr((VERSION, kind, fmt, _plain(drawn)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def get(digest: str) -> bytes | None:
    with _LOCK:
        found = _KEPT.get(digest)
        if found is not None:
            _KEPT.move_to_end(digest)
        return found


def put(digest: str, data: bytes) -> bytes:
    global _USED
    if len(data) > BUDGET // 4:
        return data
    with _LOCK:
        if digest not in _KEPT:
            _KEPT[digest] = data
            _USED += len(data)
        _KEPT.move_to_end(digest)
        while _USED > BUDGET:
            _, dropped = _KEPT.popitem(last=False)
            _USED -= len(dropped)
    return data


def cached(kind: str, fmts: tuple[str, ...], drawn: tuple[Any, ...],
           draw: Callable[[tuple[str, ...]], dict[str, bytes]]) -> dict[str, bytes]:
    """The bytes of each of ``fmts``: kept ones as they are, the others from one ``draw(missing formats)``."""
    digests = {fmt: key(kind, fmt, *drawn) for fmt in fmts}
    out = {fmt: get(digest) for fmt, digest in digests.items()}
    missing = tuple(fmt for fmt, data in out.items() if data is None)
    if missing:
        for fmt, data in draw(missing).items():
            out[fmt] = put(digests[fmt], data)
    return {fmt: out[fmt] for fmt in fmts}     # type: ignore[misc]


def clear() -> None:
    """Forget every kept figure (tests that check a fresh drawing)."""
    global _USED
    with _LOCK:
        _KEPT.clear()
        _USED = 0


def used() -> int:
    """Bytes of figures kept now."""
    with _LOCK:
        return _USED
