"""PostgreSQL: the search vectors of a paused bulk import's new transcripts, computed on a second connection
while the import's own connection writes the excerpts (issue #25).

``to_tsvector('danish', text)`` of 300 transcripts (2.7 MB) is about half a second of server CPU, and the
``sources`` trigger computed it inside the import's one backend while the other core waited. Inside
``pause.paused`` (a bulk import into one project, in one transaction) ``bulk_sources`` now copies new
sources with the trigger's INSERT computation switched off for that one statement (a transaction-local
setting, ``LATER``, read by ``sources_search_vector_biu``: migration 0037) and calls ``start``: a thread
asks a second connection of its own (autocommit, outside the pool, reading no table) for the same
``to_tsvector('danish', ...)`` of the same texts. ``finish`` (at the pause's end, after the rebuild, before
the caller commits) writes them in one UPDATE, sent back in PostgreSQL's binary form; if the thread
failed, or gave fewer vectors, the import's own connection computes them as the trigger would. So no
transcript is committed without its vector, and the vectors are the trigger's own function of the same
text on the same server. Outside a pause, or on SQLite (FTS5 triggers), nothing changes. A rolled-back import leaves the thread to finish on its own; its
result is dropped.
"""
from __future__ import annotations

import threading
from typing import Any, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

LATER = "casecoder.search_vector_later"  # 'on': the sources trigger leaves NEW.search_vector to ``finish``
ALLOWED = "casecoder.search_later_allowed"  # session.info: inside a pause, which calls ``finish``
_PENDING = "casecoder.search_later"  # session.info: the running ``_Vectors``
# Sent back in PostgreSQL's binary form (same server, same version): parsing the vectors' text was most of the
# UPDATE (70-80 ms of backend CPU for 300 transcripts; 30 ms in binary).
_VECTORS = "SELECT to_tsvector('danish', t) FROM unnest(CAST(%s AS text[])) WITH ORDINALITY AS x(t, n) ORDER BY n"
_FILL = ("UPDATE sources AS s SET search_vector = v.vector FROM unnest(CAST(%s AS integer[]), %b) AS v(id, vector) "
         "WHERE s.id = v.id")
_COMPUTE = "UPDATE sources SET search_vector = to_tsvector('danish', text) WHERE id = ANY(CAST(:ids AS integer[]))"


class _Vectors:
    """The vectors of ``texts``, computed in a thread on a connection of its own."""

    def __init__(self, session: Session, ids: Sequence[int], texts: Sequence[str]):
        self.ids: list[int] = list(ids)
        self.vectors: list[bytes] | None = None
        self.error: BaseException | None = None
        engine = session.get_bind().engine  # a session bound to a connection: its engine
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        self.thread = threading.Thread(target=self._run, args=(engine.dialect, cargs, cparams, list(texts)),
                                       name="casecoder-search-vectors", daemon=True)
        self.thread.start()

    def _run(self, dialect: Any, cargs: Any, cparams: Any, texts: list[str]) -> None:
        try:
            conn = dialect.connect(*cargs, **cparams)
            try:
                conn.autocommit = True
                with conn.cursor(binary=True) as cursor:
                    cursor.execute(_VECTORS, [texts])
                    self.vectors = [row[0] for row in cursor.fetchall()]
            finally:
                conn.close()
        except BaseException as exc:  # finish() computes them in the import's transaction instead
            self.error = exc


class _Binary:
    """A tsvector in PostgreSQL's binary form, as the second connection received it."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data


def _binary_dumper() -> type:
    """psycopg's dumper sending a ``_Binary`` as a binary tsvector parameter."""
    from psycopg.adapt import Dumper
    from psycopg.postgres import types
    from psycopg.pq import Format

    class TsvectorBinaryDumper(Dumper):
        format = Format.BINARY
        oid = types.get("tsvector").oid  # type: ignore[union-attr]

        def dump(self, obj: _Binary) -> bytes:
            return obj.data

    return TsvectorBinaryDumper


def enabled(session: Session) -> bool:
    """Whether new sources may leave their vectors to ``finish`` (PostgreSQL, inside a pause)."""
    return bool(session.info.get(ALLOWED)) and session.get_bind().dialect.name == "postgresql"


def set_later(session: Session, on: bool) -> None:
    """Switch the trigger's INSERT computation off (``on``) or back on, for this transaction."""
    session.execute(text("SELECT set_config(:name, :value, true)"), {"name": LATER, "value": "on" if on else "off"})


def start(session: Session, ids: Sequence[int], texts: Sequence[str]) -> None:
    """Begin computing the vectors of the new sources ``ids`` (their ``texts``), written by ``finish``."""
    if ids:
        session.info.setdefault(_PENDING, []).append(_Vectors(session, ids, texts))


def finish(session: Session) -> None:
    """Write the vectors ``start`` began (waiting for them), or compute them here if the thread failed."""
    for pending in session.info.pop(_PENDING, []):
        pending.thread.join()
        if pending.vectors is not None and len(pending.vectors) == len(pending.ids):
            cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.adapters.register_dumper(_Binary, _binary_dumper())  # this cursor only
            cursor.execute(_FILL, [pending.ids, [_Binary(v) for v in pending.vectors]])
        else:
            session.execute(text(_COMPUTE), {"ids": pending.ids})


def drop(session: Session) -> None:
    """Forget unfinished vectors (the import failed: its transaction is rolled back)."""
    session.info.pop(_PENDING, None)
