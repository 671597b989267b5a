"""Every case of a project in one row, for the tally's case keys and denominators (analysis/tally.py): the
cases' ids and keys joined in the same order and a digit per case saying which perspectives its transcripts
have (``CASES_JOINED``), and the case keys of each denominator worked out from them (``key_denominators``)."""
from __future__ import annotations

from itertools import compress
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, case, cast, func, literal_column, select

from casecoder.analysis import measures
from casecoder.kernel import measures as declared
from casecoder.models import Case, CaseSources


def _cases_joined(ordered: bool) -> Select:
    """Every case of the project in one row: the ids (as in ``tally_keys``) and keys in the same order, joined
    by ``KEYS_SEP``, and a digit per case in that order: 1 for a family source, 2 for a system source, summed
    (``FLAGS``). ``ordered``: by key (PostgreSQL; SQLite reads the cases by their key's index); the reader sorts
    when they do not come sorted."""
    C = CaseSources
    zero: Any = literal_column("0")
    family, system = (case((column > zero, literal_column(str(FLAGS[p]))), else_=zero)
                      for column, p in ((C.family, declared.FAMILY), (C.system, declared.SYSTEM)))
    flag = cast(family + system, String)
    aggregates: list[ColumnElement[str]] = [func.aggregate_strings(cast(Case.id, String), measures.KEYS_SEP),
                                            func.aggregate_strings(Case.key, measures.KEYS_SEP),
                                            func.aggregate_strings(flag, "")]
    if ordered:
        aggregates = [agg.aggregate_order_by(Case.key.collate("C")) for agg in aggregates]
    return (select(*aggregates).select_from(Case)
            .outerjoin(C, and_(C.project_id == Case.project_id, C.case_id == Case.id))
            .where(Case.project_id == bindparam("project_id")))


FLAGS = {declared.FAMILY: 1, declared.SYSTEM: 2}   # a case's digit in ``CASES_JOINED``: the sum of its sources' flags
# per denominator, the digits of the cases it counts (those with a source of each perspective it needs)
DENOMINATOR_DIGITS = {name: frozenset(str(digit) for digit in range(4) if all(digit & FLAGS[p] for p in needs))
                      for name, needs in declared.DENOMINATORS.items()}
CASES_JOINED = {False: _cases_joined(False), True: _cases_joined(True)}


def split_joined(joined: str | None) -> list[str]:
    return joined.split(measures.KEYS_SEP) if joined else []


def key_denominators(keys: list[str], digits: str) -> dict[str, tuple[str, ...]]:
    """Each denominator's case keys, sorted, from every case's key and digit in the same order (``CASES_JOINED``)."""
    if keys != sorted(keys):   # sorted here unless they came sorted: the order never rests on the database
        pairs = sorted(zip(keys, digits))
        keys, digits = [key for key, _ in pairs], "".join(digit for _, digit in pairs)
    return {name: tuple(compress(keys, map(counted.__contains__, digits))) for name, counted in DENOMINATOR_DIGITS.items()}
