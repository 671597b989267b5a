"""The coded transcript as DOCX (export/coded_transcript.py), read back with python-docx: the text as
paragraphs, each excerpt a comment anchored on exactly its span (overlaps too), the comment texts in
English and Danish, the same bytes for the same data, and a blind coder's export. Both databases."""
from __future__ import annotations

import io
import random
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from casecoder.analysis.turns import split_turns
from casecoder.coding import accounts, excerpts
from casecoder.coding import double_coding as dc
from casecoder.export.coded_transcript import (
    CodedTranscript,
    coded_transcript,
    coded_transcript_docx,
    file_name,
    paragraphs,
    pieces,
)
from casecoder.kernel.vocabulary import Role
from tests.files.test_office import assert_a4

TEXT = ("Interviewer: Hvordan gik det med koordinatoren?\n\n"
        "Mor: Min koordinator ringede altid tilbage samme dag. Det gav ro.\n"
        "Og hun kendte hele historien.\n\n"
        "Interviewer: Og kommunen?\n"
        "Mor: Sagsbehandleren skiftede tre gange.\n")
LONG = "Min koordinator ringede altid tilbage samme dag. Det gav ro."
INNER = "ringede altid tilbage"
ACROSS = "Og hun kendte hele historien.\n\nInterviewer: Og kommunen?"
LATE = "Sagsbehandleren skiftede tre gange."


@pytest.fixture
def coded(factory, session):  # type: ignore[no-untyped-def]
    """Owner olga; coders anna and bo. anna's excerpt LONG carries her H1.2 and bo's H2.1; bo's INNER
    lies inside it (ST.4); olga's ACROSS spans two paragraphs; anna's LATE has her memo, LONG anna's and bo's."""
    olga, anna, bo = factory.user("olga"), factory.user("anna"), factory.user("bo")
    project = factory.project("proj", olga)
    for coder in (anna, bo):
        accounts.add_member(session, project, coder, Role.CODER)
    case = factory.case(project, "F01")
    source = factory.source(project, [case], text=TEXT, title="Interview med Søren og Åse")
    long = factory.excerpt(anna, source, LONG, [(factory.code(project, "H1.2"), "supports")])
    excerpts.add_coding(session, bo, long, factory.code(project, "H2.1"), "nuances")
    excerpts.set_memo(session, anna, long, "Samme person hver gang")
    excerpts.set_memo(session, bo, long, "Bo ser det anderledes")
    factory.excerpt(bo, source, INNER, [(factory.code(project, "ST.4"), "contradicts")])
    factory.excerpt(olga, source, ACROSS, [(factory.code(project, "H1.4"), "supports")])
    late = factory.excerpt(anna, source, LATE, [(factory.code(project, "B.1"), "supports")])
    excerpts.set_memo(session, anna, late, "Skift af sagsbehandler\nflere gange")
    session.commit()
    return project, source, {"olga": olga, "anna": anna, "bo": bo}


def anchors(document) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each comment's id -> the text its range covers (paragraphs joined by a blank line)."""
    body = document.element.body
    open_ranges: dict[str, list[str]] = {}
    done: dict[str, str] = {}
    for element in body.iter():
        tag = element.tag
        if tag == qn("w:commentRangeStart"):
            open_ranges[element.get(qn("w:id"))] = []
        elif tag == qn("w:commentRangeEnd"):
            done[element.get(qn("w:id"))] = "".join(open_ranges.pop(element.get(qn("w:id"))))
        elif tag in (qn("w:t"), qn("w:br"), qn("w:p")):
            piece = {qn("w:t"): element.text or "", qn("w:br"): "\n", qn("w:p"): "\n\n"}[tag]
            for parts in open_ranges.values():
                parts.append(piece)
    assert not open_ranges, "every comment range ends"
    return done


