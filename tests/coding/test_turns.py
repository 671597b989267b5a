"""Speaker turns: they tile the text, find the markers real transcripts use and nothing else."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.hostile import LINES
from casecoder.analysis.turns import Turn, split_turns

DEMO = Path(__file__).resolve().parents[2] / "casecoder" / "demo" / "transcripts"
DEMO_FILES = sorted(DEMO.glob("*.txt"))


def assert_tiles(text: str, turns: list[Turn]) -> None:
    assert turns, "a non-empty text has at least one turn"
    assert turns[0].start == 0
    assert turns[-1].end == len(text)
    for a, b in zip(turns, turns[1:]):
        assert a.end == b.start
    for t in turns:
        assert t.start < t.end
        assert t.start <= t.label_end <= t.end
        if t.speaker is None:
            assert t.label_end == t.start
        else:
            assert t.start == 0 or text[t.start - 1] == "\n", "a turn starts at a line start"
            label = text[t.start:t.label_end]
            assert t.speaker in label


def speakers(text: str) -> list[str | None]:
    return [t.speaker for t in split_turns(text)]


def test_demo_transcripts_are_present():
    assert len(DEMO_FILES) >= 10


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_demo_transcripts_tile_and_find_interviewer_and_interviewee(path: Path):
    text = path.read_text(encoding="utf-8")
    turns = split_turns(text)
    assert_tiles(text, turns)
    counts = Counter(t.speaker for t in turns)
    assert counts["Interviewer"] >= 10
    # the header "[Interview med ..., 10. marts 2026]" comes before the first marker
    assert turns[0].speaker is None and text.startswith("[")
    assert counts[None] == 1
    others = set(counts) - {None, "Interviewer"}
    assert others and others <= {"Interviewperson", "Mor", "Far", "Familiekoordinator", "Jobkonsulent",
                                 "Sagsbehandler"}, others
    for t in turns[1:]:
        assert text[t.start:t.label_end] == t.speaker + ": "


def test_interviewperson_is_recognised():
    text = (DEMO / "nordby_f01_familie.txt").read_text(encoding="utf-8")
    counts = Counter(speakers(text))
    assert counts["Interviewperson"] >= 10 and counts["Interviewer"] >= 10


def test_shared_transcripts_tile(shared_dir: Path):
    files = sorted((shared_dir / "transcripts").glob("*.txt"))
    assert len(files) >= 3
    for path in files:
        text = path.read_text(encoding="utf-8")
        turns = split_turns(text)
        assert_tiles(text, turns)
        assert any(t.speaker for t in turns), path.name


def test_shared_qualcoder_id_style(shared_dir: Path):
    text = (shared_dir / "transcripts" / "qualcoder_transcript.txt").read_text(encoding="utf-8")
    turns = split_turns(text)
    assert [t.speaker for t in turns] == ["id1", "id2", "id3", "id1", "id3", "id1", "id2"]
    assert text[turns[0].start:turns[0].label_end] == "[id1] "


def test_shared_interview_with_hard_wrapped_lines(shared_dir: Path):
    text = (shared_dir / "transcripts" / "qc_demo_admin-1_interview.txt").read_text(encoding="utf-8")
    counts = Counter(speakers(text))
    assert set(counts) == {"Automation", "Max Bigman", "admin-1"}  # no wrapped line taken for a marker
    assert counts["Max Bigman"] >= 20 and counts["admin-1"] >= 20
    board = (shared_dir / "transcripts" / "qc_demo_board_2017_meeting.txt").read_text(encoding="utf-8")
    found = set(speakers(board))
    assert {"Speaker 1", "Speaker 23", "Mr. Dauber", "Ms. Ofek", "Moderator"} <= found
    assert None not in found and "inaudible" not in found


def test_qualcoder_id_markers():
    text = "[id1] hello there.\n\n[id2] I am struggling.\n[id1] yes"
    turns = split_turns(text)
    assert_tiles(text, turns)
    assert [t.speaker for t in turns] == ["id1", "id2", "id1"]
    assert text[turns[1].start:turns[1].label_end] == "[id2] "


def test_bracketed_name_and_time():
    text = "[Pallis 00:00:52] Hello.\n[Max Bigman 0:01:02] Hi!\n[Pallis 00:01:10]\nMore."
    turns = split_turns(text)
    assert_tiles(text, turns)
    assert [t.speaker for t in turns] == ["Pallis", "Max Bigman", "Pallis"]
    assert text[turns[0].start:turns[0].label_end] == "[Pallis 00:00:52] "
    assert text[turns[2].label_end:] == "\nMore."


def test_bracketed_annotations_are_no_markers():
    text = "Interviewer: Hvad så?\n[inaudible 00:05:15] together\n[Interview med mor, 2026]\n[griner]"
    assert speakers(text) == ["Interviewer"]


def test_short_labels_and_multiword_labels():
    text = "I: Hvordan gik det?\nIP: Godt.\nMax Bigman:   Okay.\nSpeaker 10: Yes.\nMr. Dauber: Thanks.\nI:\nNej."
    turns = split_turns(text)
    assert_tiles(text, turns)
    assert [t.speaker for t in turns] == ["I", "IP", "Max Bigman", "Speaker 10", "Mr. Dauber", "I"]
    assert text[turns[0].start:turns[0].label_end] == "I: "
    assert text[turns[2].start:turns[2].label_end] == "Max Bigman:   "
    assert text[turns[5].start:turns[5].label_end] == "I:"  # label at the end of its line


def test_danish_letters_and_hyphen_in_labels():
    text = "Søren: Hej.\nÅse-Marie: Hej med dig.\nFamiliekoordinator: Ja."
    assert speakers(text) == ["Søren", "Åse-Marie", "Familiekoordinator"]


def test_no_false_positive_mid_line_or_lower_case():
    text = ("Interviewer: Hvad sagde hun?\n"
            "Interviewperson: Det sagde hun: nej. Og så\n"
            "hun sagde: det gør jeg ikke.\n"
            "Det sagde hun: nej\n"
            "Ja: det var sådan.\n"
            "og derefter: ingenting\n"
            "Klokken var 10:30 da vi kom.\n"
            "En meget lang overskrift med mange ord: her\n")
    turns = split_turns(text)
    assert_tiles(text, turns)
    assert [t.speaker for t in turns] == ["Interviewer", "Interviewperson"]
    assert turns[1].end == len(text)


def test_label_needs_a_space_after_the_colon():
    assert speakers("Interviewer: Se https://x.dk\nhttps://y.dk\nNote:x") == ["Interviewer"]


def test_label_length_limit():
    long_name = "A" * 41
    assert speakers(f"{long_name}: hej") == [None]
    assert speakers(f"{'A' * 40}: hej") == ["A" * 40]


def test_text_before_the_first_marker_has_no_speaker():
    text = "[Interview med far, 17. marts 2026]\n\nInterviewer: Hej.\nInterviewperson: Hej."
    turns = split_turns(text)
    assert_tiles(text, turns)
    assert turns[0] == Turn(start=0, end=text.index("Interviewer"), speaker=None, label_end=0)
    assert [t.speaker for t in turns] == [None, "Interviewer", "Interviewperson"]


def test_text_without_markers_is_one_turn():
    text = "Bare en tekst.\nUden talere."
    assert split_turns(text) == [Turn(start=0, end=len(text), speaker=None, label_end=0)]


def test_empty_text():
    assert split_turns("") == []


def test_offsets_are_code_points():
    text = "Interviewer: 😀 æøå\nIP: 🎉 ok"
    turns = split_turns(text)
    assert_tiles(text, turns)
    assert text[turns[1].start:turns[1].label_end] == "IP: "
    assert text[turns[1].label_end:turns[1].end] == "🎉 ok"


def test_indented_marker_and_crlf_free_text():
    text = "  Interviewer: Hej\n\tIP: Hej"
    turns = split_turns(text)
    assert_tiles(text, turns)
    assert [t.speaker for t in turns] == ["Interviewer", "IP"]
    assert turns[1].start == text.index("\t")


# 5 MB on one line; how long it takes is benchmark 8 (bench/hostile.py)
@pytest.mark.parametrize("name", list(LINES))
def test_split_turns_on_one_long_line(name):
    line = LINES[name]
    turns = split_turns(line)
    assert turns[0].start == 0 and turns[-1].end == len(line)
    assert all(a.end <= b.start for a, b in zip(turns, turns[1:]))


def test_turn_rows_are_the_turns_and_an_edited_text_is_split_again():
    from casecoder.analysis.turns import turn_rows
    text = DEMO_FILES[0].read_text(encoding="utf-8")
    rows = turn_rows(text)
    assert [(r["start"], r["label_end"], r["end"], r["speaker"]) for r in rows] == \
        [(t.start, t.label_end, t.end, t.speaker) for t in split_turns(text)]
    assert turn_rows(text[:1] + text[1:]) is rows  # an equal text (another object, as from a new query): kept
    edited = text.replace("\n", "\nIP: ", 1)  # a new marker: new turns
    assert [r["start"] for r in turn_rows(edited)] == [t.start for t in split_turns(edited)] != \
        [r["start"] for r in rows]
