"""The criteria that select success cases from the register (report 4.1, Table 2), and their parsing:
pure, no database. The rule that applies them is analysis/selection.py (``meets``, ``evaluate``);
coding/registrations.py saves them. The report's defaults are the saved row's defaults too."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping, Protocol

from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput

DEFAULT_MIN_WEEKS = 10
DEFAULT_WINDOW = (date(2016, 11, 1), date(2016, 12, 31))
WEEKS_RE = re.compile(r"^[0-9]{1,6}$")
TRUE, FALSE = ("1", "true", "yes", "ja", "on"), ("0", "false", "no", "nej", "off", "")


@dataclass(frozen=True)
class Criteria:
    min_weeks: int = DEFAULT_MIN_WEEKS
    require_not_employed: bool = True
    window_from: date = DEFAULT_WINDOW[0]
    window_to: date = DEFAULT_WINDOW[1]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, and what ``parse_criteria`` reads back (spec.json targets, links)."""
        return {"min_weeks": self.min_weeks, "require_not_employed": self.require_not_employed,
                "window_from": self.window_from.isoformat(), "window_to": self.window_to.isoformat()}

    def as_params(self) -> dict[str, str]:
        """Query parameters for links and forms."""
        return {**{k: str(v) for k, v in self.as_dict().items()},
                "require_not_employed": "1" if self.require_not_employed else "0"}


DEFAULT_CRITERIA = Criteria()
CRITERIA_FIELDS = tuple(Criteria.__dataclass_fields__)


class SavedCriteria(Protocol):
    """A saved criteria row (``models.SelectionCriteria``)."""
    min_weeks: int
    require_not_employed: bool
    window_from: date
    window_to: date


def criteria_of(row: SavedCriteria | None) -> Criteria:
    """The criteria a saved row holds; the report's defaults when there is none."""
    if row is None:
        return DEFAULT_CRITERIA
    return Criteria(row.min_weeks, row.require_not_employed, row.window_from, row.window_to)


def parse_criteria(values: Mapping[str, object], base: Criteria = DEFAULT_CRITERIA) -> Criteria:
    """``base`` with the given values (strings, numbers, bools or dates) replaced; checked."""
    def given(name: str) -> object:
        value = values.get(name)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    weeks: object = given("min_weeks")
    if weeks is None:
        weeks = base.min_weeks
    elif isinstance(weeks, bool) or not WEEKS_RE.match(str(weeks).strip()):
        raise InvalidInput("Minimum employment weeks '{value}' must be a whole number of at least 0", "min_weeks",
                           value=weeks)
    require = values.get("require_not_employed")
    if require is None:
        require = base.require_not_employed
    elif not isinstance(require, bool):
        text = str(require).strip().lower()
        if text not in TRUE + FALSE:
            raise InvalidInput("'{value}' is not yes or no", "require_not_employed", value=require)
        require = text in TRUE
    start = validate.iso_date(given("window_from"), N_("Window start")) if given("window_from") else base.window_from
    end = validate.iso_date(given("window_to"), N_("Window end")) if given("window_to") else base.window_to
    if start > end:
        raise InvalidInput("The window starts on {start}, after it ends on {end}", "window_from",
                           start=start.isoformat(), end=end.isoformat())
    return Criteria(int(str(weeks).strip()), bool(require), start, end)
