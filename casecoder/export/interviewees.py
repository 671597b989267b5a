"""The interviewee overview (report Table 3) as a bundle: data.csv/xlsx/json (a row per municipality
and the total), table.docx/table.xlsx in the layout of Table 3, README."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.interviewees import IntervieweeOverview, IntervieweeRow
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.files.office import table_docx, xlsx_bytes
from casecoder.models import Project

CSV_HEADER = ("municipality", "cases", "professionals", "families_interviewed")
TOTAL = "Total"  # the municipality of data.csv's total row

TEXT = {
    "da": {"title": "Oversigt over interviewpersoner",
           "columns": ("Kommune", "Antal succes-cases", "Interviewede fagpersoner", "Interviewede familier"),
           "total": "I alt",
           "legend": "Fagpersoner: interviewpersoner fra systemperspektivet, efter rolle, med antal forskellige "
                     "personer (en fagperson, der dækker flere sager, tælles én gang pr. kommune og én gang i alt). "
                     "Interviewede familier: sager med mindst ét interview fra familiens perspektiv.",
           "files": "data.csv: en række pr. kommune og sidst rækken 'Total'."},
    "en": {"title": "Overview of interviewees",
           "columns": ("Municipality", "Cases", "Professionals interviewed", "Families interviewed"),
           "total": "Total",
           "legend": "Professionals: interviewees of the system perspective, by role, counting distinct people (a "
                     "professional who covers several cases counts once per municipality and once in the total). "
                     "Families interviewed: cases with at least one interview from the family's perspective.",
           "files": "data.csv: a row per municipality, then the row 'Total'."},
}


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
    t = TEXT.get(lang, TEXT["en"])
    rows = [(r.municipality or TOTAL, r.cases, r.professionals_text(), r.families_interviewed)
            for r in [*o.rows, o.total]]
    files = tidy_files(CSV_HEADER, rows, overview_json(o, params), "interviewees")

    def table(separator: str) -> list[tuple[object, ...]]:
        return [(r.municipality or t["total"], r.cases, r.professionals_text(separator) or "—", r.families_interviewed)
                for r in [*o.rows, o.total]]
    denominators = {"cases": o.total.cases, "families_interviewed": o.total.families_interviewed}
    notes = [t["legend"], *provenance_lines(lang, denominators, {"name": project.codebook_name,
                                                                  "sha256": project.codebook_sha256}, [], params)]
    files["table.docx"] = table_docx(t["title"], t["columns"], table("\n"), notes, bold_rows=[len(o.rows)])
    files["table.xlsx"] = xlsx_bytes(t["columns"], table("; "), "interviewees", notes)
    spec = base_spec(project, "interviewees", {}, params, lang, denominators, [])
    return Bundle(name=f"{project.slug}-interviewees", files=files, spec=spec,
                  readme="\n".join([t["title"], "", *notes, "", t["files"]]) + "\n",
                  summary=f"{o.total.cases} cases in {len(o.rows)} municipalities, {o.total.n_professionals} "
                          f"professionals, {o.total.families_interviewed} families interviewed")
