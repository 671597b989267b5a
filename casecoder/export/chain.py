"""A chain as a bundle: data.csv (a row per node and a "combination" row), data.json, the figure."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.chains import ChainCount
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.models import Chain, Project

CSV_HEADER = ("code_key", "label", "kind", "n", "N", "case_keys")
TEXT = {
    "da": {"combination": "Sager med kombinationen", "both_and": "stiplet pil: både-og", "and_or": "fuld pil: og/eller",
           "statement": "grøn boks: udsagn", "event": "sort boks: hændelse", "tab": "fanen: antal sager",
           "scope": {"family": "familieperspektiv", "system": "systemperspektiv", "pooled": "begge perspektiver"},
           "caption": "Enhed: sager. Perspektiv: {scope}. N = {N}. Formel: {formula} = {n}/{N} ({keys})."},
    "en": {"combination": "Cases with the combination", "both_and": "dashed arrow: both-and",
           "and_or": "solid arrow: and/or", "statement": "green box: statement", "event": "black box: event",
           "tab": "tab: number of cases",
           "scope": {"family": "family perspective", "system": "system perspective", "pooled": "both perspectives"},
           "caption": "Unit: cases. Scope: {scope}. N = {N}. Formula: {formula} = {n}/{N} ({keys})."},
}


def chain_caption(result: ChainCount, lang: str) -> str:
    t = TEXT.get(lang, TEXT["en"])
    return t["caption"].format(scope=t["scope"][result.scope], N=result.N, formula=result.formula,
                               n=result.combination_n, keys=", ".join(result.combination_keys) or "—")


def chain_json(chain: Chain, result: ChainCount, params: list[tuple[str, str]]) -> dict[str, Any]:
    return {"title": chain.title, "caption": chain.caption, "scope": result.scope, "unit": "cases", "N": result.N,
            "denominator_keys": list(result.denominator_keys), "formula": result.formula, "arrows": result.arrows,
            "nodes": [{"key": n.key, "label_da": n.label_da, "label_en": n.label_en, "kind": n.kind, "n": n.n,
                       "case_keys": list(n.case_keys)} for n in result.nodes],
            "combination": {"n": result.combination_n, "case_keys": list(result.combination_keys)},
            "filters": [list(p) for p in params]}


def chain_figure_bytes(chain: Chain, result: ChainCount, lang: str, fmt: str) -> bytes:
    from casecoder.figures.chains import ChainBox, chain_figure
    t = TEXT.get(lang, TEXT["en"])
    boxes = [ChainBox(n.key, n.label(lang), n.kind, n.n, result.N) for n in result.nodes]
    legend = {k: t[k] for k in ("combination", "both_and", "and_or", "statement", "event", "tab")}
    return chain_figure(boxes, result.arrows, combination_n=result.combination_n, combination_N=result.N,
                        formula=result.formula, title=chain.title,
                        caption=(chain.caption + " " if chain.caption else "") + chain_caption(result, lang),
                        legend=legend, fmt=fmt)


def chain_bundle(project: Project, chain: Chain, result: ChainCount, params: list[tuple[str, str]],
                 lang: str, coders: tuple[str, ...] = ()) -> Bundle:
    rows = [(n.key, n.label(lang), n.kind, n.n, result.N, " ".join(n.case_keys)) for n in result.nodes]
    rows.append(("combination", result.formula, "combination", result.combination_n, result.N,
                 " ".join(result.combination_keys)))
    files = tidy_files(CSV_HEADER, rows, chain_json(chain, result, params), "chain")
    files.update({f"figure.{fmt}": chain_figure_bytes(chain, result, lang, fmt) for fmt in ("svg", "png", "pdf")})
    denominators = {"N": result.N}
    spec = base_spec(project, "chain", {"chain": chain.title}, params, lang, denominators, coders)
    spec["scope"] = result.scope
    t = TEXT.get(lang, TEXT["en"])
    readme = [chain.title, "", *([chain.caption] if chain.caption else []), chain_caption(result, lang),
              "; ".join(t[k] for k in ("both_and", "and_or", "statement", "event", "tab")) + ".",
              *provenance_lines(lang, denominators, spec["codebook"], coders, params)]
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in chain.title.lower()).strip("-")[:40] or "chain"
    return Bundle(name=f"{project.slug}-chain-{slug}", files=files, spec=spec, readme="\n".join(readme) + "\n",
                  summary=f"{result.formula} = {result.combination_n}/{result.N} cases")
