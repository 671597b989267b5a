"""A hypothesis's report chapter as a bundle (issue #24): chapter.docx in the report's grammar, the
figures it embeds (PNG 300 dpi and SVG), data.csv/xlsx/json of every number it states, spec.json, README.

The document uses Word's own styles (Heading 1/2, Caption, Quote, Table Grid), so it pastes into an
organisation's report template; with a template the chapter is written into a copy of it, with its
styles and page size (a style the template lacks is copied from Word's defaults, and the README says
which). The same data gives the same bytes (fixed document timestamps, as the other Office files).
"""
from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from typing import Any

from casecoder.analysis.chapter import Chapter
from casecoder.export.bundle import Bundle, base_spec, provenance_lines
from casecoder.export.chapter_text import (
    APPENDIX,
    CHAIN_LEGEND,
    EXAMPLE,
    HEADING,
    NO_EVIDENCE,
    OVERVIEW,
    base_sentence,
    family_sentence,
    figure_caption,
    other_sentence,
    system_sentence,
)
from casecoder.export.quotes import quoted
from casecoder.files.office import (
    a4_document,
    column_widths,
    keep_rows_whole,
    repeat_header,
    size_columns,
    text_width_cm,
    xlsx_bytes,
)
from casecoder.files.ooxml import deterministic_zip
from casecoder.files.tabular import csv_bytes, json_bytes
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.file_names import file_stem
from casecoder.kernel.translate import N_, Translator

STYLES = ("Heading 1", "Heading 2", "Caption", "Quote", "Table Grid")
CSV_HEADER = ("number", "code_key", "measure", "n", "N", "case_keys")
MEASURE_NAMES = {"any": N_("cases in all"), "family": N_("family perspective"), "system": N_("system perspective"),
                 "contradicts": N_("contradicting evidence"), "nuances": N_("nuancing evidence"),
                 "combination": N_("cases with the combination"), "example": N_("example")}
MISSING = N_("{n} quote(s) marked for the report no longer exist as marked (deleted, or their text changed "
             "since) and are left out: {quotes}")
TEMPLATE_STYLES = N_("The template has no style {styles}; Word's default was used.")
NOT_DOCX = N_("The template '{name}' is not a Word .docx file")


@dataclass(frozen=True)
class Figure:
    number: int
    name: str          # file stem in the bundle, e.g. "figure-2-chain"
    caption: str       # "Figur 2: …."
    legend: str        # the note under a chain figure, else ""
    png: bytes
    svg: bytes


def _figures(ch: Chapter, lang: str) -> tuple[list[tuple[int, Figure]], Figure | None]:
    """Chain figures (with the index of their sub-mechanism) and the overview figure, numbered in order."""
    from casecoder.export.chain import chain_figure_bytes
    from casecoder.figures.report import overview_bytes
    t, found, number = Translator(lang), [], 0
    for i, sub in enumerate(ch.subs):
        for chain, result in sub.chains:
            number += 1
            found.append((i, Figure(number, f"figure-{number}-{file_stem(chain.title)}",
                                    figure_caption(number, chain.caption or chain.title, lang), t.gettext(CHAIN_LEGEND),
                                    chain_figure_bytes(chain, result, lang, "png"),
                                    chain_figure_bytes(chain, result, lang, "svg"))))
    nodes, edges = ch.overview
    if not nodes:
        return found, None
    number += 1
    caption = figure_caption(number, t.gettext(OVERVIEW).format(label=ch.hypothesis.label(lang)), lang)
    overview = Figure(number, f"figure-{number}-overview", caption, "",
                      overview_bytes(nodes, edges, ch.hypothesis.key, lang, "png"),
                      overview_bytes(nodes, edges, ch.hypothesis.key, lang, "svg"))
    return found, overview


def claims(ch: Chapter, lang: str) -> list[tuple[str, str, str, int, int, tuple[str, ...]]]:
    """Every number the chapter states: (what, code key, measure, n, N, the case keys behind n)."""
    t = Translator(lang)
    rows: list[tuple[str, str, str, int, int, tuple[str, ...]]] = []
    hyp = ch.hypothesis
    for measure in ("any", "family", "system"):
        keys = ch.denominator_keys.get(measure, ())
        rows.append((f"{hyp.key} · {t.gettext(MEASURE_NAMES[measure])}", hyp.key, measure, ch.N.get(measure, 0),
                     ch.N.get("any", 0), keys))
    for sub in ch.subs:
        for measure, count in sub.counts.items():
            rows.append((f"{sub.code.key} {sub.code.label(lang)} · {t.gettext(MEASURE_NAMES[measure])}",
                         sub.code.key, measure, count.n, count.N, tuple(count.case_keys or ())))
        for chain, result in sub.chains:
            for node in result.nodes:
                rows.append((f"{chain.title} · {node.key} {node.label(lang)}", node.key, "chain", node.n, result.N,
                             tuple(node.case_keys)))
            rows.append((f"{chain.title} · {t.gettext(MEASURE_NAMES['combination'])}", "", "combination",
                         result.combination_n, result.N, tuple(result.combination_keys)))
        for q in sub.quotes:
            rows.append((t.gettext(EXAMPLE).format(n=q.number), sub.code.key, "example", 1, 1, (q.case_key,)))
    return rows


