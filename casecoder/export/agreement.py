"""Inter-coder agreement as a bundle: data.csv (one row per code: ``code_key, units, percent_agreement,
cohen_kappa, fleiss_kappa, krippendorff_alpha``, empty where a coefficient does not apply), data.xlsx,
data.json (with the pooled figures and warnings), table.docx/table.xlsx and a README caption."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.agreement import WARNINGS, Agreement, Coefficients
from casecoder.export.bundle import Bundle, base_spec, tidy_files
from casecoder.files.office import table_docx, xlsx_bytes
from casecoder.kernel.translate import N_, Translator
from casecoder.models import Project

CSV_HEADER = ("code_key", "units", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha")
DIGITS = 4

COLUMNS = (N_("Code"), N_("Label"), N_("Units"), N_("Positive"), N_("Agreement %"), N_("Cohen's κ"),
           N_("Fleiss' κ"), N_("Krippendorff's α"), N_("Warnings"))
UNITS = {"character": N_("characters"), "sentence": N_("sentences")}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def _cell(value: float | None) -> object:
    return "" if value is None else round(value, DIGITS)


def warning_text(c: Coefficients) -> str:
    return "; ".join(str(WARNINGS[key]).format(n=n) for key, n in c.warnings)


def coefficients_json(c: Coefficients) -> dict[str, Any]:
    return {"units": c.units, "positive_units": c.positive, "percent_agreement": _r(c.percent_agreement),
            "cohen_kappa": _r(c.cohen_kappa), "fleiss_kappa": _r(c.fleiss_kappa),
            "krippendorff_alpha": _r(c.krippendorff_alpha), "warnings": [k for k, _ in c.warnings]}


def agreement_json(a: Agreement) -> dict[str, Any]:
    return {"project": a.project_slug, "level": a.level, "unit": a.unit, "coders": list(a.coders),
            "directions": list(a.directions), "include_subcodes": a.include_subcodes, "sources": list(a.sources),
            "codes": [{"key": r.key, "label_da": r.label_da, "label_en": r.label_en,
                       **coefficients_json(r.coefficients)} for r in a.codes],
            "pooled": coefficients_json(a.pooled)}


def csv_rows(a: Agreement) -> list[tuple[object, ...]]:
    return [(r.key, r.coefficients.units, _cell(r.coefficients.percent_agreement), _cell(r.coefficients.cohen_kappa),
             _cell(r.coefficients.fleiss_kappa), _cell(r.coefficients.krippendorff_alpha)) for r in a.codes]


def _table_row(key: str, label: str, c: Coefficients) -> tuple[object, ...]:
    pct = "" if c.percent_agreement is None else f"{100 * c.percent_agreement:.1f}"
    return (key, label, c.units, c.positive, pct, _cell(c.cohen_kappa), _cell(c.fleiss_kappa),
            _cell(c.krippendorff_alpha), warning_text(c))


def agreement_bundle(project: Project, a: Agreement, params: list[tuple[str, str]], lang: str,
                     target: dict[str, Any]) -> Bundle:
    t = Translator(lang)
    files = tidy_files(CSV_HEADER, csv_rows(a), agreement_json(a), "agreement")
    table = [_table_row(r.key, r.label(lang), r.coefficients) for r in a.codes]
    table.append(_table_row(t.gettext("Pooled"), "", a.pooled))
    if a.level == "case":
        unit_line = t.gettext("Unit: cases (families); value = the code occurs in the case under the counting "
                              "rules, from the coder's own codings.")
    else:
        unit_line = t.gettext("Unit: {unit} of the double-coded interviews; value = a coding of the code covers "
                              "the unit.").format(unit=t.gettext(UNITS[a.unit]))
    notes = [unit_line, t.gettext("Coders") + ": " + ", ".join(a.coders),
             t.gettext("Double-coded material") + ": " + (", ".join(a.sources) or "—"),
             t.gettext("Agreement: units on which every coder who coded the unit agrees. Cohen's κ: two coders "
                       "only. Fleiss' κ: units every coder coded. Krippendorff's α (nominal): missing values "
                       "allowed. Empty: the coefficient does not apply or is undefined.")]
    if a.hidden:  # blind double coding: the viewer's blind transcripts are not in the material
        notes.append(t.gettext("Transcripts left out because you code them blind: {n}").format(n=a.hidden))
    warned = [f"{r.key}: {warning_text(r.coefficients)}" for r in a.codes if r.coefficients.warnings]
    if warned:
        notes.append(t.gettext("Warnings") + ": " + " | ".join(warned))
    title = t.gettext("Inter-coder agreement") + f" ({a.level}{'' if a.level == 'case' else ', ' + a.unit})"
    columns = t.each(COLUMNS)
    files["table.docx"] = table_docx(title, columns, table, notes, bold_rows=[len(table) - 1])
    files["table.xlsx"] = xlsx_bytes(columns, table, "agreement", notes)
    spec = base_spec(project, "agreement", target, params, lang, {}, a.coders)
    spec["unit"] = a.unit
    return Bundle(name=f"{project.slug}-agreement-{a.level}", files=files, spec=spec,
                  readme="\n".join([title, "", *notes]) + "\n",
                  summary=f"{len(a.codes)} codes, {a.pooled.units} pooled units, {len(a.coders)} coders")