def comments(document) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(anchored text, comment text, author) in comment order."""
    covered = anchors(document)
    return [(covered[str(c.comment_id)], c.text, c.author) for c in document.comments]


def test_each_excerpt_is_a_comment_on_exactly_its_span(session, coded):
    project, source, users = coded
    data = coded_transcript_docx(coded_transcript(session, source, users["olga"], Role.OWNER), "en")
    document = Document(io.BytesIO(data))
    found = comments(document)
    assert found == [
        (LONG, "H1.2 (supports) — anna; H2.1 (nuances) — bo\nMemo (anna): Samme person hver gang\n"
               "Memo (bo): Bo ser det anderledes", "anna, bo"),
        (INNER, "ST.4 (contradicts) — bo", "bo"),
        (ACROSS, "H1.4 (supports) — olga", "olga"),
        (LATE, "B.1 (supports) — anna\nMemo (anna): Skift af sagsbehandler\nflere gange", "anna"),
    ]
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Interview med Søren og Åse" and document.paragraphs[0].style.name == "Title"
    assert texts[1] == "Coded transcript"
    assert texts[2] == ("Project: Project proj\nPerspective: family perspective\nCases: F01\n"
                        "Interviewees: —\nDate: —\nExcerpts: 4")
    body = texts[texts.index("Interviewer: Hvordan gik det med koordinatoren?"):]
    assert body == ["Interviewer: Hvordan gik det med koordinatoren?",
                    "Mor: Min koordinator ringede altid tilbage samme dag. Det gav ro.\nOg hun kendte hele historien.",
                    "Interviewer: Og kommunen?", "Mor: Sagsbehandleren skiftede tre gange."]
    speaker = document.paragraphs[texts.index(body[1])].runs[0]
    assert speaker.text == "Mor: " and speaker.bold, "speaker labels are bold"
    assert_a4(document.sections[0])  # A4 with Danish margins (files/office.a4_page)
    assert all(c.timestamp is None for c in document.comments), "no comment dates"


def test_overlapping_excerpts_nest_their_ranges(session, coded):
    project, source, users = coded
    document = Document(io.BytesIO(coded_transcript_docx(coded_transcript(session, source), "en")))
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Mor: Min"))
    marks = [(e.tag.split("}")[1], e.get(qn("w:id"))) for e in paragraph._p
             if e.tag in (qn("w:commentRangeStart"), qn("w:commentRangeEnd"))]
    assert marks == [("commentRangeStart", "0"), ("commentRangeStart", "1"), ("commentRangeEnd", "1"),
                     ("commentRangeEnd", "0"), ("commentRangeStart", "2")]
    assert [r.text for r in paragraph.runs if r.text] == [
        "Mor: ", "Min koordinator ", INNER, " samme dag. Det gav ro.", "\n", "Og hun kendte hele historien."]


def test_the_same_data_gives_the_same_bytes_and_danish_texts(session, coded):
    project, source, users = coded
    first = coded_transcript_docx(coded_transcript(session, source), "da")
    assert first == coded_transcript_docx(coded_transcript(session, source), "da")
    document = Document(io.BytesIO(first))
    assert document.comments.get(0).text.startswith("H1.2 (understøtter) — anna; H2.1 (nuancerer) — bo\nNotat (anna): ")
    assert document.paragraphs[2].text.startswith("Projekt: Project proj\nPerspektiv: familieperspektiv\nSager: F01")
    assert document.core_properties.created.year == 2000 and document.core_properties.title == source.title


def test_a_blind_coder_sees_only_their_own_work(session, coded):
    project, source, users = coded
    anna, bo = users["anna"], users["bo"]
    dc.mark_sources(session, users["olga"], project, [source], [anna, bo])
    session.commit()
    document = Document(io.BytesIO(coded_transcript_docx(coded_transcript(session, source, anna, Role.CODER), "en")))
    assert [(a, t) for a, t, _ in comments(document)] == [
        (LONG, "H1.2 (supports) — anna\nMemo (anna): Samme person hver gang"),  # not bo's memo
        (LATE, "B.1 (supports) — anna\nMemo (anna): Skift af sagsbehandler\nflere gange")]
    texts = [p.text for p in document.paragraphs]
    assert "Blind double coding: you see only your own codings until the owner opens the comparison." in texts
    assert "Excerpts: 2" in texts[2]
    owner = Document(io.BytesIO(coded_transcript_docx(
        coded_transcript(session, source, users["olga"], Role.OWNER), "en")))
    assert len(list(owner.comments)) == 4, "an owner is never blind"


def test_paragraphs_pieces_and_file_names():
    text = "\n\nA: one\ntwo\n\n\n  \nB: three\n"
    spans = paragraphs(text, split_turns(text))
    assert [text[a:b] for a, b in spans] == ["A: one\ntwo", "B: three"]
    assert [(p.start, p.end, p.bold) for p in pieces((0, 10), [0, 3, 5, 10, 12], [(0, 3)])] == [
        (0, 3, True), (3, 5, False), (5, 10, False)]
    assert file_name("Interview med Søren, Åse & Ærø!") == "Interview-med-Soeren-Aase-Aeroe-coded.docx"
    assert file_name("Mødet på Café Ø") == "Moedet-paa-Cafe-Oe-coded.docx"
    assert file_name("«»!") == "transcript-coded.docx"


def test_many_random_overlapping_excerpts_each_cover_exactly_their_text():
    """500 excerpts at random spans (nested, overlapping, across turns and blank lines) of a long text:
    every comment covers its excerpt's text (line breaks compared as one)."""
    rng = random.Random(21)
    words = ["koordinator", "ringede", "samme", "dag", "æblet", "skolen", "Kommunen", "ro."]
    text = "\n".join(("Interviewer: " if i % 2 else "Mor: ") + " ".join(rng.choices(words, k=12))
                     + ("\n" if i % 3 == 0 else "") for i in range(400))
    spans = sorted({(s, s + rng.randrange(1, 300)) for s in (rng.randrange(len(text) - 300) for _ in range(500))})
    rows = tuple({"id": i, "start": s, "end": e, "memos": [], "case": None,
                  "codings": [{"code": "H1.1", "direction": "supports", "coder": "anna"}]}
                 for i, (s, e) in enumerate(spans))
    transcript = CodedTranscript("T", "P", "family", None, None, (), (), text, rows, False)
    document = Document(io.BytesIO(coded_transcript_docx(transcript, "en")))
    covered = anchors(document)
    assert len(covered) == len(rows)

    def lines(value: str) -> str:
        return re.sub(r"\n+", "\n", value).strip("\n")
    for i, (start, end) in enumerate(spans):
        if text[start:end].strip("\n"):
            assert lines(covered[str(i)]) == lines(text[start:end]), (start, end)


