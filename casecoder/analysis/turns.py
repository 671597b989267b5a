"""Speaker turns of a transcript, for display. The stored text is never changed.

``split_turns(text)`` cuts the text at every line that starts with a speaker marker and returns
``Turn``s that tile the whole text (code-point offsets, like excerpts). Markers:

- a label of 1-3 words and a colon: ``Interviewer:``, ``IP:``, ``Mor:``, ``Max Bigman:``,
  ``Speaker 1:``. The first word is capitalised (``Interviewer``, ``IP``, ``Dr.``) or an id such as
  ``admin-1``/``id1`` (lower-case letters and digits); further words are capitalised or numbers;
  words are letters (æøå too), digits, ``-`` and ``.``; at most 40 characters; the colon is
  followed by white space or the end of the line;
- a bracketed label: ``[Pallis 00:00:52]``, ``[Name 0:01:02]`` (a name and a time) or an id like
  ``[id1]``, optionally followed by a colon.

A marker only counts at the start of a line (leading spaces/tabs allowed), so "Det sagde hun: nej"
in the middle of a line is no marker, nor is "hun sagde: ..." or "Det sagde hun: nej" at the start
of a line (lower-case words). Text before the first marker is a turn with speaker ``None``.

No Flask here.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

MAX_LABEL = 40

_WORD = r"[^\W_][\w.\-]*"
_LABEL = rf"{_WORD}(?:[ ]{_WORD}){{0,2}}"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_MARKER_RE = re.compile(
    rf"""^[ \t]*(?:
        \[(?P<bname>{_LABEL})[ \t]+{_TIME}\]:?     # [Pallis 00:00:52]
      | \[(?P<bid>[^\W\d_]+-?\d+)\]:?             # [id1]
      | (?P<name>{_LABEL}):(?=[ \t]|$)            # Interviewer:
    )[ \t]*""",
    re.MULTILINE | re.VERBOSE)
_ID_RE = re.compile(r"[^\W\d_]+-?\d+")
# Words that open ordinary sentences ending in a colon ("Ja: ...", "Altså: ..."); never speakers.
_NOT_SPEAKERS = frozenset(
    "ja nej jo og men så altså okay ok nå tja hm hmm eller fordi at det den der her når hvis som "
    "yes no and but so or well because the that this when if note nb obs".split())


@dataclass(frozen=True)
class Turn:
    start: int  # code-point offsets into the text; the turns tile it without gaps or overlaps
    end: int
    speaker: str | None  # "Interviewer", "IP", "Pallis", "id1"; None for text before the first marker
    label_end: int  # where the speaker label (with colon/bracket and following spaces) ends; == start if no speaker


def split_turns(text: str) -> list[Turn]:
    """The speaker turns of ``text``: ``[]`` for empty text, one turn without a speaker when no marker is found."""
    if not text:
        return []
    marks: list[tuple[int, int, str]] = []  # (line start, label end, speaker)
    # a marker lies within one line and starts at its start: tried there only, not at every character as
    # finditer does (#25: 10 ms for a 200-page transcript); the same matches
    line = 0
    while line >= 0:
        match = _MARKER_RE.match(text, line)
        if match is not None:
            speaker = _speaker(match)
            if speaker is not None:
                marks.append((match.start(), match.end(), speaker))
        line = text.find("\n", line)
        line = line + 1 if line >= 0 else -1
    turns: list[Turn] = []
    if not marks or marks[0][0] > 0:
        first_end = marks[0][0] if marks else len(text)
        turns.append(Turn(start=0, end=first_end, speaker=None, label_end=0))
    for i, (start, label_end, speaker) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        turns.append(Turn(start=start, end=end, speaker=speaker, label_end=label_end))
    return turns


@functools.lru_cache(maxsize=4)
def turn_rows(text: str) -> tuple[dict[str, object], ...]:
    """``split_turns(text)`` as the workbench's JSON rows, kept for the last four texts asked for: a transcript
    opened again (by its coder, after each reload) is not split again (#25: 17-20 ms for 200 pages). The
    rows are shared between callers: read them, never change them."""
    return tuple({"start": t.start, "label_end": t.label_end, "end": t.end, "speaker": t.speaker}
                 for t in split_turns(text))


def _speaker(match: re.Match[str]) -> str | None:
    """The speaker a marker match names, or None when the label does not have a speaker's shape."""
    if match.group("bid"):
        return match.group("bid")
    label = match.group("bname") or match.group("name")
    if not label or len(label) > MAX_LABEL:
        return None
    first, *rest = label.split(" ")
    if first.lower() in _NOT_SPEAKERS:
        return None
    if not (first[0].isupper() or (not rest and _ID_RE.fullmatch(first))):
        return None
    if not all(word[0].isupper() or word.isdigit() for word in rest):
        return None
    return label
