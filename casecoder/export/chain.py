"""A chain as a bundle: data.csv (a row per node and a "combination" row), data.json, the figure."""
from __future__ import annotations

from typing import Any

from casecoder.analysis.chains import ChainCount
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.kernel.file_names import file_stem
from casecoder.kernel.translate import N_, Translator
from casecoder.models import Chain, Project

CSV_HEADER = ("code_key", "label", "kind", "n", "N", "case_keys")
SCOPES = {"family": N_("family perspective"), "system": N_("system perspective"),
          "pooled": N_("both perspectives")}
LEGEND = {"combination": N_("Cases with the combination"), "both_and": N_("dashed arrow: both-and"),
          "and_or": N_("solid arrow: and/or"), "statement": N_("green box: statement"),
          "event": N_("black box: event"), "tab": N_("tab: number of cases")}


def chain_caption(result: ChainCount, lang: str) -> str:
    t = Translator(lang)
    return t.gettext("Unit: cases. Scope: {scope}. N = {N}. Formula: {formula} = {n}/{N} ({keys}).").format(
        scope=t.gettext(SCOPES[result.scope]), N=result.N, formula=result.formula, n=result.combination_n,
        keys=", ".join(result.combination_keys) or "—")


def chain_json(chain: Chain, result: ChainCount, params: list[tuple[str, str]]) -> dict[str, Any]:
    return {"title": chain.title, "caption": chain.caption, "scope": result.scope, "unit": "cases", "N": result.N,
            "denominator_keys": list(result.denominator_keys), "formula": result.formula, "arrows": result.arrows,
            "nodes": [{"key": n.key, "label_da": n.label_da, "label_en": n.label_en, "kind": n.kind, "n": n.n,
                       "case_keys": list(n.case_keys)} for n in result.nodes],
            "combination": {"n": result.combination_n, "case_keys": list(result.combination_keys)},
            "filters": [list(p) for p in params]}


def chain_figure_bytes(chain: Chain, result: ChainCount, lang: str, fmt: str) -> bytes:
    from casecoder.figures.chains import ChainBox, chain_figure
    t = Translator(lang)
    boxes = [ChainBox(n.key, n.label(lang), n.kind, n.n, result.N) for n in result.nodes]
    legend = {k: t.gettext(text) for k, text in LEGEND.items()}
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
    t = Translator(lang)
    readme = [chain.title, "", *([chain.caption] if chain.caption else []), chain_caption(result, lang),
              "; ".join(t.gettext(LEGEND[k]) for k in ("both_and", "and_or", "statement", "event", "tab")) + ".",
              *provenance_lines(lang, denominators, spec["codebook"], coders, params)]
    slug = file_stem(chain.title.lower(), "chain", 40)  # "Tillid på Ærø" -> "tillid-paa-aeroe"
    return Bundle(name=f"{project.slug}-chain-{slug}", files=files, spec=spec, readme="\n".join(readme) + "\n",
                  summary=f"{result.formula} = {result.combination_n}/{result.N} cases")
