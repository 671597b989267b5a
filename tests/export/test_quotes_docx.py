"""The quote bank's Word file (export/quotes.quotes_docx) is made with lxml directly: the same bytes as the
python-docx run objects made before (``reference_docx``, that code as it was), on random banks, awkward
texts (tabs, line ends, spaces, non-breaking spaces, empty lines) and the hand-built study on both databases.
"""
from __future__ import annotations

import io
import random
from datetime import date

import docx
import pytest

from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.quotes import Quote, QuoteBank, QuoteSection
from casecoder.export.quotes import (
    NO_QUOTES,
    _heading,
    _language_tag,
    _memo_label,
    _summary,
    example_label,
    quoted,
    quotes_docx,
    reference_line,
)
from casecoder.files.office import a4_document
from casecoder.files.ooxml import deterministic_zip
from casecoder.kernel.translate import Translator
from tests.analysis.test_quotes import bank_of, build_study

# ---- the reference: the python-docx code before (commit f323760), without its parking of paragraphs


def _add_lines(paragraph, text: str, **font: object) -> None:  # type: ignore[no-untyped-def]
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run()
        if i:
            run.add_break()
        run.add_text(line)
        for name, value in font.items():
            if name == "color":
                run.font.color.rgb = value
            else:
                setattr(run.font, name, value)


def reference_docx(bank: QuoteBank, lang: str, include_memo: bool) -> bytes:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    t = Translator(lang)
    title, language = t.gettext("Quote bank"), _language_tag(t)
    grey = {"size": Pt(9), "color": RGBColor(0x59, 0x59, 0x59)}
    document = a4_document()
    for lang_element in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang_element.set(qn("w:val"), language)
    core = document.core_properties
    core.title, core.author, core.last_modified_by, core.revision = title, "casecoder", "casecoder", 1
    core.language = language
    document.add_heading(f"{title}: {bank.project_title}", level=0)
    _add_lines(document.add_paragraph(), _summary(bank, lang), **grey)
    if not bank.sections:
        document.add_paragraph(t.gettext(NO_QUOTES))
    for section in bank.sections:
        document.add_heading(_heading(section, lang), level=min(section.depth + 1, 3))
        if not section.quotes:
            _add_lines(document.add_paragraph(), t.gettext(NO_QUOTES), italic=True)
        for q in section.quotes:
            document.add_paragraph().add_run(example_label(q, lang)).bold = True
            paragraph = document.add_paragraph(style="Quote")
            paragraph.add_run(f"{q.intro(lang)}: ").italic = True
            _add_lines(paragraph, quoted(q, lang), italic=False)
            _add_lines(document.add_paragraph(), reference_line(q, lang), **grey)
            if include_memo and q.memo:
                memo = document.add_paragraph()
                memo.add_run(_memo_label(t) + ": ").bold = True
                _add_lines(memo, q.memo)
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue())


# ---- banks without a database

WORDS = ("koordinatoren", "ringede", "altid", "tilbage", "økonomien", "<tag>", "&", '"citat"', "'x'", "æøå", "",
         " ", "\t", "\r", "\n", "\u00a0", "a\tb", "»", "—")


def _text(r: random.Random, longest: int = 30) -> str:
    return r.choice(["", " "]) + " ".join(r.choice(WORDS) for _ in range(r.randint(0, longest))) + r.choice(["", " "])


def random_bank(seed: int) -> QuoteBank:
    r = random.Random(seed)
    sections = []
    for s in range(r.randint(0, 4)):
        quotes = []
        for number in range(1, r.randint(0, 12) + 1):
            perspective = r.choice(["family", "system"])
            roles = tuple(_text(r, 2) for _ in range(r.randint(0, 2))) if perspective == "system" else ()
            quotes.append(Quote(
                number=number, text=_text(r), perspective=perspective, roles=roles, case_key=f"F{r.randint(1, 99)}",
                source_title=_text(r, 4), interview_date=r.choice([None, date(2024, 3, 1)]),
                direction=r.choice(["supports", "contradicts", "supports, nuances", "nuances", ""]),
                coders=("eva",), memo=r.choice(["", _text(r, 8)]), excerpt_id=r.randint(1, 10 ** 6)))
        sections.append(QuoteSection(code_id=s, key=f"H{s}.{r.randint(1, 9)}", label_da=_text(r, 3) or "æ",
                                     label_en=_text(r, 3) or "x", kind="hypothesis", depth=r.randint(0, 4),
                                     parent_key=None, selected=True, quotes=quotes))
    return QuoteBank(project_slug="p", project_title=_text(r, 3), codebook_name="cb", codebook_sha256="0" * 64,
                     filter=CountFilter(), params=(), perspective=r.choice([None, "family", "system"]),
                     code_keys=("H1",), sections=sections)


@pytest.mark.parametrize("seed", range(30))
def test_random_banks_give_the_bytes_python_docx_gave(seed):
    bank = random_bank(seed)
    for lang in ("da", "en"):
        for include_memo in (False, True):
            assert quotes_docx(bank, lang, include_memo) == reference_docx(bank, lang, include_memo), (lang, include_memo)


def test_control_characters_are_refused_as_before():
    bank = random_bank(3)
    while not any(s.quotes for s in bank.sections):
        bank = random_bank(random.randrange(1000))
    section = next(s for s in bank.sections if s.quotes)
    section.quotes[0] = Quote(**{**section.quotes[0].__dict__, "text": "a\x0bb"})
    for make in (quotes_docx, reference_docx):
        with pytest.raises(ValueError, match="XML compatible"):
            make(bank, "da", False)


def test_the_study_gives_the_bytes_python_docx_gave_and_reads_back(session, factory):
    study = build_study(session, factory)
    for keys in (["H1"], ["H1", "H2"], []):
        bank = bank_of(session, study, keys)
        for include_memo in (False, True):
            data = quotes_docx(bank, "da", include_memo)
            assert data == reference_docx(bank, "da", include_memo)
    document = docx.Document(io.BytesIO(quotes_docx(bank_of(session, study, ["H1"]), "da", True)))
    paragraphs = document.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.style.name == "Quote")
    assert [(run.italic, run.bold) for run in paragraphs[at].runs][:2] == [(True, None), (False, None)]
    assert paragraphs[at - 1].runs[0].bold is True
    reference = paragraphs[at + 1].runs[0]
    assert reference.font.size.pt == 9 and str(reference.font.color.rgb) == "595959"
