"""The coded transcript as a Word document, for reading on paper: the text with each excerpt as a comment.

``coded_transcript(session, source, viewer, role)`` gathers what the viewer may see (a blind coder of a
double-coded source gets only their own excerpts and codings: ``analysis.double_coding.rows_seen``);
``coded_transcript_docx(transcript, lang)`` writes it:

- the title, then project, perspective, cases, interviewees, date and the number of excerpts at the top;
- the text as paragraphs: a blank line or the start of a speaker turn (``analysis.turns``) begins a new
  paragraph, other line breaks stay line breaks; speaker labels are bold;
- every excerpt a Word comment anchored on exactly its span, with the text
  "H1.2 (supports) — anna; H2.1 (nuances) — bo" and each coder's memo ("Memo (anna): …") in a paragraph
  of its own. The runs are cut at every excerpt boundary, so overlapping or nested excerpts each get their own comment range;
- an A4 page with a page number in the footer; texts in ``lang`` (``kernel.translate``).

The same data gives the same bytes: no comment dates, fixed package timestamps (``ooxml.deterministic_zip``).
No Flask here; the web checks "pseudonymised only" (``coding.pseudonymise.require_export_allowed``)
before it calls this, as for the other exports.
"""
from __future__ import annotations

import io
import re
from bisect import bisect_left, bisect_right
from copy import deepcopy
from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from sqlalchemy.orm import Session

from casecoder.analysis.double_coding import is_blind, rows_seen
from casecoder.analysis.turns import Turn, split_turns
from casecoder.analysis.workbench import source_excerpt_rows
from casecoder.files.office import a4_page
from casecoder.files.ooxml import deterministic_zip
from casecoder.kernel.file_names import file_stem
from casecoder.kernel.translate import N_, Translator
from casecoder.models import Project, Role, Source, User

DIRECTIONS = {"supports": N_("supports"), "contradicts": N_("contradicts"), "nuances": N_("nuances")}
PERSPECTIVES = {"family": N_("family perspective"), "system": N_("system perspective")}
MODES = {"visit": N_("visit"), "phone": N_("phone")}
EXPLAINED = N_("Each excerpt is a comment in the margin: its codes with direction and coder, and its memo.")
BLIND = N_("Blind double coding: you see only your own codings until the owner opens the comparison.")
_PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t]*\n)+")       # a blank line (or several) between paragraphs
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold (\f, \x0c, kept)


@dataclass(frozen=True)
class CodedTranscript:
    """What the document shows, as plain data: the source's facts, its text and the excerpts seen."""
    title: str
    project_title: str
    perspective: str
    mode: str | None
    interview_date: date | None
    case_keys: tuple[str, ...]
    interviewees: tuple[str, ...]         # "IP1 (mor)"
    text: str
    excerpts: tuple[dict[str, Any], ...]  # ``analysis.workbench.excerpt_json`` dicts, in text order
    blind: bool                           # the viewer codes this source blind: only their own work shown


def coded_transcript(session: Session, source: Source, viewer: User | None = None,
                     role: Role | None = Role.OWNER) -> CodedTranscript:
    """The source with the excerpts ``viewer`` may see (every excerpt when there is no viewer)."""
    blind = viewer is not None and is_blind(session, source.id, viewer, role)
    rows = source_excerpt_rows(session, source.id)
    shown = rows_seen(viewer, blind, rows) if viewer is not None else [data for _, data in rows]
    project = session.get(Project, source.project_id)
    return CodedTranscript(
        title=source.title, project_title=project.title if project else "",
        perspective=source.perspective.value, mode=source.mode.value if source.mode else None,
        interview_date=source.interview_date, case_keys=tuple(c.key for c in source.cases),
        interviewees=tuple(f"{p.key} ({p.role})" if p.role else p.key for p in source.interviewees),
        text=source.text, excerpts=tuple(shown), blind=blind)


def file_name(title: str) -> str:
    """The download's file name from the title, in plain ASCII: "Interview med Søren" ->
    "Interview-med-Soeren-coded.docx" (``kernel.file_names``: æ, ø, å as ae, oe, aa; other accents dropped)."""
    return f"{file_stem(title, 'transcript')}-coded.docx"


# ---- the text cut into paragraphs and runs


@dataclass(frozen=True)
class Piece:
    """A run's span [start, end) of the text; ``bold`` for a speaker label."""
    start: int
    end: int
    bold: bool


