"""The report chapter of a hypothesis (#24), read back with python-docx: headings, every count sentence
against the tally, figure and example numbering, the appendix's case keys, a user's template, bad input."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Cm
from sqlalchemy import select

from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.quotes import quote_bank
from casecoder.analysis.tally import compute_tally
from casecoder.coding import accounts, excerpts, report_prep
from casecoder.kernel.measures import DIRECTIONS
from casecoder.models import AuditEvent, Code, Excerpt
from casecoder.models.report import ReportQuote
from tests.files.test_office import assert_a4

WORDS = {w: i for i, w in enumerate(("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni"))}
FAMILY = re.compile(r"^(\w+) ud af (\w+) familier nævner »(.+)«\.$|^Ingen af de (\w+) familier nævner »(.+)«\.$")
SYSTEM = re.compile(r"^I (\w+) ud af (\w+) sager peger fagpersonerne på »(.+)«\.$"
                    r"|^I ingen af de (\w+) sager peger fagpersonerne på »(.+)«\.$")


def number(word: str) -> int:
    return WORDS[word.lower()] if word.lower() in WORDS else int(word)



def h2_excerpts(session, project) -> list[int]:  # type: ignore[no-untyped-def]
    """Excerpt ids coded under H2's sub-mechanisms, in the quote bank's order, one per case and code."""
    bank = quote_bank(session, project, ["H2"], CountFilter(directions=frozenset(DIRECTIONS)))
    found: list[int] = []
    for section in bank.sections:
        found += [q.excerpt_id for q in section.quotes if q.excerpt_id not in found]
    return found


def mark(session, project, ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    admin = accounts.get_user(session, "admin")
    for excerpt_id in ids:
        report_prep.mark_quote(session, session.get(Excerpt, excerpt_id), admin.id)
    session.commit()


def export(app, out: Path, *extra: str, key: str = "H2") -> str:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["export", "chapter", "demo", key, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def paragraphs(path: Path, style: str | None = None) -> list[str]:
    document = docx.Document(str(path))
    return [p.text for p in document.paragraphs if style is None or p.style.name == style]


def test_the_chapter_says_what_the_tally_says_with_figures_examples_and_appendix(app, chains, session, tmp_path):
    ids = h2_excerpts(session, chains)[:4]
    mark(session, chains, [ids[2], ids[0], ids[3]])   # the analyst's order, not the bank's
    out = tmp_path / "chapter"
    export(app, out, "--language", "da")
    assert {"chapter.docx", "data.csv", "data.xlsx", "data.json", "spec.json", "README.txt",
            "figure-1-Motivation.png", "figure-1-Motivation.svg", "figure-2-overview.png",
            "figure-2-overview.svg"} <= {p.name for p in out.iterdir()}
    assert (out / "figure-1-Motivation.png").read_bytes().startswith(b"\x89PNG")
    document = docx.Document(str(out / "chapter.docx"))
    assert_a4(document.sections[0])
    codes = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == chains.id))}
    h2 = codes["H2"]
    assert paragraphs(out / "chapter.docx", "Heading 1") == [f"Hypotese 2: {h2.label_da}"]
    subs = sorted((c for c in codes.values() if c.parent_id == h2.id), key=lambda c: (c.position, c.id))
    assert paragraphs(out / "chapter.docx", "Heading 2") == [c.label_da for c in subs] + ["Bilag: sagerne bag hvert tal"]

    tally = compute_tally(session, chains, case_keys=True)
    text = paragraphs(out / "chapter.docx")
    base = next(t for t in text if t.startswith("Hypotesen bygger på "))
    found = re.match(r"Hypotesen bygger på (\w+) sager: (\w+) med familieinterview og (\w+) med systeminterview\.$", base)
    assert found and tuple(map(number, found.groups())) == (tally.N["any"], tally.N["family"], tally.N["system"])
    for sub in subs:
        counts = tally.row(sub.key).counts
        family = next((m for m in map(FAMILY.match, text) if m and sub.label_da in (m.group(3) or m.group(5))), None)
        assert family, (sub.key, text)
        n, N = (number(family.group(1)), number(family.group(2))) if family.group(1) else (0, number(family.group(4)))
        assert (n, N) == (counts["family"].n, counts["family"].N), sub.key
        system = next((m for m in map(SYSTEM.match, text) if m and sub.label_da in (m.group(3) or m.group(5))), None)
        assert system, (sub.key, text)
        n, N = (number(system.group(1)), number(system.group(2))) if system.group(1) else (0, number(system.group(4)))
        assert (n, N) == (counts["system"].n, counts["system"].N), sub.key
    assert not any(re.search(r"\b0 (ud )?af 0\b", t) for t in text)
    assert not any(re.search(r"\b[1-9] ud af", t) for t in text), "one to nine are written as words"

    captions = paragraphs(out / "chapter.docx", "Caption")
    assert captions == ["Figur 1: Motivation.", f"Figur 2: {h2.label_da} i overblik."]
    assert any(t.startswith("Note: Mørkegrønne bokse står for udsagn fra borgere") for t in text)
    examples = [t for t in text if t.startswith("Eksempel ")]
    assert examples == ["Eksempel 1", "Eksempel 2", "Eksempel 3"]
    quotes = paragraphs(out / "chapter.docx", "Quote")
    assert len(quotes) == 3 and all(": »" in q or ": “" in q for q in quotes)
    data = json.loads((out / "data.json").read_text(encoding="utf-8"))
    assert sorted(e["excerpt_id"] for e in data["examples"]) == sorted([ids[2], ids[0], ids[3]])
    case_keys = {e["excerpt_id"]: e["case_key"] for e in data["examples"]}
    assert not any(case_keys[i] in q for i, q in zip(case_keys, quotes)), "no case key in a quote"

    table = document.tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["Tal", "n", "N", "Sager"]
    rows = {r.cells[0].text: r for r in table.rows[1:]}
    for sub in subs:
        count = tally.row(sub.key).counts["family"]
        row = rows[f"{sub.key} {sub.label_da} · familieperspektiv"]
        assert (row.cells[1].text, row.cells[2].text) == (str(count.n), str(count.N))
        assert row.cells[3].text == (", ".join(count.case_keys) or "—")
    for e in data["examples"]:
        assert rows[f"Eksempel {e['number']}"].cells[3].text == e["case_key"], "the case key only in the appendix"

    again = tmp_path / "again"
    export(app, again, "--language", "da")
    for name in {p.name for p in out.iterdir()} - {"spec.json"}:
        assert (out / name).read_bytes() == (again / name).read_bytes(), f"{name} differs between two runs"
    spec = json.loads((out / "spec.json").read_text(encoding="utf-8"))
    assert spec["kind"] == "chapter" and spec["target"] == {"code": "H2"}
    rerun = app.test_cli_runner().invoke(args=["export", "--spec", str(out / "spec.json")])
    assert rerun.exit_code == 0 and "matches" in rerun.output


def test_english_chapter_and_a_deleted_quote_is_named_not_printed(app, chains, session, tmp_path):
    ids = h2_excerpts(session, chains)[:2]
    mark(session, chains, ids)
    admin = accounts.get_user(session, "admin")
    gone = session.get(Excerpt, ids[0])
    preview = " ".join(gone.text.split())[:30]
    excerpts.delete_for(session, admin, gone, everyone=True)
    session.commit()
    out = tmp_path / "en"
    output = export(app, out, "--language", "en")
    text = paragraphs(out / "chapter.docx")
    assert paragraphs(out / "chapter.docx", "Heading 1")[0].startswith("Hypothesis 2: ")
    assert [t for t in text if t.startswith("Example ")] == ["Example 1"]
    assert not any(preview in t for t in text)
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert f"#{ids[0]}" in readme and "left out" in readme and "left out" in output
    assert session.scalar(select(ReportQuote).where(ReportQuote.excerpt_id == ids[0])) is not None


def test_a_template_gives_its_styles_and_page_size_and_missing_styles_are_named(app, chains, session, tmp_path):
    template = docx.Document()
    template.add_paragraph("The organisation's boilerplate, replaced by the chapter.")
    template.styles["Heading 1"].font.name = "Georgia"
    section = template.sections[0]
    section.page_width, section.page_height = Cm(17.6), Cm(25.0)   # B5
    quote = template.styles["Quote"]
    quote.element.getparent().remove(quote.element)
    assert "Quote" not in {s.name for s in template.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    path = tmp_path / "report-template.docx"
    template.save(str(path))
    mark(session, chains, h2_excerpts(session, chains)[:1])
    out = tmp_path / "t"
    export(app, out, "--language", "da", "--template", str(path))
    document = docx.Document(str(out / "chapter.docx"))
    assert document.styles["Heading 1"].font.name == "Georgia", "the template's own Heading 1"
    assert round(document.sections[-1].page_width.cm, 1) == 17.6 and round(document.sections[-1].page_height.cm, 1) == 25.0
    assert not any("boilerplate" in p.text for p in document.paragraphs)
    assert [p.style.name for p in document.paragraphs if p.text.startswith("Interviewperson")] or \
        paragraphs(out / "chapter.docx", "Quote"), "the Quote style was copied from Word's defaults"
    assert "Skabelonen har ingen typografi Quote" in (out / "README.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "message"), [
    (["H9"], "There is no code 'H9'"),
    (["H2.1"], "'H2.1' is not a hypothesis"),
], ids=["unknown-key", "not-top-level"])
def test_a_bad_hypothesis_key_is_named(app, demo, tmp_path, args, message):
    result = app.test_cli_runner().invoke(args=["export", "chapter", "demo", *args, "--out", str(tmp_path / "x"),
                                                "--language", "en"])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x").exists()


def test_a_template_that_is_not_a_docx_is_refused(app, demo, tmp_path):
    bad = tmp_path / "notes.docx"
    bad.write_text("not a Word file", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["export", "chapter", "demo", "H1", "--out", str(tmp_path / "x"),
                                                "--language", "en", "--template", str(bad)])
    assert result.exit_code != 0 and "The template 'notes.docx' is not a Word .docx file" in result.output


def test_no_coded_evidence_says_so_instead_of_zero_of_zero(app, factory, session, tmp_path):
    owner = factory.user("olga")
    project = factory.project("empty", owner)
    factory.case(project, "F01")
    session.commit()
    top = session.scalars(select(Code).where(Code.project_id == project.id, Code.parent_id.is_(None))
                          .order_by(Code.position, Code.id)).first()
    result = app.test_cli_runner().invoke(args=["export", "chapter", "empty", top.key, "--out", str(tmp_path / "e"),
                                                "--language", "en"])
    assert result.exit_code == 0, result.output
    text = " ".join(paragraphs(tmp_path / "e" / "chapter.docx"))
    assert "No evidence has been coded for this hypothesis yet." in text
    assert " of 0 " not in text and "0 of" not in text


def test_marks_and_notes_are_audited_and_ordered(session, factory):
    project, user, excerpt = factory.coded_project()
    other = factory.excerpt(user, excerpt.source, "Hvordan", [(factory.code(project, "H1.2"), "supports")])
    session.flush()
    report_prep.mark_quote(session, excerpt, user.id)
    report_prep.mark_quote(session, other, user.id)
    report_prep.mark_quote(session, excerpt, user.id)   # twice: still one mark
    report_prep.move_quote(session, project.id, other.id, -1, user.id)
    marks = session.scalars(select(ReportQuote).where(ReportQuote.project_id == project.id)
                            .order_by(ReportQuote.position)).all()
    assert [m.excerpt_id for m in marks] == [other.id, excerpt.id]
    code = factory.code(project, "H1")
    report_prep.set_analysis_note(session, code, "  Mine egne ord.  ", user.id)
    report_prep.set_analysis_note(session, code, "", user.id)
    assert report_prep.unmark_quote(session, project.id, excerpt.id, user.id)
    events = session.execute(select(AuditEvent.entity, AuditEvent.action).where(
        AuditEvent.project_id == project.id, AuditEvent.entity.in_(["report_quote", "analysis_note"]))
        .order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [
        ("report_quote", "create"), ("report_quote", "create"), ("report_quote", "update"),
        ("report_quote", "update"), ("analysis_note", "create"), ("analysis_note", "delete"),
        ("report_quote", "delete")]
    with pytest.raises(Exception, match="one place"):
        report_prep.move_quote(session, project.id, other.id, 2, user.id)


def test_the_docx_is_a_zip_python_docx_reads(app, chains, tmp_path):
    out = tmp_path / "z.zip"
    export(app, out, "--language", "da", key="H1")
    import zipfile
    with zipfile.ZipFile(out) as z:
        name = next(n for n in z.namelist() if n.endswith("chapter.docx"))
        document = docx.Document(io.BytesIO(z.read(name)))
    assert document.paragraphs[0].text.startswith("Hypotese 1: ")
