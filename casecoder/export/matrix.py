"""The evidence matrix of one hypothesis as data (a row per case x sub-code), as a table and README."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.matrix import Matrix
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.files.office import table_docx, xlsx_bytes
from casecoder.kernel.translate import Translator
from casecoder.models import Project

CSV_HEADER = ("municipality", "case_key", "code_key", "label", "family", "system", "contradicts", "nuances",
              "mark", "has_family_source", "has_system_source")


def cell_text(cell: Any, lang: str) -> str:
    text = cell.mark + (" !" if cell.contradicts else "") + (" ~" if cell.nuances else "")
    if not cell.has_family_source:
        text += " " + Translator(lang).gettext("(no F)")
    return text.strip()


def matrix_json(m: Matrix, params: list[tuple[str, str]]) -> dict[str, Any]:
    return {"hypothesis": m.hypothesis_key, "unit": "cases", "denominators": m.denominators, "coders": list(m.coders),
            "filters": [list(p) for p in params],
            "columns": [{"key": c.key, "label_da": c.label_da, "label_en": c.label_en,
                         "cases": dict(zip(("family", "system", "either"), m.column_totals[c.id]))} for c in m.columns],
            "rows": [{"municipality": mun, "case_key": key, "codes_with_evidence": m.row_totals[cid],
                      "cells": {c.key: {"mark": m.cells[(cid, c.id)].mark,
                                        "contradicts": m.cells[(cid, c.id)].contradicts,
                                        "nuances": m.cells[(cid, c.id)].nuances} for c in m.columns}}
                     for mun, cid, key in m.rows]}


def matrix_bundle(project: Project, m: Matrix, params: list[tuple[str, str]], lang: str) -> Bundle:
    t = Translator(lang)
    rows = []
    for mun, cid, key in m.rows:
        for code in m.columns:
            c = m.cells[(cid, code.id)]
            rows.append((mun, key, code.key, code.label(lang), int(c.family), int(c.system), int(c.contradicts),
                         int(c.nuances), c.mark, int(c.has_family_source), int(c.has_system_source)))
    files = tidy_files(CSV_HEADER, rows, matrix_json(m, params), "matrix")
    header = (t.gettext("Municipality"), t.gettext("Case"), *(c.key for c in m.columns), t.gettext("Total"))
    table: list[tuple[object, ...]] = [(mun, key, *(cell_text(m.cells[(cid, c.id)], lang) for c in m.columns),
                                        m.row_totals[cid]) for mun, cid, key in m.rows]
    totals = (" / ".join(map(str, m.column_totals[c.id])) for c in m.columns)
    table.append((t.gettext("Cases (family / system / either)"), "", *totals, ""))
    labels = "; ".join(f"{c.key} {c.label(lang)}" for c in m.columns)
    legend = t.gettext("F: evidence from the family perspective; S: from the system perspective; F+S: both. ! marks "
                       "contradicting evidence, ~ nuancing evidence. (no F): the case has no family interview.")
    codebook = {"name": project.codebook_name, "sha256": project.codebook_sha256}
    notes = [legend, labels, *provenance_lines(lang, m.denominators, codebook, m.coders, params)]
    title = t.gettext("Evidence matrix for {key}: cases × sub-mechanisms").format(key=m.hypothesis_key)
    files["table.docx"] = table_docx(title, header, table, notes, bold_rows=[len(table) - 1])
    files["table.xlsx"] = xlsx_bytes(header, table, "matrix", notes)
    spec = base_spec(project, "matrix", {"code": m.hypothesis_key}, params, lang, m.denominators, m.coders)
    return Bundle(name=f"{project.slug}-matrix-{m.hypothesis_key}", files=files, spec=spec,
                  readme="\n".join([title, "", *notes]) + "\n",
                  summary=f"{len(m.rows)} cases x {len(m.columns)} codes")
