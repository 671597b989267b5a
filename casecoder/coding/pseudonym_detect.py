"""Detection of identifying text: pure functions from a text (and a key list) to hits. No database.

- **CPR numbers** ``DDMMYY-XXXX`` or ``DDMMYYXXXX`` whose date exists: the century comes from the
  7th digit as the CPR office defines it (0-3: 1900s; 4 and 9: 2000s up to year 36, else 1900s;
  5-8: 2000s up to year 57, else 1800s), so 29 February is checked against the right year. There is
  no modulus-11 check: numbers issued since 2007 need not pass it.
- **Phone numbers**: Danish 8-digit numbers not starting with 0, optionally with +45/0045 and grouped
  ``12 34 56 78``, ``1234 5678`` or ``12-34-56-78``.
- **E-mail addresses.**
- **Key-list entries**: whole words, case-insensitive, any white space between the words of an
  entry, and the Danish genitive: ``Mettes`` -> ``Mor F07s``, ``Lars'`` -> the pseudonym + ``s``
  (or ``'`` after s, x or z).

When hits overlap, the structured ones win (CPR, then e-mail, then phone), then the longest key.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from casecoder.models import HitKind

REPLACEMENTS = {HitKind.CPR: "[CPR-nummer]", HitKind.PHONE: "[telefonnummer]", HitKind.EMAIL: "[e-mail]"}
PRIORITY = {HitKind.CPR: 0, HitKind.EMAIL: 1, HitKind.PHONE: 2, HitKind.KEY: 3}

# The CPR and phone patterns start with a character class and check what precedes the match right after
# their first character (a lookbehind over that character too): the regex engine then skips ahead to the
# digits in C instead of trying the lookbehinds at every position (3-4x faster, #25). Their matches are
# those of the plain forms
#   CPR   (?<![\w+])(?<!\d[.,-])(\d{2})(\d{2})(\d{2})-?(\d)(\d{3})(?!\w)(?![.,-]\d)
#   phone (?<![\w+])(?<!\d[.,-])(?:(?:\+|00)45[ .-]?)?[1-9]\d(?:[ .-]?\d{2}){3}(?!\w)(?![.,-]\d)
# (tests/coding/test_pseudonym_detect.py compares them on random texts). E-mail addresses are looked for
# only in a text holding an "@".
_FIRST = r"(?<![\w+][+\d])(?<!\d[.,-][+\d])"  # after a first "+" or digit: not after a word character, "+", "1." ...
CPR_RE = re.compile(rf"(\d{_FIRST}\d)(\d{{2}})(\d{{2}})-?(\d)(\d{{3}})(?!\w)(?![.,-]\d)")
PHONE_RE = re.compile(rf"[+0-9]{_FIRST}(?:(?<=\+)45[ .-]?[1-9]|(?<=0)045[ .-]?[1-9]|(?<=[1-9]))"
                      r"\d(?:[ .-]?\d{2}){3}(?!\w)(?![.,-]\d)")
EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")


@dataclass(frozen=True)
class KeyTerm:
    """A key-list entry as detection needs it."""
    id: int | None
    real: str
    pseudonym: str


@dataclass(frozen=True)
class Found:
    """One hit in a text: [start, end) in code points, the text found and its proposed replacement."""
    start: int
    end: int
    found: str
    kind: HitKind
    replacement: str
    key_id: int | None = None


def cpr_century(year2: int, seventh: int) -> int | None:
    """The full year of a CPR number's date from its two-digit year and 7th digit."""
    if seventh <= 3:
        return 1900 + year2
    if seventh in (4, 9):
        return (2000 if year2 <= 36 else 1900) + year2
    return (2000 if year2 <= 57 else 1800) + year2


def valid_cpr_date(day: int, month: int, year2: int, seventh: int) -> bool:
    year = cpr_century(year2, seventh)
    try:
        date(year, month, day)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def find_cpr(text: str) -> list[Found]:
    hits = []
    for m in CPR_RE.finditer(text):
        day, month, year2, seventh = int(m[1]), int(m[2]), int(m[3]), int(m[4])
        if valid_cpr_date(day, month, year2, seventh):
            hits.append(Found(m.start(), m.end(), m[0], HitKind.CPR, REPLACEMENTS[HitKind.CPR]))
    return hits