def paragraphs(text: str, turns: Sequence[Turn]) -> list[tuple[int, int]]:
    """The paragraphs' spans: the text cut at blank lines and before every speaker turn."""
    cuts: list[tuple[int, int]] = [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)]
    cuts += [(t.start - 1, t.start) for t in turns if t.start > 0 and text[t.start - 1] == "\n"]
    spans, position = [], 0
    for start, end in sorted(cuts):
        if start >= position:
            spans.append((position, start))
        position = max(position, end)
    spans.append((position, len(text)))
    trimmed = [(a + len(text[a:b]) - len(text[a:b].lstrip("\n")), a + len(text[a:b].rstrip("\n")))
               for a, b in spans]  # a newline at a paragraph's start or end is no line of its own
    return [(a, b) for a, b in trimmed if b > a]


def pieces(span: tuple[int, int], boundaries: Sequence[int], labels: Sequence[tuple[int, int]]) -> list[Piece]:
    """``span`` cut at every boundary inside it (sorted ``boundaries``); pieces inside a label (sorted,
    disjoint (start, end) spans) are bold."""
    start, end = span
    points = [start] + list(boundaries[bisect_left(boundaries, start + 1):bisect_left(boundaries, end)]) + [end]
    return [Piece(a, b, _inside(labels, a, b)) for a, b in zip(points, points[1:])]


