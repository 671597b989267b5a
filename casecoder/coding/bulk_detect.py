"""An import's pseudonym detection begun early, in a thread, while the database writes (issue #25).

The bundle and .qdpx imports end with ``pseudonymise.detect_project``: ``detect(text, terms)`` over every
transcript, pure Python (about 50 ms of the client's CPU for 300 transcripts), which ran after the derived
tables' rebuild while the database server waited, as the client had waited through the server's COPYs and
rebuild. ``start`` (called by the import once its new transcripts have their ids) runs the same pure
function over their texts in a thread, while the import's own thread mostly waits for the server (psycopg
and sqlite3 release the interpreter lock while they wait); ``found`` hands ``detect_source`` a result only
for the same source id, the same text and the same key terms, else ``None`` and it detects as before. So
the hits stored are ``detect``'s of the text in the database, as before; only the time they are computed
moves. The import ``drop``s what is left whether it succeeded or not.
"""
from __future__ import annotations

import threading
from typing import Iterable, Sequence

from sqlalchemy.orm import Session

from casecoder.coding.pseudonym_detect import Found, KeyTerm, detect

_KEY = "casecoder.early_detection"  # session.info: the running ``_Early``


class _Early:
    def __init__(self, terms: Sequence[KeyTerm], texts: list[tuple[int, str]]):
        self.terms = list(terms)
        self.found: dict[int, tuple[str, list[Found]]] = {}
        self.thread = threading.Thread(target=self._run, args=(texts,), name="casecoder-detect", daemon=True)
        self.thread.start()

    def _run(self, texts: list[tuple[int, str]]) -> None:
        for source_id, text in texts:  # an exception ends the thread: the sources left are detected as before
            self.found[source_id] = (text, detect(text, self.terms))


def start(session: Session, terms: Sequence[KeyTerm], sources: Iterable[tuple[int, str]]) -> None:
    """Begin ``detect`` of the new transcripts ``sources`` ((id, text) pairs) under the project's ``terms``."""
    texts = list(sources)
    if texts:
        session.info[_KEY] = _Early(terms, texts)


def found(session: Session, source_id: int, text: str, terms: Sequence[KeyTerm]) -> list[Found] | None:
    """What ``start`` found in this source, if it detected this very text under these terms; else None."""
    early = session.info.get(_KEY)
    if early is None:
        return None
    early.thread.join()
    entry = early.found.get(source_id)
    if entry is None or entry[0] != text or early.terms != list(terms):
        return None
    return entry[1]


def drop(session: Session) -> None:
    """Forget the early results (the import is over, written or failed)."""
    early = session.info.pop(_KEY, None)
    if early is not None:
        early.thread.join()
