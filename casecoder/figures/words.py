"""The words figures, READMEs and Word legends use for what was counted, in the report's language.

Never internals: a filter is "Evidence counted: supporting; sub-codes: included", not "direction=supports;
sub=1"; a denominator is "family perspective 5", not "N_family = 5"; a chain's formula reads "(ST.1 and
ST.2) or E.1" (∧ and ∨ are not in the fonts Word users have).
"""
from __future__ import annotations

from typing import Iterable, Sequence

from casecoder.kernel.measures import DEFAULT_DIRECTIONS, DIRECTIONS
from casecoder.kernel.translate import N_, Translator

EVIDENCE = {"supports": N_("supporting"), "contradicts": N_("contradicting"), "nuances": N_("nuancing")}
DENOMINATORS = {"family": N_("family perspective"), "system": N_("system perspective"),
                "both": N_("both perspectives"), "any": N_("all selected cases"), "N": N_("cases"),
                "cases": N_("cases"), "families_interviewed": N_("Families interviewed")}
FILTERS = {"municipality": N_("Municipality"), "attr": N_("Attribute"), "role": N_("Role"), "coder": N_("Coder"),
           "direction": N_("Evidence counted"), "sub": N_("Sub-codes"), "from": N_("Interviews from"),
           "to": N_("Interviews until"), "code": N_("Code"), "perspective": N_("Perspective"),
           "case": N_("Case"), "memo": N_("Memos")}
OPERATORS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
PERSPECTIVES = {"family": N_("family perspective"), "system": N_("system perspective"),
                "either": N_("any perspective"), "pooled": N_("both perspectives")}


def directions_in(params: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The direction set the filter parameters count (the default when they name none)."""
    chosen = {part.strip() for name, value in params if name == "direction" for part in value.split(",")}
    return frozenset(chosen - {""}) or DEFAULT_DIRECTIONS


def counted(directions: Iterable[str], lang: str) -> str:
    """One sentence saying which evidence a figure counts, e.g. "Counted: supporting evidence only (...)."."""
    t = Translator(lang)
    chosen = [d for d in DIRECTIONS if d in set(directions)]
    if frozenset(chosen) == DEFAULT_DIRECTIONS:
        return t.gettext("Counted: supporting evidence only (contradicting and nuancing evidence is not counted).")
    if len(chosen) == len(DIRECTIONS):
        return t.gettext("Counted: all evidence (supporting, contradicting and nuancing).")
    words = [t.gettext(EVIDENCE[d]) for d in chosen]
    if len(words) == 2:
        return t.gettext("Counted: {first} and {second} evidence only.").format(first=words[0], second=words[1])
    return t.gettext("Counted: {which} evidence only.").format(which=words[0] if words else "—")


def denominators_line(denominators: dict[str, int], lang: str) -> str:
    """"Denominators (cases): family perspective 5, system perspective 9"."""
    t = Translator(lang)
    parts = [f"{t.gettext(DENOMINATORS[k]) if k in DENOMINATORS else k} {v}" for k, v in denominators.items()]
    return t.gettext("Denominators (cases)") + ": " + (", ".join(parts) or "—")


def _value(name: str, value: str, t: Translator) -> str:
    if name == "direction":
        return ", ".join(t.gettext(EVIDENCE.get(v.strip(), v.strip())) for v in value.split(","))
    if name in ("sub", "memo"):
        return t.gettext("included") if value == "1" else t.gettext("not included")
    if name == "attr":
        parts = value.split(":", 2)
        return f"{parts[0]} {OPERATORS[parts[1]]} {parts[2]}" if len(parts) == 3 and parts[1] in OPERATORS else value
    if name == "perspective" and value in PERSPECTIVES:
        return t.gettext(PERSPECTIVES[value])
    return value


def filters_text(params: Sequence[tuple[str, str]], lang: str) -> str:
    """The filters in words: "Evidence counted: supporting; Sub-codes: included" (— for none)."""
    t = Translator(lang)
    grouped: dict[str, list[str]] = {}
    order = {d: i for i, d in enumerate(DIRECTIONS)}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    if "direction" in grouped:                    # supporting, contradicting, nuancing: the method's order
        grouped["direction"].sort(key=lambda d: order.get(d, len(order)))
    grouped = {name: [_value(name, v, t) for v in values] for name, values in grouped.items()}
    return "; ".join(f"{t.gettext(FILTERS[k]) if k in FILTERS else k}: {', '.join(v)}"
                     for k, v in grouped.items()) or "—"


def formula_words(formula: str, lang: str) -> str:
    """A chain's formula with ∧/∨ written as the report language's "and"/"or"."""
    t = Translator(lang)
    return formula.replace("∧", t.gettext("and")).replace("∨", t.gettext("or"))


def full_stop(text: str) -> str:
    """``text`` ending in a full stop (or the ! or ? it ends in), for captions."""
    text = text.rstrip()
    return text if not text or text[-1] in ".!?" else text + "."
