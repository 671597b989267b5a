"""The selection of success cases (report Table 2) as a bundle: data.csv/xlsx/json (a row per
municipality of the register and the total; data.json also holds the gross list with which adult met
which criterion), gross_list.csv, table.docx/table.xlsx in the layout of Table 2, README."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.selection import Criteria, Family, MunicipalityRow, Selection
from casecoder.export.bundle import Bundle, base_spec, tidy_files
from casecoder.files.office import table_docx, xlsx_bytes
from casecoder.files.tabular import csv_bytes
from casecoder.models import Project

CSV_HEADER = ("municipality", "families_selected", "families_total", "share_percent")
GROSS_HEADER = ("municipality", "family_id", "adults", "criterion_1_adults", "criterion_2_adults")
TOTAL = "Total"  # the municipality of data.csv's total row

TEXT = {
    "da": {"title": "Stikprøveudvælgelse: familier, der opfylder succeskriteriet",
           "columns": ("Kommune", "Antal familier, der opfylder succeskriteriet",
                       "Andel af alle familier i kommunens projekt"),
           "total": "I alt",
           "c1": "Kriterium 1: mindst én voksen var {employed}og har været i beskæftigelse i mindst {weeks} uger.",
           "not_employed": "ikke i beskæftigelse ved projektstart ",
           "c2": "Kriterium 2: mindst én voksen (ikke nødvendigvis den samme) har en seneste registrering i "
                 "perioden {start} – {end}.",
           "rule": "En familie udvælges, når begge kriterier er opfyldt. Andel = udvalgte familier / alle kommunens "
                   "familier i registret, i hele procent (afrundet med 0,5 op).",
           "register": "Registret: {adults} voksne i {families} familier i {municipalities} kommuner.",
           "hidden": "Kommuner uden udvalgte familier (ikke vist): {names}.",
           "unit": "Enhed: familier (sager) i projektets register.",
           "files": "data.csv: en række pr. kommune i registret (også uden udvalgte familier) og sidst rækken "
                    "'Total'; gross_list.csv og data.json: bruttolisten med de voksne, der opfylder hvert kriterium."},
    "en": {"title": "Case selection: families meeting the success criteria",
           "columns": ("Municipality", "Families meeting the success criteria",
                       "Share of all families in the municipality's project"),
           "total": "Total",
           "c1": "Criterion 1: at least one adult was {employed}and has been employed for at least {weeks} weeks.",
           "not_employed": "not employed at entry ",
           "c2": "Criterion 2: at least one adult (not necessarily the same) has a latest registration between "
                 "{start} and {end}.",
           "rule": "A family is selected when both criteria hold. Share = selected families / all the "
                   "municipality's families in the register, in whole percent (rounded half up).",
           "register": "The register: {adults} adults in {families} families in {municipalities} municipalities.",
           "hidden": "Municipalities without selected families (not shown): {names}.",
           "unit": "Unit: families (cases) in the project's register.",
           "files": "data.csv: a row per municipality of the register (also without selected families), then the "
                    "row 'Total'; gross_list.csv and data.json: the gross list with the adults meeting each "
                    "criterion."},
}


def criteria_lines(criteria: Criteria, lang: str) -> list[str]:
    t = TEXT.get(lang, TEXT["en"])
    return [t["c1"].format(employed=t["not_employed"] if criteria.require_not_employed else "",
                           weeks=criteria.min_weeks),
            t["c2"].format(start=criteria.window_from.isoformat(), end=criteria.window_to.isoformat()), t["rule"]]


def share_text(row: MunicipalityRow, lang: str) -> str:
    share = row.share_percent
    return "—" if share is None else (f"{share} %" if lang == "da" else f"{share}%")


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
    t = TEXT.get(lang, TEXT["en"])
    files = tidy_files(CSV_HEADER, selection_rows(s), selection_json(s), "selection")
    files["gross_list.csv"] = csv_bytes(GROSS_HEADER, gross_rows(s))
    shown = s.visible_rows(show_empty)
    table: list[tuple[object, ...]] = [(r.municipality, r.families_selected, share_text(r, lang)) for r in shown]
    table.append((t["total"], s.total.families_selected, share_text(s.total, lang)))
    hidden = [r.municipality for r in s.rows if r not in shown]
    notes = [*criteria_lines(s.criteria, lang),
             t["register"].format(adults=s.adults, families=len(s.families), municipalities=len(s.rows)),
             *([t["hidden"].format(names=", ".join(hidden))] if hidden else []), t["unit"]]
    files["table.docx"] = table_docx(t["title"], t["columns"], table, notes, bold_rows=[len(table) - 1])
    files["table.xlsx"] = xlsx_bytes(t["columns"], table, "selection", notes)
    target: dict[str, Any] = {**s.criteria.as_dict(), **({"show_empty": True} if show_empty else {})}
    spec = base_spec(project, "selection", target, [], lang, {"families": len(s.families)}, [])
    spec["unit"] = "families"
    return Bundle(name=f"{project.slug}-selection", files=files, spec=spec,
                  readme="\n".join([t["title"], "", *notes, "", t["files"]]) + "\n",
                  summary=f"{len(s.selected)} of {len(s.families)} families selected in "
                          f"{sum(1 for r in s.rows if r.families_selected)} municipalities")
