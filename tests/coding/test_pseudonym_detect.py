"""The detection's fast forms (issue #25) find exactly what the plain forms find.

``pseudonym_detect`` writes its patterns so that each starts with a character class (the regex engine
then skips to the candidates) and drops overlapping hits with bisection instead of comparing every pair.
The plain patterns and the pairwise rule are kept here, as the module's comment states them, and both are
run on random texts made of the characters that matter (digits, separators, ``+``, ``@``, letters, space).
"""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.coding import pseudonym_detect as d
from casecoder.models import HitKind

PLAIN = {
    "cpr": re.compile(r"(?<![\w+])(?<!\d[.,-])(\d{2})(\d{2})(\d{2})-?(\d)(\d{3})(?!\w)(?![.,-]\d)"),
    "phone": re.compile(r"(?<![\w+])(?<!\d[.,-])(?:(?:\+|00)45[ .-]?)?[1-9]\d(?:[ .-]?\d{2}){3}(?!\w)(?![.,-]\d)"),
    "email": re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])"),
}
FAST = {"cpr": d.CPR_RE, "phone": d.PHONE_RE, "email": d.EMAIL_RE}

pieces = st.sampled_from(["0", "1", "2", "3", "4", "5", "9", "45", "0045", "+45", "12", "010190", "1234",
                          "-", ".", ",", " ", "+", "@", "a", "b.dk", "x", "æ", "_", "%", "\n", "٣"])
texts = st.lists(pieces, max_size=40).map("".join)


def matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, tuple[str | None, ...]]]:
    return [(m.start(), m.end(), m.groups()) for m in pattern.finditer(text)]


@settings(max_examples=600, deadline=None)
@given(texts)
def test_fast_patterns_match_as_the_plain_ones(text):
    for kind, plain in PLAIN.items():
        assert matches(FAST[kind], text) == matches(plain, text), kind


def test_fast_patterns_on_known_texts():
    for text in ["Ring 12 34 56 78 eller +45 1234 5678, 0045-12-34-56-78", "cpr 010190-1234 og 0101901234",
                 "x12345678 1.12345678 +12345678 a@b.dk, .a@b.dk, a.b@c-d.example.org", "٣١٢٣٤٥٦٧"]:
        for kind, plain in PLAIN.items():
            assert matches(FAST[kind], text) == matches(plain, text), (kind, text)
    assert d.find_emails("no address here") == []


def plain_drop_overlaps(candidates: list[d.Found], taken: list[tuple[int, int]]) -> list[d.Found]:
    spans = list(taken)
    kept = []
    for hit in sorted(candidates, key=lambda h: (d.PRIORITY[h.kind], -(h.end - h.start), h.start)):
        if any(hit.start < e and s < hit.end for s, e in spans):
            continue
        spans.append((hit.start, hit.end))
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


spans = st.tuples(st.integers(0, 60), st.integers(0, 12)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(spans, st.sampled_from(list(HitKind))), max_size=25), st.lists(spans, max_size=6))
def test_drop_overlaps_as_the_pairwise_rule(candidates, taken):
    found = [d.Found(s, e, "x" * (e - s), kind, "r") for (s, e), kind in candidates]
    assert d.drop_overlaps(found, taken) == plain_drop_overlaps(found, taken)