def _inside(labels: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Does [start, end) lie inside one of ``labels``?"""
    i = bisect_right(labels, (start, float("inf"))) - 1
    return i >= 0 and labels[i][0] <= start and end <= labels[i][1]


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text.replace("\f", "\n"))


# ---- the comment texts


def codes_line(excerpt: dict[str, Any], t: Translator) -> str:
    """ "H1.2 (supports) — anna; H2.1 (nuances) — bo" in the report language."""
    codings = [f"{c['code']} ({t.gettext(DIRECTIONS.get(c['direction'], c['direction']))}) — {c['coder']}"
               for c in sorted(excerpt["codings"], key=lambda c: (_natural(c["code"]), c["coder"]))]
    return "; ".join(codings) or t.gettext("no codes")


def _natural(key: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts H1.2 before H2.1 and H2 before H10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", key) if part)


def _coders(excerpt: dict[str, Any]) -> list[str]:
    return sorted({c["coder"] for c in excerpt["codings"]})


# ---- the document


def _heading_lines(transcript: CodedTranscript, t: Translator) -> list[tuple[str, str]]:
    when = transcript.interview_date.isoformat() if transcript.interview_date else "—"
    if transcript.mode:
        when += f" ({t.gettext(MODES.get(transcript.mode, transcript.mode))})"
    return [(t.gettext("Project"), transcript.project_title),
             (t.gettext("Perspective"), t.gettext(PERSPECTIVES.get(transcript.perspective, transcript.perspective))),
             (t.gettext("Cases"), ", ".join(transcript.case_keys) or "—"),
             (t.gettext("Interviewees"), ", ".join(transcript.interviewees) or "—"),
             (t.gettext("Date"), when),
             (t.gettext("Excerpts"), str(len(transcript.excerpts)))]


def _page_setup(document: Any, t: Translator) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    section = document.sections[0]
    a4_page(section)  # A4 with Danish margins, as every Word file casecoder writes
    footer = section.footer.paragraphs[0]
    footer.add_run(t.gettext("Page") + " ").font.size = Pt(9)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    number.append(text)
    field.append(number)
    footer._p.append(field)


def _add_text(document: Any, transcript: CodedTranscript) -> list[tuple[int, int, Any]]:
    """The transcript's paragraphs; returns every run as (start, end, run), in text order."""
    from docx.oxml.ns import nsdecls
    from docx.oxml.parser import parse_xml

    text, turns = transcript.text, split_turns(transcript.text)
    boundaries = sorted({e["start"] for e in transcript.excerpts} | {e["end"] for e in transcript.excerpts}
                        | {t.label_end for t in turns if t.speaker})
    labels = [(t.start, t.label_end) for t in turns if t.speaker and t.label_end > t.start]
    runs: list[tuple[int, int, Any]] = []
    bold = parse_xml(f'<w:rPr {nsdecls("w")}><w:b/></w:rPr>')  # what ``run.bold = True`` gives a new run
    # Each paragraph goes in before an end marker (removed at the end): ``document.add_paragraph`` looks
    # for the section properties among all the body's paragraphs each time, slow for a 200-page text.
    end = document.add_paragraph()
    for span in paragraphs(text, turns):
        paragraph = end.insert_paragraph_before()
        for piece in pieces(span, boundaries, labels):
            run, part = paragraph.add_run(), _xml_text(text[piece.start:piece.end])
            if piece.bold:  # (python-docx's setter looks for each property's place among the run's children)
                run._r.append(deepcopy(bold))
            if "\n" in part or "\t" in part:
                run.text = part  # line breaks and tabs as <w:br/> and <w:tab/>
            else:
                run.add_text(part)  # plain text: one <w:t>, without the setter's clearing first
            runs.append((piece.start, piece.end, run))
    end._p.getparent().remove(end._p)
    return runs


def _anchor(runs: list[tuple[int, int, Any]], starts: list[int], excerpt: dict[str, Any]) -> list[Any]:
    """The runs inside the excerpt's span; for a span of blank lines only, the run after it (or the last)."""
    first = bisect_left(starts, excerpt["start"])
    inside = []
    for _, end, run in runs[first:]:
        if end > excerpt["end"]:
            break
        inside.append(run)
    if inside:
        return inside
    return [runs[min(first, len(runs) - 1)][2]]


def _new_comment(comments: Any, comment_id: int, text: str, author: str, initials: str) -> Any:
    """``comments.add_comment(text, author, initials)`` (python-docx's ``Comments``) with the id given, and no
    time stamp (the same data gives the same bytes): python-docx finds the next id by reading every comment's
    id, for each comment (a transcript of 1,000 excerpts spent ~0.5 s there)."""
    from docx.comments import Comment
    from docx.oxml.ns import nsdecls
    from docx.oxml.parser import parse_xml

    element: Any = parse_xml(  # python-docx's CT_Comments.add_comment (a CT_Comment)
        f'<w:comment {nsdecls("w")} w:id="{comment_id}" w:author=""><w:p><w:pPr><w:pStyle w:val="CommentText"/>'
        '</w:pPr><w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r></w:p></w:comment>')
    comments._comments_elm.append(element)
    element.author, element.initials = author, initials
    comment = Comment(element, comments._comments_part)
    if text:
        first, *more = text.split("\n")
        comment.paragraphs[0].add_run(first)
        for line in more:
            comment.add_paragraph(text=line)
    return comment


def _add_comment(document: Any, anchor: list[Any], excerpt: dict[str, Any], t: Translator, comment_id: int) -> None:
    coders = _coders(excerpt)
    author = ", ".join(coders) or "casecoder"
    initials = "".join(name[:1].upper() for name in coders)[:9] or "CC"
    comment = _new_comment(document.comments, comment_id, codes_line(excerpt, t), author, initials)
    anchor[0].mark_comment_range(anchor[-1], comment_id)  # as ``document.add_comment`` places the range
    if transcript_case := excerpt.get("case_shown"):
        comment.add_paragraph(t.gettext("Case") + " " + transcript_case)
    for memo in excerpt.get("memos", []):  # each coder's memo after their name
        paragraph = comment.add_paragraph()
        paragraph.add_run(t.gettext("Memo") + f" ({memo['user']}): ").bold = True
        paragraph.add_run(_xml_text(memo["text"]))


def coded_transcript_docx(transcript: CodedTranscript, lang: str) -> bytes:
    """The DOCX bytes of ``transcript`` with its texts in ``lang`` ("da" or "en")."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    t = Translator(lang)
    language = t.pgettext("language tag of a Word document", "en-GB")
    document = docx.Document()
    for lang_element in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang_element.set(qn("w:val"), language)
    core = document.core_properties
    core.title, core.author, core.last_modified_by, core.revision = transcript.title, "casecoder", "casecoder", 1
    core.subject, core.language = t.gettext("Coded transcript"), language
    _page_setup(document, t)
    document.add_heading(transcript.title, level=0)
    grey = RGBColor(0x59, 0x59, 0x59)
    document.add_paragraph().add_run(t.gettext("Coded transcript")).bold = True
    facts = document.add_paragraph()
    for i, (name, value) in enumerate(_heading_lines(transcript, t)):
        if i:
            facts.add_run().add_break()
        label = facts.add_run(name + ": ")
        label.bold, label.font.size = True, Pt(9)
        facts.add_run(_xml_text(value)).font.size = Pt(9)
    for note in [EXPLAINED] + ([BLIND] if transcript.blind else []):
        run = document.add_paragraph().add_run(t.gettext(note))
        run.italic, run.font.size, run.font.color.rgb = True, Pt(9), grey
    runs = _add_text(document, transcript)
    starts = [start for start, _, _ in runs]
    several_cases = len(transcript.case_keys) > 1
    for comment_id, excerpt in enumerate(transcript.excerpts if runs else ()):
        shown = {**excerpt, "case_shown": excerpt.get("case") if several_cases else None}
        _add_comment(document, _anchor(runs, starts, excerpt), shown, t, comment_id)
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue())
