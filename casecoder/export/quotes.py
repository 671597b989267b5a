"""The quote bank as files for the report: quotes.docx, quotes.md and quotes.csv, plus data.json and README.

Each code gets a heading ("H1.2 Label"); each quote is a numbered example ("Eksempel 1"), the quote
introduced as "Interviewperson:" or the professional's role (never a name), and a reference line
with case, perspective, source title and interview date. Memos appear only when asked for.
Texts are in the chosen report language, translated from the .po catalogs (``kernel.translate``).
The same bank gives the same bytes, DOCX included (``ooxml.deterministic_zip``).
"""
from __future__ import annotations

from typing import Any, Sequence

from casecoder.analysis.quotes import Quote, QuoteBank, QuoteSection
from casecoder.figures.words import filters_text
from casecoder.files.docx_xml import Body
from casecoder.files.office import a4_document
from casecoder.files.tabular import csv_bytes
from casecoder.kernel.translate import N_, Translator

CSV_HEADER = ("code_key", "code_label", "number", "intro", "quote", "case_key", "perspective", "source_title",
              "interview_date", "direction", "coders", "memo", "excerpt_id")
PERSPECTIVES = {"family": N_("family perspective"), "system": N_("system perspective"),
                None: N_("both perspectives")}
DIRECTIONS = {"supports": N_("supporting"), "contradicts": N_("contradicting"), "nuances": N_("nuancing")}
NO_QUOTES = N_("No quotes with the chosen filters.")
README = (  # README.txt's first lines, one text a line
    N_("Quote bank of the project {project}: the coded excerpts as quotes for the report, per code."),
    N_("quotes.docx: a heading per code, numbered examples (\"Example 1, 2, …\"), the quote in the Quote style "
       "and a reference line (case · perspective · source, interview date)."),
    N_("quotes.md: the same in Markdown. data.csv and data.xlsx: one row per quote per code (CSV in UTF-8 with "
       "BOM). data.json: the same as data."),
    N_("Quotes are introduced as \"Interviewee\" (family perspective) or by the professional's role (system "
       "perspective), never by a name. The text itself is as coded: read it for names and other personal data "
       "before it goes into a report."),
    N_("Selected like the counts: cases by municipality and case attributes, sources by interviewee role and "
       "interview date, codings by coder and direction. Excerpts without a case are left out."),
)


def _language_tag(t: Translator) -> str:
    """The language of the Word document."""
    return t.pgettext("language tag of a Word document", "en-GB")


def _memo_label(t: Translator) -> str:
    return t.pgettext("quote bank", "Memo")


def example_label(quote: Quote, lang: str) -> str:
    return Translator(lang).gettext("Example {n}").format(n=quote.number)


def quoted(quote: Quote, lang: str) -> str:
    """The quote text in the language's quotation marks: »…« or “…”."""
    t = Translator(lang)
    return t.pgettext("opening quotation mark", "“") + quote.text + t.pgettext("closing quotation mark", "”")


def reference_line(quote: Quote, lang: str) -> str:
    """"(Sag F03 · familieperspektiv · Interview med mor, 2024-03-01)"; a direction other than
    supports is added at the end."""
    t = Translator(lang)
    source = quote.source_title + (f", {quote.interview_date.isoformat()}" if quote.interview_date else "")
    parts = [t.gettext("Case") + " " + quote.case_key, t.gettext(PERSPECTIVES[quote.perspective]), source]
    if quote.direction and quote.direction != "supports":
        parts.append("/".join(t.gettext(DIRECTIONS[d]) for d in quote.direction.split(", ")))
    return "(" + " · ".join(parts) + ")"


def _filters_text(bank: QuoteBank, lang: str) -> str:
    return filters_text(bank.params, lang)


def _summary(bank: QuoteBank, lang: str) -> str:
    t = Translator(lang)
    return t.gettext("{quotes} quotes from {cases} cases. Perspective: {perspective}. Filters: {filters}.").format(
        quotes=bank.n_quotes, cases=len(bank.case_keys), perspective=t.gettext(PERSPECTIVES[bank.perspective]),
        filters=_filters_text(bank, lang))


def _heading(section: QuoteSection, lang: str) -> str:
    return f"{section.key} {section.label(lang)}"


