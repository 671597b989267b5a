"""The tally as data (JSON for the API and data.json; tidy rows for data.csv/xlsx), as a table
(table.docx, table.xlsx) and, for one code, with the chart of its sub-codes."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from casecoder.analysis.tally import MEASURES, Tally
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.figures.report import tally_chart_bytes
from casecoder.figures.words import counted
from casecoder.files.office import table_docx, xlsx_bytes
from casecoder.kernel.translate import N_, Translator
from casecoder.models import Project

CSV_HEADER = ("code_key", "label", "measure", "n", "N", "case_keys")

COLUMNS = (N_("Code"), N_("Label"), N_("Family"), N_("System"), N_("Both"), N_("Either"), N_("Contradicts"),
           N_("Nuances"))


def tally_json(tally: Tally, params: list[tuple[str, str]]) -> dict[str, Any]:
    filters: dict[str, list[str]] = {}
    for name, value in params:
        filters.setdefault(name, []).append(value)
    return {
        "project": tally.project_slug, "unit": tally.unit,
        "codebook": {"name": tally.codebook_name, "sha256": tally.codebook_sha256},
        "coders": list(tally.coders), "filters": filters,
        "denominators": {k: {"N": len(v), "case_keys": list(v)} for k, v in tally.denominators.items()},
        "codes": [{"key": r.key, "label_da": r.label_da, "label_en": r.label_en, "kind": r.kind, "depth": r.depth,
                   "parent": r.parent_key, "hypothesis": r.hypothesis_key,
                   "counts": {m: {"n": c.n, "N": c.N, "case_keys": list(c.case_keys or ())} for m, c in r.counts.items()}}
                  for r in tally.rows],
    }


def subtree(tally: Tally, key: str) -> Tally:
    """The tally cut to ``key`` and the codes below it (the order of rows kept)."""
    keep, rows = {key}, []
    for row in tally.rows:
        if row.key in keep or row.parent_key in keep:
            keep.add(row.key)
            rows.append(row)
    return replace(tally, rows=rows)


def tally_bundle(project: Project, tally: Tally, params: list[tuple[str, str]], lang: str,
                 code: str | None = None) -> Bundle:
    """Every code (or ``code`` and its sub-codes, with their chart) as data, table and README."""
    if code:
        tally = subtree(tally, code)
    t = Translator(lang)
    rows = [(r.key, r.label(lang), m, r.counts[m].n, r.counts[m].N, " ".join(r.counts[m].case_keys or ()))
            for r in tally.rows for m in MEASURES]
    files = tidy_files(CSV_HEADER, rows, tally_json(tally, params), "tally")
    denominators = dict(tally.N)
    columns = t.each(COLUMNS)
    legend = t.gettext(
        "{family}: cases with the code in a family interview, of the cases with a family interview. {system}: cases "
        "with the code in an interview with professionals, of the cases with such an interview. {both}: cases with "
        "the code in both kinds of interview, of the cases with both. {either}: cases with the code in at least "
        "one interview, of all selected cases. {contradicts} and {nuances}: cases with contradicting or nuancing "
        "evidence, of all selected cases. 0/0 is shown as —.").format(
        family=columns[2], system=columns[3], both=columns[4], either=columns[5], contradicts=columns[6],
        nuances=columns[7]) + " " + counted(tally.filter.directions, lang)
    codebook = {"name": tally.codebook_name, "sha256": tally.codebook_sha256}
    notes = [legend, *provenance_lines(lang, denominators, codebook, tally.coders, params)]
    table = [(r.key, "    " * r.depth + r.label(lang), *(r.counts[m].label() for m in MEASURES)) for r in tally.rows]
    bold = [i for i, r in enumerate(tally.rows) if r.depth == 0]
    title = t.gettext("Tally per code: in how many cases the code occurs") + (f" — {code}" if code else "")
    files["table.docx"] = table_docx(title, columns, table, notes, bold_rows=bold)
    files["table.xlsx"] = xlsx_bytes(columns, table, "tally", notes)
    if code and any(r.parent_key == code for r in tally.rows):
        for fmt in ("svg", "png", "pdf"):
            files[f"figure.{fmt}"] = tally_chart_bytes(tally, code, lang, fmt)  # type: ignore[assignment]
    spec = base_spec(project, "tally", {"code": code} if code else {}, params, lang, denominators, tally.coders)
    return Bundle(name=f"{project.slug}-tally" + (f"-{code}" if code else ""), files=files, spec=spec,
                  readme="\n".join([title, "", *notes]) + "\n",
                  summary=f"{len(tally.rows)} codes x {len(MEASURES)} measures")
