"""The interviewee overview (report Table 3) as a bundle: data.csv/xlsx/json (a row per municipality
and the total), table.docx/table.xlsx in the layout of Table 3, README."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.interviewees import IntervieweeOverview, IntervieweeRow
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.files.office import table_docx, xlsx_bytes
from casecoder.kernel.translate import Translator
from casecoder.models import Project

CSV_HEADER = ("municipality", "cases", "professionals", "families_interviewed")
TOTAL = "Total"  # the municipality of data.csv's total row



def _row_json(r: IntervieweeRow) -> dict[str, Any]:
    return {"municipality": r.municipality or TOTAL, "cases": r.cases, "families_interviewed": r.families_interviewed,
            "professionals": [{"role": role, "interviewees": n} for role, n in r.professionals]}


def overview_json(o: IntervieweeOverview, params: list[tuple[str, str]]) -> dict[str, Any]:
    filters: dict[str, list[str]] = {}
    for name, value in params:
        filters.setdefault(name, []).append(value)
    return {"unit": "cases", "filters": filters,
            "municipalities": [{**_row_json(r), "case_keys": list(o.case_keys[r.municipality]),
                                "family_case_keys": list(o.family_case_keys.get(r.municipality, ()))}
                               for r in o.rows],
            "total": _row_json(o.total)}


def interviewees_bundle(project: Project, o: IntervieweeOverview, params: list[tuple[str, str]], lang: str) -> Bundle:
    t = Translator(lang)
    rows = [(r.municipality or TOTAL, r.cases, r.professionals_text(), r.families_interviewed)
            for r in [*o.rows, o.total]]
    files = tidy_files(CSV_HEADER, rows, overview_json(o, params), "interviewees")

    total = t.gettext("Total")

    def table(separator: str) -> list[tuple[object, ...]]:
        return [(r.municipality or total, r.cases, r.professionals_text(separator) or "—", r.families_interviewed)
                for r in [*o.rows, o.total]]
    denominators = {"cases": o.total.cases, "families_interviewed": o.total.families_interviewed}
    legend = t.gettext(
        "Professionals: interviewees of the system perspective, by role, counting distinct people (a professional "
        "who covers several cases counts once per municipality and once in the total). Families interviewed: cases "
        "with at least one interview from the family's perspective.")
    codebook = {"name": project.codebook_name, "sha256": project.codebook_sha256}
    notes = [legend, *provenance_lines(lang, denominators, codebook, [], params)]
    title = t.gettext("Overview of interviewees")
    columns = (t.gettext("Municipality"), t.pgettext("interviewee table column", "Cases"),
               t.gettext("Professionals interviewed"), t.gettext("Families interviewed"))
    files["table.docx"] = table_docx(title, columns, table("\n"), notes, bold_rows=[len(o.rows)])
    files["table.xlsx"] = xlsx_bytes(columns, table("; "), "interviewees", notes)
    spec = base_spec(project, "interviewees", {}, params, lang, denominators, [])
    return Bundle(name=f"{project.slug}-interviewees", files=files, spec=spec,
                  readme="\n".join([title, "", *notes, "", t.gettext(
                      "data.csv: a row per municipality, then the row 'Total'.")]) + "\n",
                  summary=f"{o.total.cases} cases in {len(o.rows)} municipalities, {o.total.n_professionals} "
                          f"professionals, {o.total.families_interviewed} families interviewed")
