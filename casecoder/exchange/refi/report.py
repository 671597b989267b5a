"""The import report: what a REFI-QDA file held, what was imported, what was skipped and why, XSD warnings.

``found`` counts the file's elements (codes, users, sources, selections, codings, cases,
variables, notes, sets, links); ``imported`` counts what casecoder stored (codes, users, sources,
excerpts, codings, cases, attributes, memos). Every item that is not imported is in ``skipped``
with its reason; ``recorded`` says where things without a place of their own went (sets);
``warnings`` holds schema violations and conversions (positions, text).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

FOUND_ORDER = ("codes", "users", "sources", "selections", "codings", "cases", "variables", "notes", "sets", "links")
IMPORTED_ORDER = ("codes", "users", "sources", "excerpts", "codings", "cases", "attributes", "memos", "relations",
                  "sets")
MAX_LISTED = 200  # skipped items listed one by one; the rest are counted


@dataclass(frozen=True)
class Skipped:
    item: str  # what, e.g. "PictureSource 'photo.jpg'"
    reason: str


@dataclass
class ImportReport:
    filename: str
    origin: str = ""
    found: Counter[str] = field(default_factory=Counter)
    imported: Counter[str] = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)  # the file's users, by name
    recorded: list[str] = field(default_factory=list)  # e.g. sets recorded in their members' memos
    project_slug: str | None = None

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, reason))

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def counts_line(self, which: str) -> str:
        """The counts that were set (a zero that was set is shown), in a fixed order, then any others."""
        counter, order = (self.found, FOUND_ORDER) if which == "found" else (self.imported, IMPORTED_ORDER)
        names = [n for n in order if n in counter] + sorted(n for n in counter if n not in order)
        return ", ".join(f"{counter[name]} {name}" for name in names) or "nothing"

    def lines(self) -> list[str]:
        out = [f"Import report for {self.filename}" + (f" (made by {self.origin})" if self.origin else ""),
               f"Found: {self.counts_line('found')}", f"Imported: {self.counts_line('imported')}"]
        if self.users:
            out.append("Users in the file: " + ", ".join(self.users))
        if self.recorded:
            out.append(f"Recorded ({len(self.recorded)}):")
            out += [f"  - {r}" for r in self.recorded]
        if self.skipped:
            out.append(f"Skipped ({len(self.skipped)}):")
            out += [f"  - {s.item}: {s.reason}" for s in self.skipped[:MAX_LISTED]]
            if len(self.skipped) > MAX_LISTED:
                out.append(f"  … and {len(self.skipped) - MAX_LISTED} more")
        if self.warnings:
            out.append(f"Warnings ({len(self.warnings)}):")
            out += [f"  - {w}" for w in self.warnings]
        return out

    def text(self) -> str:
        return "\n".join(self.lines())
