"""Count filters to and from plain string parameters — one format for the web, the API and the CLI.

Parameters (each may repeat): ``municipality``, ``attr`` ("name:op:value", e.g. "who5_entry:le:35"),
``role``, ``coder`` (user name), ``direction`` (default: supports), ``sub`` ("1" or "0"),
``from`` and ``to`` (interview dates, YYYY-MM-DD).
"""
from __future__ import annotations

from typing import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import DIRECTIONS, OPERATORS, AttributeCondition, CountFilter
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.measures import DEFAULT_DIRECTIONS
from casecoder.models import User

Params = Mapping[str, Sequence[str]]


def parse_filter(session: Session, params: Params) -> CountFilter:
    """Build a CountFilter from parameters; a bad value raises InvalidInput naming it."""
    def values(name: str) -> list[str]:
        return [v.strip() for v in params.get(name, ()) if v and v.strip()]

    attributes = []
    for raw in values("attr"):
        parts = raw.split(":", 2)
        if len(parts) != 3 or parts[1] not in OPERATORS:
            raise InvalidInput("Attribute filter '{value}' must be written name:op:value with op one of {ops}",
                               "attr", value=raw, ops=", ".join(OPERATORS))
        attributes.append(AttributeCondition(parts[0], parts[1], parts[2]))
    directions = values("direction") or sorted(DEFAULT_DIRECTIONS)
    for d in directions:
        if d not in DIRECTIONS:
            raise InvalidInput("Direction '{value}' is not one of: {allowed}", "direction", value=d,
                               allowed=", ".join(DIRECTIONS))
    coder_ids: list[int] = []
    for name in values("coder"):
        user_id = session.scalar(select(User.id).where(User.username == name))
        if user_id is None:
            raise InvalidInput("There is no user named '{username}'", "coder", username=name)
        coder_ids.append(user_id)
    sub = (values("sub") or ["1"])[0]
    dates = {k: validate.iso_date(values(k)[0], N_("Date")) if values(k) else None for k in ("from", "to")}
    return CountFilter(municipalities=tuple(values("municipality")), attributes=tuple(attributes),
                       roles=tuple(values("role")), coder_ids=tuple(coder_ids), directions=frozenset(directions),
                       include_subcodes=sub != "0", date_from=dates["from"], date_to=dates["to"])


def to_params(session: Session, f: CountFilter) -> list[tuple[str, str]]:
    """The parameters that parse back into ``f`` (for links and saved specs)."""
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(f.coder_ids))).all()) \
        if f.coder_ids else {}
    out = [("municipality", m) for m in f.municipalities]
    out += [("attr", f"{a.name}:{a.op}:{a.value}") for a in f.attributes]
    out += [("role", r) for r in f.roles] + [("coder", names[c]) for c in f.coder_ids]
    out += [("direction", d) for d in sorted(f.directions)]
    out.append(("sub", "1" if f.include_subcodes else "0"))
    if f.date_from:
        out.append(("from", f.date_from.isoformat()))
    if f.date_to:
        out.append(("to", f.date_to.isoformat()))
    return out


def describe(session: Session, f: CountFilter) -> list[tuple[str, str]]:
    """(name, value) pairs for the filters in force, for captions and spec files; English names."""
    params = to_params(session, f)
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return [(name, ", ".join(vals)) for name, vals in grouped.items()]