def find_phones(text: str) -> list[Found]:
    return [Found(m.start(), m.end(), m[0], HitKind.PHONE, REPLACEMENTS[HitKind.PHONE])
            for m in PHONE_RE.finditer(text)]


def find_emails(text: str) -> list[Found]:
    if "@" not in text:  # no address without one (a scan in C)
        return []
    return [Found(m.start(), m.end(), m[0], HitKind.EMAIL, REPLACEMENTS[HitKind.EMAIL])
            for m in EMAIL_RE.finditer(text)]


def normalise(words: str) -> str:
    """An entry's or a match's comparison form: single spaces, lower case."""
    return " ".join(words.split()).casefold()


def genitive(pseudonym: str) -> str:
    """The Danish genitive of a pseudonym: ``Mor F07`` -> ``Mor F07s``, ``Jobcenter Vest`` -> ``...s``,
    ``Hans`` -> ``Hans'``."""
    return pseudonym + ("'" if pseudonym[-1:].lower() in ("s", "x", "z") else "s")


def key_pattern(terms: Iterable[KeyTerm]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for every entry, longest first, with an optional genitive ending."""
    words = sorted({normalise(t.real) for t in terms if t.real.strip()}, key=lambda w: (-len(w), w))
    if not words:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in w.split(" ")) for w in words)
    return re.compile(rf"(?<!\w)(?P<word>{alternatives})(?P<gen>s|')?(?!\w)", re.IGNORECASE)


def find_keys(text: str, terms: Iterable[KeyTerm]) -> list[Found]:
    terms = list(terms)
    pattern = key_pattern(terms)
    if pattern is None:
        return []
    by_word = {normalise(t.real): t for t in terms}
    hits = []
    for m in pattern.finditer(text):
        term = by_word.get(normalise(m["word"]))
        if term is None:  # a case folding that IGNORECASE and casefold() see differently
            term = next((t for t in terms if re.fullmatch(r"\s+".join(map(re.escape, t.real.split())), m["word"],
                                                          re.IGNORECASE)), None)
            if term is None:
                continue
        replacement = genitive(term.pseudonym) if m["gen"] else term.pseudonym
        hits.append(Found(m.start(), m.end(), m[0], HitKind.KEY, replacement, term.id))
    return hits


def detect(text: str, terms: Iterable[KeyTerm] = ()) -> list[Found]:
    """Every hit in ``text``, without overlaps, in text order."""
    candidates = find_cpr(text) + find_emails(text) + find_phones(text) + find_keys(text, terms)
    return drop_overlaps(candidates)


def drop_overlaps(candidates: list[Found], taken: Iterable[tuple[int, int]] = ()) -> list[Found]:
    """Keep the candidates that overlap neither ``taken`` spans nor a better candidate."""
    ordered = sorted(candidates, key=lambda h: (PRIORITY[h.kind], -(h.end - h.start), h.start))
    taken = list(taken)
    if any(h.start >= h.end for h in ordered):  # an empty candidate: compare with every span (never found)
        spans, kept = taken, []
        for hit in ordered:
            if not any(hit.start < e and s < hit.end for s, e in spans):
                spans.append((hit.start, hit.end))
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)
    # [a, b) overlaps a span (s, e) when a < e and s < b: some span starting before b ends after a.
    # ``taken`` may overlap itself: its ends' running maximum over the starts in order. The kept hits
    # do not overlap each other, so in start order their ends rise too: the last one starting before b.
    fixed = sorted(taken)
    fixed_starts = [s for s, _e in fixed]
    fixed_reach, reach = [], -1
    for _s, e in fixed:
        reach = max(reach, e)
        fixed_reach.append(reach)
    starts: list[int] = []
    ends: list[int] = []
    kept = []
    for hit in ordered:
        n = bisect_left(fixed_starts, hit.end)
        if n and fixed_reach[n - 1] > hit.start:
            continue
        n = bisect_left(starts, hit.end)
        if n and ends[n - 1] > hit.start:
            continue
        at = bisect_left(starts, hit.start)
        starts.insert(at, hit.start)
        ends.insert(at, hit.end)
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def context(text: str, start: int, end: int, width: int = 60) -> tuple[str, str, str]:
    """The words before, the hit and the words after, for the review screen (plain text)."""
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    if start > width:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end + width < len(text):
        after = after.rsplit(" ", 1)[0] + "…" if " " in after else after + "…"
    return before, text[start:end], after
