"""The tally as data: JSON (for the API and data.json) and tidy rows (for data.csv)."""
from __future__ import annotations

from typing import Any

from ..analysis.tally import MEASURES, Tally
from .bundle import csv_bytes, json_bytes

CSV_HEADER = ("code_key", "label", "measure", "n", "N", "case_keys")

README = {
    "da": ("Optælling pr. kode: i hvor mange sager koden forekommer.\n"
           "Enhed: sager (familier), ikke tekststykker.\n"
           "family = familieperspektiv (n af sager med familieinterview), system = systemperspektiv (n af sager "
           "med interview med fagpersoner), both = begge perspektiver (n af sager med begge slags interview), "
           "either = mindst ét perspektiv (n af alle valgte sager), contradicts/nuances = sager med "
           "modsigende/nuancerende evidens.\n"),
    "en": ("Tally per code: in how many cases the code occurs.\n"
           "Unit: cases (families), not text segments.\n"
           "family = family perspective (n of cases with a family interview), system = system perspective (n of "
           "cases with an interview with professionals), both = both perspectives (n of cases with both kinds of "
           "interview), either = at least one perspective (n of all selected cases), contradicts/nuances = cases "
           "with contradicting/nuancing evidence.\n"),
}


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
                   "counts": {m: {"n": c.n, "N": c.N, "case_keys": list(c.case_keys)} for m, c in r.counts.items()}}
                  for r in tally.rows],
    }


def tally_files(tally: Tally, params: list[tuple[str, str]], lang: str = "da") -> dict[str, bytes]:
    rows = [(r.key, r.label(lang), m, r.counts[m].n, r.counts[m].N, " ".join(r.counts[m].case_keys))
            for r in tally.rows for m in MEASURES]
    return {"data.csv": csv_bytes(CSV_HEADER, rows), "data.json": json_bytes(tally_json(tally, params))}


def tally_readme(tally: Tally, params: list[tuple[str, str]], lang: str = "da") -> str:
    lines = [README.get(lang, README["en"])]
    lines.append(("Nævnere" if lang == "da" else "Denominators") + ": " + ", ".join(
        f"N_{k} = {len(v)}" for k, v in tally.denominators.items()))
    lines.append(("Kodebog" if lang == "da" else "Codebook") + f": {tally.codebook_name} {tally.codebook_sha256}")
    lines.append(("Kodere" if lang == "da" else "Coders") + ": " + (", ".join(tally.coders) or "—"))
    lines.append(("Filtre" if lang == "da" else "Filters") + ": " + (
        "; ".join(f"{k}={v}" for k, v in params) or "—"))
    return "\n".join(lines) + "\n"
