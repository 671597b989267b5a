"""Co-occurrence of codes in cases as data (a row per pair and scope, the diagonal = the code alone),
with the graph of one scope."""
from __future__ import annotations

from casecoder.analysis.cooccurrence import SCOPES, Cooccurrence
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.figures.report import cooccurrence_bytes, cooccurrence_texts
from casecoder.figures.words import directions_in
from casecoder.models import Project

CSV_HEADER = ("code_a", "label_a", "code_b", "label_b", "scope", "n", "N", "case_keys")
DENOMINATOR = {"family": "family", "system": "system", "either": "any"}


def cooccurrence_bundle(project: Project, result: Cooccurrence, params: list[tuple[str, str]], lang: str,
                        scope: str = "either") -> Bundle:
    labels = {c.key: c.label(lang) for c in result.codes}
    rows = []
    for code in result.codes:
        for s in SCOPES:
            cases = result.node_cases[code.key][s]
            rows.append((code.key, labels[code.key], code.key, labels[code.key], s, len(cases),
                         result.denominators[DENOMINATOR[s]], " ".join(cases)))
    for pair in result.pairs:
        for s in SCOPES:
            rows.append((pair.a, labels[pair.a], pair.b, labels[pair.b], s, len(pair.cases[s]),
                         result.denominators[DENOMINATOR[s]], " ".join(pair.cases[s])))
    data = {"unit": "cases", "scope_of_figure": scope, "denominators": result.denominators,
            "coders": list(result.coders), "filters": [list(p) for p in params],
            "codes": [{"key": c.key, "label_da": c.label_da, "label_en": c.label_en,
                       "cases": {s: list(v) for s, v in result.node_cases[c.key].items()}} for c in result.codes],
            "pairs": [{"a": p.a, "b": p.b, "cases": {s: list(v) for s, v in p.cases.items()}} for p in result.pairs]}
    files = tidy_files(CSV_HEADER, rows, data, "cooccurrence")
    directions = directions_in(params)
    files.update({f"figure.{fmt}": cooccurrence_bytes(result, scope, lang, fmt, directions)
                  for fmt in ("svg", "png", "pdf")})
    keys = [c.key for c in result.codes]
    spec = base_spec(project, "cooccurrence", {"codes": keys, "scope": scope}, params, lang, result.denominators,
                     result.coders)
    title, note = cooccurrence_texts(result, scope, lang, directions)
    readme = [title, "", note,
              "; ".join(f"{k} {labels[k]}" for k in keys),
              *provenance_lines(lang, result.denominators, spec["codebook"], result.coders, params)]
    return Bundle(name=f"{project.slug}-cooccurrence-{scope}", files=files, spec=spec,
                  readme="\n".join(readme) + "\n", summary=f"{len(keys)} codes, {len(result.pairs)} pairs")