def _template_document(template: bytes, name: str) -> tuple[Any, list[str]]:
    """A copy of the template with its body emptied (its last section's page set-up kept), and the
    needed styles it lacked, copied from Word's defaults."""
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(template))
    except Exception as exc:  # a bad zip, a missing part, python-docx's PackageNotFoundError ...
        raise InvalidInput(NOT_DOCX, "template", name=name) from exc
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    defaults, missing = docx.Document(), []
    names = {s.name for s in document.styles}
    for style in STYLES:
        if style not in names:
            missing.append(style)
            document.styles.element.append(copy.deepcopy(defaults.styles[style].element))
    return document, missing


def _paragraphs(document: Any, text: str, style: str | None = None) -> None:
    for block in (b.strip() for b in text.replace("\r\n", "\n").split("\n\n")):
        if block:
            document.add_paragraph(block, style=style)


def _picture(document: Any, figure: Figure, width_cm: float) -> None:
    from docx.shared import Cm, Pt
    document.add_paragraph().add_run().add_picture(io.BytesIO(figure.png), width=Cm(min(width_cm, 16)))
    document.add_paragraph(figure.caption, style="Caption")
    if figure.legend:
        document.add_paragraph().add_run(figure.legend).font.size = Pt(8)


def chapter_docx(ch: Chapter, lang: str, figures: list[tuple[int, Figure]], overview: Figure | None,
                 template: bytes | None = None, template_name: str = "") -> tuple[bytes, list[str]]:
    """The chapter as Word bytes, and the styles a template lacked."""
    from docx.oxml.ns import qn
    from docx.shared import Pt
    t = Translator(lang)
    language = t.pgettext("language tag of a Word document", "en-GB")
    if template is not None:
        document, missing = _template_document(template, template_name)
        section = document.sections[-1]
        width_cm = (section.page_width - section.left_margin - section.right_margin) / 360000
    else:
        document, missing, width_cm = a4_document(), [], text_width_cm()
    for lang_element in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang_element.set(qn("w:val"), language)
    core = document.core_properties
    core.title = t.gettext(HEADING).format(number=ch.number, label=ch.hypothesis.label(lang))
    core.author, core.last_modified_by, core.revision, core.language = "casecoder", "casecoder", 1, language
    document.add_paragraph(core.title, style="Heading 1")
    _paragraphs(document, ch.hypothesis.description(lang))
    _paragraphs(document, ch.note)
    if ch.N.get("any"):
        document.add_paragraph(base_sentence(ch.N, lang))
    if not ch.has_evidence:
        document.add_paragraph(t.gettext(NO_EVIDENCE))
    for i, sub in enumerate(ch.subs):
        label = sub.code.label(lang)
        document.add_paragraph(label, style="Heading 2")
        _paragraphs(document, sub.code.description(lang))
        _paragraphs(document, sub.note)
        if ch.has_evidence:
            counts = sub.counts
            for sentence in (family_sentence(counts["family"], label, lang),
                             system_sentence(counts["system"], label, lang),
                             other_sentence(counts["contradicts"], counts["nuances"], label, lang)):
                document.add_paragraph(sentence)
        for _, figure in (f for f in figures if f[0] == i):
            _picture(document, figure, width_cm)
        for q in sub.quotes:
            document.add_paragraph().add_run(t.gettext(EXAMPLE).format(n=q.number)).bold = True
            paragraph = document.add_paragraph(style="Quote")
            paragraph.add_run(f"{q.intro(lang)}: ").bold = True
            paragraph.add_run(quoted(q, lang))
    if overview is not None:
        _picture(document, overview, width_cm)
    _appendix(document, ch, lang, width_cm)
    for paragraph in document.paragraphs:   # a fixed size for the small print, whatever the style says
        if paragraph.style.name == "Caption":
            for run in paragraph.runs:
                run.font.size = run.font.size or Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue()), missing


