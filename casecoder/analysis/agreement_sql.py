"""Two query helpers of the agreement reads (``agreement.py``, ``agreement_segments.py``,
``disagreements.py``): driver tuples instead of row objects, and the material's hundreds of ids as one
array parameter on PostgreSQL."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import ARRAY, ColumnElement, Executable, Integer, any_, bindparam
from sqlalchemy.orm import InstrumentedAttribute, Session


def among(session: Session, column: ColumnElement[int] | InstrumentedAttribute[int],
          ids: Collection[int]) -> ColumnElement[bool]:
    """``column IN ids`` for the material's hundreds of ids: on PostgreSQL one array parameter
    (``= ANY(:ids)``) instead of a parameter per id, which the server planned for longer than it ran."""
    if session.connection().dialect.name == "postgresql":
        return column == any_(bindparam(None, sorted(ids), type_=ARRAY(Integer)))
    return column.in_(sorted(ids))


def driver_rows(session: Session, query: Executable) -> list[tuple]:
    """The driver's own tuples of a plain-column query (no row objects: thousands of rows here)."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()
