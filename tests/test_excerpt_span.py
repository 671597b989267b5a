"""``excerpts.span_text``: an excerpt's span and text without loading the transcript (PostgreSQL).

With the transcript's text not loaded, PostgreSQL sends only its length and the span; the result
must be what the text in memory gives (code points, not bytes or UTF-16 units), and bad spans must
get the same messages. On SQLite the text in memory is used; the same expectations hold.
"""
from __future__ import annotations

import pytest

from casecoder.coding import excerpts
from casecoder.coding.validate import InvalidInput

TEXT = "Interviewer: Hvordan gik det? 🙂\n\nMor: Æblerne i Ølstykke var søde… 👩‍👧 " + "og så videre. " * 50 + "Slut 🎉"


def unloaded_source(session, factory):  # type: ignore[no-untyped-def]
    owner = factory.user("eva")
    project = factory.project("span", owner)
    source = factory.source(project, [factory.case(project)], TEXT, "family", "A")
    session.commit()
    session.expire(source, ["text"])
    return owner, source


def test_span_text_is_the_slice_of_the_text_in_code_points(session, factory):
    _owner, source = unloaded_source(session, factory)
    for start, end in [(0, 11), (30, 31), (36, 70), (len(TEXT) - 7, len(TEXT))]:
        session.expire(source, ["text"])
        assert excerpts.span_text(session, source, start, end) == (start, end, TEXT[start:end])
        assert "text" not in source.__dict__ or session.get_bind().dialect.name == "sqlite"


@pytest.mark.parametrize("start, end, message", [
    (0, len(TEXT) + 1, f"is not inside the transcript (0-{len(TEXT)})"),
    (-1, 5, "is not inside the transcript"),
    (5, 5, "is not inside the transcript"),
    (31, 33, "more than white space"),
])
def test_bad_spans_get_the_same_messages(session, factory, start, end, message):
    _owner, source = unloaded_source(session, factory)
    with pytest.raises(InvalidInput) as raised:
        excerpts.span_text(session, source, start, end)
    assert message in str(raised.value)


def test_created_excerpt_keeps_the_span_text(session, factory):
    owner, source = unloaded_source(session, factory)
    excerpt = excerpts.create_excerpt(session, owner, source, len(TEXT) - 6, len(TEXT))
    session.commit()
    assert excerpt.text == "Slut 🎉" == TEXT[-6:]  # six code points: the emoji is one
