"""Two query helpers shared by the reads: a list of hundreds of ids as one array parameter on PostgreSQL
(``among``), and the driver's own tuples instead of row objects (``driver_rows``)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import ARRAY, ColumnElement, Executable, Integer, all_, any_, bindparam
from sqlalchemy.orm import QueryableAttribute, Session


def among(session: Session, column: ColumnElement[int] | QueryableAttribute[int], ids: Collection[int], *,
          not_: bool = False) -> ColumnElement[bool]:
    """``column IN ids`` (``NOT IN`` with ``not_``). On PostgreSQL one array parameter (``= ANY(:ids)``,
    ``<> ALL(:ids)``: the plans it makes of the lists anyway) instead of a parameter per id: a blind coder's
    625 transcripts or the agreement material's sources were compiled by SQLAlchemy, parsed by psycopg and
    planned by the server for longer than the statements ran (#25)."""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, sorted(ids), type_=ARRAY(Integer))
        return column != all_(array) if not_ else column == any_(array)
    return column.not_in(sorted(ids)) if not_ else column.in_(sorted(ids))


def driver_rows(session: Session, query: Executable) -> list[tuple]:
    """The driver's own tuples of a plain-column query (no row objects: thousands of rows here)."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()