def _appendix(document: Any, ch: Chapter, lang: str, width_cm: float) -> None:
    t = Translator(lang)
    document.add_paragraph(t.gettext(APPENDIX), style="Heading 2")
    header = [t.gettext("Number"), "n", "N", t.gettext("Cases")]
    rows = [(what, n, N, ", ".join(keys) or "—") for what, _, _, n, N, keys in claims(ch, lang)]
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header):
        cell.text = name
        for run in cell.paragraphs[0].runs:
            run.bold = True
    repeat_header(table.rows[0])
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = str(value)
    size_columns(table, column_widths(header, rows, width_cm, 11))
    keep_rows_whole(table)


def chapter_bundle(ch: Chapter, lang: str, template: bytes | None = None, template_name: str = "") -> Bundle:
    """The chapter bundle, written into a copy of ``template`` (.docx bytes) when given."""
    t = Translator(lang)
    figures, overview = _figures(ch, lang)
    docx_bytes, missing = chapter_docx(ch, lang, figures, overview, template, template_name)
    rows = [(what, key, measure, n, N, " ".join(keys)) for what, key, measure, n, N, keys in claims(ch, lang)]
    data = {"hypothesis": ch.hypothesis.key, "unit": "cases", "N": ch.N, "filters": [list(p) for p in ch.params],
            "numbers": [{"number": what, "code_key": key, "measure": measure, "n": n, "N": N, "case_keys": list(keys)}
                        for what, key, measure, n, N, keys in claims(ch, lang)],
            "examples": [{"number": q.number, "code_key": s.code.key, "excerpt_id": q.excerpt_id,
                          "case_key": q.case_key} for s in ch.subs for q in s.quotes],
            "missing_quotes": [m.excerpt_id for m in ch.missing]}
    files = {"data.csv": csv_bytes(CSV_HEADER, rows), "data.xlsx": xlsx_bytes(CSV_HEADER, rows, "chapter"),
             "data.json": json_bytes(data), "chapter.docx": docx_bytes}
    for _, figure in [*figures, *([(0, overview)] if overview else [])]:
        files[f"{figure.name}.png"], files[f"{figure.name}.svg"] = figure.png, figure.svg
    denominators = {k: ch.N.get(k, 0) for k in ("any", "family", "system")}
    spec = base_spec(ch.project, "chapter", {"code": ch.hypothesis.key}, ch.params, lang, denominators, ch.coders)
    warnings = []
    if ch.missing:
        warnings.append(t.gettext(MISSING).format(n=len(ch.missing), quotes="; ".join(
            f"#{m.excerpt_id} “{m.preview[:60]}”" for m in ch.missing)))
    if missing:
        warnings.append(t.gettext(TEMPLATE_STYLES).format(styles=", ".join(missing)))
        spec["template"] = {"name": template_name, "missing_styles": missing}
    elif template is not None:
        spec["template"] = {"name": template_name, "missing_styles": []}
    title = t.gettext(HEADING).format(number=ch.number, label=ch.hypothesis.label(lang))
    readme = [title, "", *warnings, *([""] if warnings else []),
              *provenance_lines(lang, denominators, spec["codebook"], ch.coders, ch.params)]
    summary = f"{len(ch.subs)} sub-mechanisms, {len(figures) + bool(overview)} figures, {ch.n_quotes} examples"
    return Bundle(name=f"{ch.project.slug}-chapter-{file_stem(ch.hypothesis.key)}", files=files, spec=spec,
                  readme="\n".join(readme) + "\n", summary=summary + (f"; {warnings[0]}" if warnings else ""))


def chapter_from_spec(session: Any, spec: Any, template: bytes | None = None, template_name: str = "",
                      blind: Any = None) -> Bundle:
    """The bundle of a ``ReportSpec`` of kind "chapter", written into ``template`` when given (the CLI's
    ``--template``, the chapter page's template upload); without a template ``build_report`` makes the
    same bundle. ``blind``: an ``analysis.double_coding.Blindness`` (None: nothing hidden)."""
    from casecoder.analysis.chapter import build_chapter
    from casecoder.analysis.double_coding import NOT_BLIND
    from casecoder.analysis.filters import parse_filter
    from casecoder.coding.projects import get_project
    blind = blind or NOT_BLIND
    project = get_project(session, spec.project)
    f = blind.count_filter(parse_filter(session, spec.filters))
    chapter = build_chapter(session, project, str(spec.target.get("code") or ""), f, blind)
    return chapter_bundle(chapter, spec.language, template, template_name)
