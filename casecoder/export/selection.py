"""The selection of success cases (report Table 2) as a bundle: data.csv/xlsx/json (a row per
municipality of the register and the total; data.json also holds the gross list with which adult met
which criterion), gross_list.csv, table.docx/table.xlsx in the layout of Table 2, README."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.selection import Criteria, Family, MunicipalityRow, Selection
from casecoder.export.bundle import Bundle, base_spec, tidy_files
from casecoder.files.office import table_docx, xlsx_bytes
from casecoder.files.tabular import csv_bytes
from casecoder.kernel.translate import N_, Translator
from casecoder.models import Project

CSV_HEADER = ("municipality", "families_selected", "families_total", "share_percent")
GROSS_HEADER = ("municipality", "family_id", "adults", "criterion_1_adults", "criterion_2_adults")
TOTAL = "Total"  # the municipality of data.csv's total row

COLUMNS = (N_("Municipality"), N_("Families meeting the success criteria"),
           N_("Share of all families in the municipality's project"))


def criteria_lines(criteria: Criteria, lang: str) -> list[str]:
    t = Translator(lang)
    employed = t.gettext("not employed at entry ") if criteria.require_not_employed else ""
    return [t.gettext("Criterion 1: at least one adult was {employed}and has been employed for at least {weeks} "
                      "weeks.").format(employed=employed, weeks=criteria.min_weeks),
            t.gettext("Criterion 2: at least one adult (not necessarily the same) has a latest registration "
                      "between {start} and {end}.").format(start=criteria.window_from.isoformat(),
                                                           end=criteria.window_to.isoformat()),
            t.gettext("A family is selected when both criteria hold. Share = selected families / all the "
                      "municipality's families in the register, in whole percent (rounded half up).")]


def share_text(row: MunicipalityRow, lang: str) -> str:
    share = row.share_percent
    return "—" if share is None else Translator(lang).gettext("{share}%").format(share=share)


def _family_json(family: Family) -> dict[str, Any]:
    return {"family_id": family.family_id, "municipality": family.municipality,
            "criterion_1_adults": list(family.employment_adults), "criterion_2_adults": list(family.active_adults),
            "adults": [{"adult_id": a.adult_id, "employed_at_entry": a.employed_at_entry,
                        "employment_weeks": a.employment_weeks, "last_registration": a.last_registration.isoformat(),
                        "criterion_1": a.employment, "criterion_2": a.active} for a in family.adults]}


def selection_json(s: Selection) -> dict[str, Any]:
    def row(r: MunicipalityRow) -> dict[str, Any]:
        return {"municipality": r.municipality or TOTAL, "families_selected": r.families_selected,
                "families_total": r.families_total, "share_percent": r.share_percent}
    return {"unit": "families", "criteria": s.criteria.as_dict(),
            "register": {"adults": s.adults, "families": len(s.families), "municipalities": len(s.rows)},
            "municipalities": [row(r) for r in s.rows], "total": row(s.total),
            "gross_list": [_family_json(f) for f in s.selected]}


def selection_rows(s: Selection) -> list[tuple[object, ...]]:
    """data.csv: every municipality of the register, then the total row."""
    def share(r: MunicipalityRow) -> object:
        return "" if r.share_percent is None else r.share_percent
    return [(r.municipality or TOTAL, r.families_selected, r.families_total, share(r)) for r in [*s.rows, s.total]]


def gross_rows(s: Selection) -> list[tuple[object, ...]]:
    return [(f.municipality, f.family_id, " ".join(a.adult_id for a in f.adults), " ".join(f.employment_adults),
             " ".join(f.active_adults)) for f in s.selected]


def selection_bundle(project: Project, s: Selection, lang: str, show_empty: bool = False) -> Bundle:
    t = Translator(lang)
    files = tidy_files(CSV_HEADER, selection_rows(s), selection_json(s), "selection")
    files["gross_list.csv"] = csv_bytes(GROSS_HEADER, gross_rows(s))
    shown = s.visible_rows(show_empty)
    table: list[tuple[object, ...]] = [(r.municipality, r.families_selected, share_text(r, lang)) for r in shown]
    table.append((t.gettext("Total"), s.total.families_selected, share_text(s.total, lang)))
    hidden = [r.municipality for r in s.rows if r not in shown]
    notes = [*criteria_lines(s.criteria, lang),
             t.gettext("The register: {adults} adults in {families} families in {municipalities} municipalities.")
             .format(adults=s.adults, families=len(s.families), municipalities=len(s.rows)),
             *([t.gettext("Municipalities without selected families (not shown): {names}.")
                .format(names=", ".join(hidden))] if hidden else []),
             t.gettext("Unit: families (cases) in the project's register.")]
    title, columns = t.gettext("Case selection: families meeting the success criteria"), t.each(COLUMNS)
    files["table.docx"] = table_docx(title, columns, table, notes, bold_rows=[len(table) - 1])
    files["table.xlsx"] = xlsx_bytes(columns, table, "selection", notes)
    target: dict[str, Any] = {**s.criteria.as_dict(), **({"show_empty": True} if show_empty else {})}
    spec = base_spec(project, "selection", target, [], lang, {"families": len(s.families)}, [])
    spec["unit"] = "families"
    return Bundle(name=f"{project.slug}-selection", files=files, spec=spec,
                  readme="\n".join([title, "", *notes, "", t.gettext(
                      "data.csv: a row per municipality of the register (also without selected families), then the "
                      "row 'Total'; gross_list.csv and data.json: the gross list with the adults meeting each "
                      "criterion.")]) + "\n",
                  summary=f"{len(s.selected)} of {len(s.families)} families selected in "
                          f"{sum(1 for r in s.rows if r.families_selected)} municipalities")
