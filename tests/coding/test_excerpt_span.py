"""``excerpts.span_text`` and ``text_cache``: an excerpt's span and text without reading the transcript
from the database each time, and never an old text.

The transcript is kept per process under (source id, ``text_version``); a trigger gives the version a
new random value whenever the text changes — through the ORM, by raw SQL, or in a transaction that is
rolled back. Every test on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from casecoder.coding import excerpts, text_cache
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Source

TEXT = "Interviewer: Hvordan gik det? 🙂\n\nMor: Æblerne i Ølstykke var søde… 👩‍👧 " + "og så videre. " * 50 + "Slut 🎉"


def unloaded_source(session, factory):  # type: ignore[no-untyped-def]
    owner = factory.user("eva")
    project = factory.project("span", owner)
    source = factory.source(project, [factory.case(project)], TEXT, "family", "A")
    session.commit()
    session.expire(source, ["text"])
    return owner, source


def version(session, source) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(Source.text_version).where(Source.id == source.id))


def test_span_text_is_the_slice_of_the_text_in_code_points(session, factory):
    _owner, source = unloaded_source(session, factory)
    assert version(session, source) is not None
    for start, end in [(0, 11), (30, 31), (36, 70), (len(TEXT) - 6, len(TEXT))]:
        assert excerpts.span_text(session, source, start, end) == (start, end, TEXT[start:end])
        assert "text" not in source.__dict__  # served by the cache, the transcript not loaded


@pytest.mark.parametrize("start, end, message", [
    (0, len(TEXT) + 1, f"is not inside the transcript (0-{len(TEXT)})"),
    (-1, 5, "is not inside the transcript"),
    (5, 5, "is not inside the transcript"),
    (0, 2**40, "is not inside the transcript"),
    (31, 33, "more than white space"),
])
def test_bad_spans_get_their_messages(session, factory, start, end, message):
    _owner, source = unloaded_source(session, factory)
    with pytest.raises(InvalidInput) as raised:
        excerpts.span_text(session, source, start, end)
    assert message in str(raised.value)


def test_a_changed_text_is_never_served_from_the_cache(session, factory):
    owner, source = unloaded_source(session, factory)
    assert excerpts.span_text(session, source, 0, 11)[2] == "Interviewer"
    before = version(session, source)
    source.text = "Interviewet: " + TEXT  # through the ORM
    session.commit()
    session.expire(source, ["text"])
    assert version(session, source) != before
    assert excerpts.span_text(session, source, 0, 11)[2] == "Interviewet"
    session.execute(update(Source).where(Source.id == source.id).values(text="Samtale med mor. " + TEXT))
    session.commit()  # by raw SQL, as a script would
    session.expire(source, ["text"])
    assert excerpts.span_text(session, source, 0, 7)[2] == "Samtale"
    kept = version(session, source)
    session.execute(text("UPDATE sources SET text = 'Rullet tilbage. ' || text WHERE id = :id"), {"id": source.id})
    session.expire(source, ["text"])
    assert excerpts.span_text(session, source, 0, 6)[2] == "Rullet"  # this transaction sees its own edit
    session.rollback()
    session.expire(source, ["text"])
    assert version(session, source) == kept
    assert excerpts.span_text(session, source, 0, 7)[2] == "Samtale"  # and after the rollback, not any more


def test_created_excerpt_keeps_the_span_text(session, factory):
    owner, source = unloaded_source(session, factory)
    excerpt = excerpts.create_excerpt(session, owner, source, len(TEXT) - 6, len(TEXT))
    session.commit()
    assert excerpt.text == "Slut 🎉" == TEXT[-6:]  # six code points: the emoji is one


@pytest.mark.parametrize("limit", ["texts", "chars"])
def test_the_cache_keeps_at_most_its_limits(session, factory, monkeypatch, limit):
    if limit == "texts":
        monkeypatch.setattr(text_cache, "MAX_TEXTS", 5)
    else:
        monkeypatch.setattr(text_cache, "MAX_CHARS", 3 * len(TEXT) + 50)
    owner = factory.user("eva")
    project = factory.project("many", owner)
    case = factory.case(project)
    sources = [factory.source(project, [case], f"Tekst nummer {i}. " + TEXT, "family", f"S{i}") for i in range(8)]
    session.commit()
    for _ in range(2):
        for i, source in enumerate(sources):
            session.expire(source, ["text"])
            assert excerpts.span_text(session, source, 0, 13 + len(str(i)))[2] == f"Tekst nummer {i}"
            held = [text for (source_id, _version), text in text_cache._TEXTS.items()]
            assert sum(map(len, held)) <= text_cache.MAX_CHARS
            assert len(held) <= text_cache.MAX_TEXTS and held[-1] == source.text
    assert len(held) == (5 if limit == "texts" else 3)