# ---- CSV and Markdown


def quotes_csv(bank: QuoteBank, lang: str, include_memo: bool) -> bytes:
    return csv_bytes(CSV_HEADER, quote_rows(bank, lang, include_memo))


def quote_rows(bank: QuoteBank, lang: str, include_memo: bool) -> list[tuple[object, ...]]:
    """One row per quote per section, in CSV_HEADER's order."""
    return [(s.key, s.label(lang), q.number, q.intro(lang), q.text, q.case_key, q.perspective, q.source_title,
             q.interview_date.isoformat() if q.interview_date else "", q.direction, " ".join(q.coders),
             q.memo if include_memo else "", q.excerpt_id)
            for s in bank.sections for q in s.quotes]


def quotes_markdown(bank: QuoteBank, lang: str, include_memo: bool) -> str:
    t = Translator(lang)
    out = ["# " + t.gettext("Quote bank") + f": {bank.project_title}", "", _summary(bank, lang), ""]
    if not bank.sections:
        out += [t.gettext(NO_QUOTES), ""]
    for section in bank.sections:
        out += ["#" * (2 + min(section.depth, 2)) + " " + _heading(section, lang), ""]
        if not section.quotes:
            out += ["*" + t.gettext(NO_QUOTES) + "*", ""]
        for q in section.quotes:
            lines = f"{q.intro(lang)}: {quoted(q, lang)}".split("\n")
            out += [f"**{example_label(q, lang)}**", ""]
            out += [f"> {line}".rstrip() for line in lines] + [""]
            out += [reference_line(q, lang), ""]
            if include_memo and q.memo:
                out += [_memo_label(t) + f": {q.memo}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ---- DOCX
#
# The quotes' paragraphs are written as XML text (files/docx_xml.py: spliced into the saved document.xml),
# instead of python-docx's run objects, which insert every run property in schema order by searching its
# successors (874 quotes took ~0.4-1.5 s, 35,000 quotes 15 s; issue #25). The elements are exactly those python-docx made
# (``Paragraph.add_run(text)``, runs per line with a break, ``bold``/``italic``/``size``/``color``): the
# same bytes (tests/export/test_quotes_docx.py compares with that code).

BOLD = "<w:rPr><w:b/></w:rPr>"
ITALIC = "<w:rPr><w:i/></w:rPr>"
UPRIGHT = '<w:rPr><w:i w:val="0"/></w:rPr>'
GREY = '<w:rPr><w:color w:val="595959"/><w:sz w:val="18"/></w:rPr>'  # 9 pt, RGB 595959


def _style_ids(document, names: Sequence[str]) -> list[str | None]:  # type: ignore[no-untyped-def]
    """``document.part.get_style_id(name, PARAGRAPH)`` of each name (None for the default style), looking
    for the default style once rather than once a name (~3 ms each)."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = document.styles
    default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
    out: list[str | None] = []
    for name in names:
        style = styles[name]
        if style.type != WD_STYLE_TYPE.PARAGRAPH:
            raise ValueError(f"style '{name}' is not of type PARAGRAPH")
        out.append(None if style == default else style.style_id)
    return out


def quotes_docx(bank: QuoteBank, lang: str, include_memo: bool) -> bytes:
    from docx.oxml.ns import qn

    t = Translator(lang)
    title, language = t.gettext("Quote bank"), _language_tag(t)
    document = a4_document()  # A4, Danish margins, as every Word file casecoder writes
    for lang_element in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang_element.set(qn("w:val"), language)
    core = document.core_properties
    core.title, core.author, core.last_modified_by, core.revision = title, "casecoder", "casecoder", 1
    core.language = language
    document.add_heading(f"{title}: {bank.project_title}", level=0)
    out = Body()
    out.paragraph()
    out.lines(_summary(bank, lang), GREY)
    out.end()
    if not bank.sections:
        out.paragraph()
        out.run_text(t.gettext(NO_QUOTES))
        out.end()
    quote_style, *headings = _style_ids(document, ("Quote", "Heading 1", "Heading 2", "Heading 3"))
    heading_style = dict(zip((1, 2, 3), headings))
    no_quotes, memo_label = t.gettext(NO_QUOTES), _memo_label(t) + ": "
    for section in bank.sections:
        out.paragraph(heading_style[min(section.depth + 1, 3)])
        out.run_text(_heading(section, lang))
        out.end()
        if not section.quotes:
            out.paragraph()
            out.lines(no_quotes, ITALIC)
            out.end()
        for q in section.quotes:
            out.paragraph()
            out.run_text(example_label(q, lang), BOLD)
            out.end()
            out.paragraph(quote_style)
            out.run_text(f"{q.intro(lang)}: ", ITALIC)
            out.lines(quoted(q, lang), UPRIGHT)
            out.end()
            out.paragraph()
            out.lines(reference_line(q, lang), GREY)
            out.end()
            if include_memo and q.memo:
                out.paragraph()
                out.run_text(memo_label, BOLD)
                out.lines(q.memo)
                out.end()
    return out.save(document)


# ---- the files, data.json and README


def quote_files(bank: QuoteBank, lang: str, include_memo: bool) -> dict[str, bytes]:
    """quotes.csv, quotes.md and quotes.docx of ``bank`` in the report language ``lang``."""
    return {"quotes.csv": quotes_csv(bank, lang, include_memo),
            "quotes.md": quotes_markdown(bank, lang, include_memo).encode("utf-8"),
            "quotes.docx": quotes_docx(bank, lang, include_memo)}


def quote_json(bank: QuoteBank, include_memo: bool = False) -> dict[str, Any]:
    """The bank as data (data.json, an API); memos only with ``include_memo``."""
    filters: dict[str, list[str]] = {}
    for name, value in bank.params:
        filters.setdefault(name, []).append(value)
    return {
        "project": bank.project_slug, "title": bank.project_title, "unit": "quotes",
        "codebook": {"name": bank.codebook_name, "sha256": bank.codebook_sha256},
        "filters": filters, "perspective": bank.perspective, "code_keys": list(bank.code_keys),
        "coders": list(bank.coders), "n_quotes": bank.n_quotes, "case_keys": list(bank.case_keys),
        "sections": [{
            "key": s.key, "label_da": s.label_da, "label_en": s.label_en, "kind": s.kind, "depth": s.depth,
            "parent": s.parent_key, "selected": s.selected,
            "quotes": [{"number": q.number, "intro": {"da": q.intro("da"), "en": q.intro("en")},
                        "roles": list(q.roles), "text": q.text, "case_key": q.case_key, "perspective": q.perspective,
                        "source_title": q.source_title,
                        "interview_date": q.interview_date.isoformat() if q.interview_date else None,
                        "direction": q.direction, "coders": list(q.coders),
                        "memo": q.memo if include_memo else None, "excerpt_id": q.excerpt_id}
                       for q in s.quotes]}
            for s in bank.sections],
    }


def quote_readme(bank: QuoteBank, lang: str) -> str:
    """README.txt: what the files hold, the selection, the counts."""
    t = Translator(lang)
    sub = t.gettext("with sub-codes") if bank.filter.include_subcodes else t.gettext("without sub-codes")
    lines = [t.gettext(line) for line in README]
    lines[0] = lines[0].format(project=f"{bank.project_title} ({bank.project_slug})")
    codes = ", ".join(bank.code_keys) or t.gettext("every codable code")
    numbers = t.gettext("{quotes} quotes ({excerpts} excerpts) in {sections} sections").format(
        quotes=bank.n_quotes, excerpts=len(bank.excerpt_ids), sections=len(bank.sections))
    lines.append(t.gettext("Codes") + f": {codes} ({sub})")
    lines.append(t.gettext("Quotes") + ": " + numbers)
    lines += [f"  {s.key} {s.label(lang)}: {len(s.quotes)}" for s in bank.sections]
    lines.append(t.gettext("Cases") + f": {len(bank.case_keys)} ({', '.join(bank.case_keys) or '—'})")
    lines.append(t.gettext("Perspective") + ": " + t.gettext(PERSPECTIVES[bank.perspective]))
    lines.append(t.gettext("Codebook") + f": {bank.codebook_name} {bank.codebook_sha256}")
    lines.append(t.gettext("Coders") + ": " + (", ".join(bank.coders) or "—"))
    lines.append(t.gettext("Filters") + ": " + _filters_text(bank, lang))
    return "\n".join(lines) + "\n"
