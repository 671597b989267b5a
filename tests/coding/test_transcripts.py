"""Importing transcripts and editing their text without breaking excerpts (no Flask)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import transcripts
from casecoder.files.extract import extract_text
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Excerpt

TEXT = ("Interviewer: Hvordan var det?\n\n"
        "Interviewperson: Koordinatoren ringede altid tilbage. Det gav mig ro til at tænke på job.\n\n"
        "Interviewer: Og skolen?\n\n"
        "Interviewperson: Skolen var svær i starten.\n")


@pytest.fixture
def coded(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    case = factory.case(project)
    source = factory.source(project, [case], text=TEXT)
    first = factory.excerpt(owner, source, "Koordinatoren ringede altid tilbage.", [(factory.code(project, "H1.4"), "supports")])
    second = factory.excerpt(owner, source, "Skolen var svær i starten.", [(factory.code(project, "B.6"), "supports")])
    session.commit()
    return owner, project, source, first, second


def test_import_refuses_the_same_file_twice_unless_allowed(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    extracted = extract_text("mor.txt", "Interviewer: Hej\n".encode(), 10_000)
    first = transcripts.import_transcript(session, project, extracted, user=owner, title=None, perspective="family")
    assert first.title == "mor" and first.original_filename == "mor.txt" and first.sha256 == extracted.sha256
    with pytest.raises(InvalidInput, match="'mor.txt' was already imported as 'mor'"):
        transcripts.import_transcript(session, project, extracted, user=owner, title="igen", perspective="family")
    again = transcripts.import_transcript(session, project, extracted, user=owner, title="igen",
                                          perspective="family", allow_duplicate=True)
    assert again.id != first.id


def test_edit_before_an_excerpt_moves_it_and_is_audited(session, coded):
    owner, project, source, first, second = coded
    new = TEXT.replace("Hvordan var det?", "Hvordan var det for dig? 👍")
    moved = transcripts.edit_text(session, owner, source, new)
    session.commit()
    assert moved == 2
    for excerpt in (first, second):
        session.refresh(excerpt)
        assert new[excerpt.start_offset:excerpt.end_offset] == excerpt.text
    updates = session.scalars(select(AuditEvent).where(AuditEvent.entity == "excerpt",
                                                       AuditEvent.action == "update")).all()
    assert len(updates) == 2 and updates[0].after["start"] - updates[0].before["start"] == len(new) - len(TEXT)


def test_edit_between_excerpts_moves_only_the_later_one(session, coded):
    owner, project, source, first, second = coded
    old_first = (first.start_offset, first.end_offset)
    new = TEXT.replace("Og skolen?", "Og hvad med skolen?")
    assert transcripts.edit_text(session, owner, source, new) == 1
    assert (first.start_offset, first.end_offset) == old_first
    assert new[second.start_offset:second.end_offset] == second.text


def test_insertions_right_at_an_excerpt_boundary_keep_its_text(session, coded):
    owner, project, source, first, second = coded
    new = TEXT.replace("Koordinatoren ringede altid tilbage.", ">>Koordinatoren ringede altid tilbage.<<")
    transcripts.edit_text(session, owner, source, new)
    assert new[first.start_offset:first.end_offset] == "Koordinatoren ringede altid tilbage."


def test_edit_inside_an_excerpt_is_refused_with_the_list_and_nothing_changes(session, coded):
    owner, project, source, first, second = coded
    new = TEXT.replace("ringede altid", "ringede næsten altid").replace("svær i", "meget svær i")
    with pytest.raises(InvalidInput) as info:
        transcripts.edit_text(session, owner, source, new)
    message = info.value.message
    assert "2 excerpt(s)" in message and f"#{first.id}" in message and f"#{second.id}" in message
    session.rollback()
    session.refresh(source)
    assert source.text == TEXT
    assert [session.get(Excerpt, e.id).start_offset for e in (first, second)] == [first.start_offset, second.start_offset]


def test_empty_text_is_refused(session, coded):
    owner, project, source, first, second = coded
    with pytest.raises(InvalidInput, match="must not be empty"):
        transcripts.edit_text(session, owner, source, "  \n")


def test_windows_line_endings_in_an_edit_become_newlines(session, coded):
    owner, project, source, first, second = coded
    transcripts.edit_text(session, owner, source, TEXT.replace("\n", "\r\n") + "Slut.\r\n")
    assert "\r" not in source.text and source.text.endswith("Slut.\n")
    assert source.text[second.start_offset:second.end_offset] == second.text


def test_editing_a_long_transcript_is_not_quadratic(session, factory):
    """The edit diff was character by character over the whole changed region: minutes for a few thousand
    characters edited in several places, hours for 5 MB. Now line by line first, with a budget (its
    time: bench/hostile.py)."""
    from casecoder.coding.transcripts import edit_text
    owner = factory.user("owner")
    project = factory.project("long", owner)
    case = factory.case(project)
    lines = [f"Interviewperson: Jeg fik hjælp hurtigt og godt, sagde hun {i}." for i in range(3000)]
    source = factory.source(project, [case], text="\n".join(lines))
    kept = factory.excerpt(owner, source, lines[1500], [(factory.code(project, "H1.4"), "supports")])
    session.commit()
    edited = [line if i == 1500 else line.replace("hjælp", "støtte") for i, line in enumerate(lines)]
    assert edit_text(session, owner, source, "\n".join(edited)) == 1  # the excerpt moved, its text kept
    assert source.text[kept.start_offset:kept.end_offset] == kept.text == lines[1500]
    one_line = "Jeg fik hjælp hurtigt og godt. " * 170_000  # 5 MB on one line, an excerpt in the middle
    big = factory.source(project, [case], text=one_line, title="Lang")
    factory.excerpt(owner, big, one_line[2_500_000:2_500_030].strip(), [(factory.code(project, "H1.4"), "supports")])
    session.commit()
    with pytest.raises(InvalidInput, match="changes text inside 1 excerpt"):
        edit_text(session, owner, big, "X" + big.text[1:-2] + "Y")  # edits at both ends: one coarse change
    assert edit_text(session, owner, big, "Nu: " + big.text) == 1  # one edit: still exact, the excerpt moves
