"""A chain as a bundle: data.csv (a row per node and a "combination" row), data.json, the figure."""
from __future__ import annotations

from typing import Any, Iterable

from casecoder.analysis.chains import ChainCount
from casecoder.export.bundle import Bundle, base_spec, provenance_lines, tidy_files
from casecoder.figures.words import counted, directions_in, formula_words, full_stop
from casecoder.kernel.file_names import file_stem
from casecoder.kernel.measures import DEFAULT_DIRECTIONS
from casecoder.kernel.translate import N_, Translator
from casecoder.models import Chain, Project

CSV_HEADER = ("code_key", "label", "kind", "n", "N", "case_keys")
SCOPES = {"family": N_("family perspective"), "system": N_("system perspective"),
          "pooled": N_("both perspectives")}
SCOPE_DENOMINATOR = {"family": "family", "system": "system", "pooled": "any"}
LEGEND = {"combination": N_("Cases with the combination"), "both_and": N_("dashed arrow: both-and"),
          "and_or": N_("solid arrow: and/or"), "statement": N_("green box: statement"),
          "mechanism": N_("outlined box: mechanism or other code"), "event": N_("black box: event"),
          "tab": N_("tab: number of cases")}


def chain_caption(result: ChainCount, lang: str, directions: Iterable[str] = DEFAULT_DIRECTIONS) -> str:
    """"Unit: cases. Scope: … N = 5. Formula: (ST.1 and ST.2) or E.1 = 3/5 (F01, …). Counted: …"."""
    t = Translator(lang)
    return t.gettext("Unit: cases. Scope: {scope}. N = {N}. Formula: {formula} = {n}/{N} ({keys}).").format(
        scope=t.gettext(SCOPES[result.scope]), N=result.N, formula=formula_words(result.formula, lang),
        n=result.combination_n, keys=", ".join(result.combination_keys) or "—") + " " + counted(directions, lang)


def chain_json(chain: Chain, result: ChainCount, params: list[tuple[str, str]]) -> dict[str, Any]:
    return {"title": chain.title, "caption": chain.caption, "scope": result.scope, "unit": "cases", "N": result.N,
            "denominator_keys": list(result.denominator_keys), "formula": result.formula, "arrows": result.arrows,
            "nodes": [{"key": n.key, "label_da": n.label_da, "label_en": n.label_en, "kind": n.kind, "n": n.n,
                       "case_keys": list(n.case_keys)} for n in result.nodes],
            "combination": {"n": result.combination_n, "case_keys": list(result.combination_keys)},
            "filters": [list(p) for p in params]}


def chain_figure_bytes(chain: Chain, result: ChainCount, lang: str, fmt: str,
                       directions: Iterable[str] = DEFAULT_DIRECTIONS) -> bytes:
    return chain_figures_bytes(chain, result, lang, (fmt,), directions)[fmt]


def chain_figures_bytes(chain: Chain, result: ChainCount, lang: str, fmts: tuple[str, ...],
                        directions: Iterable[str] = DEFAULT_DIRECTIONS) -> dict[str, bytes]:
    """The chain's figure in each of ``fmts``, laid out once (the same bytes as one call per format)."""
    from casecoder.figures.chains import ChainBox, chain_figures
    t = Translator(lang)
    boxes = [ChainBox(n.key, n.label(lang), n.kind, n.n, result.N) for n in result.nodes]
    legend = {k: t.gettext(text) for k, text in LEGEND.items()}
    return chain_figures(boxes, result.arrows, combination_n=result.combination_n, combination_N=result.N,
                         formula=formula_words(result.formula, lang), title=chain.title,
                         caption=(full_stop(chain.caption) + " " if chain.caption else "")
                         + chain_caption(result, lang, directions), legend=legend, fmts=fmts)


def chain_bundle(project: Project, chain: Chain, result: ChainCount, params: list[tuple[str, str]],
                 lang: str, coders: tuple[str, ...] = ()) -> Bundle:
    rows = [(n.key, n.label(lang), n.kind, n.n, result.N, " ".join(n.case_keys)) for n in result.nodes]
    rows.append(("combination", result.formula, "combination", result.combination_n, result.N,
                 " ".join(result.combination_keys)))
    files = tidy_files(CSV_HEADER, rows, chain_json(chain, result, params), "chain")
    directions = directions_in(params)
    files.update({f"figure.{fmt}": data
                  for fmt, data in chain_figures_bytes(chain, result, lang, ("svg", "png", "pdf"), directions).items()})
    denominators = {"N": result.N}
    spec = base_spec(project, "chain", {"chain": chain.title}, params, lang, denominators, coders)
    spec["scope"] = result.scope
    t = Translator(lang)
    readme = [chain.title, "", *([full_stop(chain.caption)] if chain.caption else []),
              chain_caption(result, lang, directions),
              full_stop("; ".join(t.gettext(LEGEND[k]) for k in ("both_and", "and_or", "statement", "mechanism",
                                                                "event", "tab"))),
              *provenance_lines(lang, {SCOPE_DENOMINATOR.get(result.scope, "any"): result.N}, spec["codebook"], coders,
                                params)]
    slug = file_stem(chain.title.lower(), "chain", 40)  # "Tillid på Ærø" -> "tillid-paa-aeroe"
    return Bundle(name=f"{project.slug}-chain-{slug}", files=files, spec=spec, readme="\n".join(readme) + "\n",
                  summary=f"{result.formula} = {result.combination_n}/{result.N} cases")