def _former_add_text(document, transcript):  # type: ignore[no-untyped-def]
    """``_add_text`` as it was: python-docx's ``run.bold = True``."""
    from casecoder.export import coded_transcript as module
    text, turns = transcript.text, split_turns(transcript.text)
    boundaries = sorted({e["start"] for e in transcript.excerpts} | {e["end"] for e in transcript.excerpts}
                        | {t.label_end for t in turns if t.speaker})
    labels = [(t.start, t.label_end) for t in turns if t.speaker and t.label_end > t.start]
    runs, end = [], document.add_paragraph()
    for span in paragraphs(text, turns):
        paragraph = end.insert_paragraph_before()
        for piece in pieces(span, boundaries, labels):
            run, part = paragraph.add_run(), module._xml_text(text[piece.start:piece.end])
            if piece.bold:
                run.bold = True
            if "\n" in part or "\t" in part:
                run.text = part
            else:
                run.add_text(part)
            runs.append((piece.start, piece.end, run))
    end._p.getparent().remove(end._p)
    return runs


def _former_new_comment(comments, comment_id, text, author, initials):  # type: ignore[no-untyped-def]
    """python-docx's own ``Comments.add_comment`` (the next id found by reading every id), its date removed."""
    comment = comments.add_comment(text=text, author=author, initials=initials)
    assert comment.comment_id == comment_id
    comment._comment_elm.attrib.pop(qn("w:date"), None)
    return comment


def test_the_bytes_python_docx_makes_with_its_own_comments_and_bold(session, coded, monkeypatch):
    """Comments with their ids counted and bold speaker labels from a ready-made rPr: the same document as
    python-docx's ``add_comment`` and ``run.bold`` made (a random transcript of 300 excerpts, and the study)."""
    from casecoder.export import coded_transcript as module
    rng = random.Random(3)
    text = "\n".join(("Interviewer: " if i % 2 else "Mor: ") + " ".join(rng.choices(["ro", "dag", "æble"], k=9))
                     for i in range(120))
    spans = sorted({(s, s + rng.randrange(1, 200)) for s in (rng.randrange(len(text) - 200) for _ in range(300))})
    rows = tuple({"id": i, "start": s, "end": e, "case": "F01" if i % 2 else "F02",
                  "memos": [{"user": "anna", "text": "notat\nto linjer"}] if i % 5 == 0 else [],
                  "codings": [{"code": "H1.1", "direction": "supports", "coder": "anna"}]}
                 for i, (s, e) in enumerate(spans))
    _, source, _ = coded
    transcripts = [CodedTranscript("T", "P", "family", None, None, ("F01", "F02"), (), text, rows, False),
                   coded_transcript(session, source)]
    now = [coded_transcript_docx(t, lang) for t in transcripts for lang in ("da", "en")]
    monkeypatch.setattr(module, "_add_text", _former_add_text)
    monkeypatch.setattr(module, "_new_comment", _former_new_comment)
    assert now == [coded_transcript_docx(t, lang) for t in transcripts for lang in ("da", "en")]
