"""The cyclic garbage collector held off while a large import runs (issue #25).

Parsing a large .qdpx makes hundreds of thousands of objects that live until the import ends (the
XML elements, the parsed selections and codings, the rows to write); as they pile up, Python's
collector walks the whole heap again and again (three full passes, a fifth of the CPU time of a
300-transcript import) and frees nothing, as reference counting frees what is no longer used.
``paused()`` disables it for the duration and enables it again when the last pause ends (pauses
in several threads nest); garbage in cycles made meanwhile is collected then. Other threads of
the process run without collections for those seconds, which changes nothing but their memory
peak.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_state = {"pauses": 0, "was_enabled": False}


@contextmanager
def paused() -> Iterator[None]:
    with _lock:
        if _state["pauses"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["pauses"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["pauses"] -= 1
            if _state["pauses"] == 0 and _state["was_enabled"]:
                gc.enable()
