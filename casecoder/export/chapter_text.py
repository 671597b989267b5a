"""The words of a report chapter (issue #24): count sentences in the report's phrasing, captions and
headings, in Danish or English. Built from the counts only: the tool writes no analysis of its own.

Numbers are written as the report writes them: a word from one to nine, digits from 10 ("syv ud af 12
borgere", "10 ud af 12 familier"); none gets a sentence of its own ("Ingen af de 12 familier …"), and a
perspective with no interviews says so rather than "0 af 0".
"""
from __future__ import annotations

from casecoder.analysis.tally import Count
from casecoder.kernel.translate import N_, Translator

# one to nine in words, from the catalogs (Danish "en": a family, a case, a citizen are all common gender)
WORDS = (N_("zero"), N_("one"), N_("two"), N_("three"), N_("four"), N_("five"), N_("six"), N_("seven"), N_("eight"),
         N_("nine"))

BASE = N_("The hypothesis rests on {any} cases: {family} with a family interview and {system} with a system "
          "interview.")
FAMILY_SOME = N_("{n} of {N} families mention {label}.")
FAMILY_ONE = N_("One of {N} families mentions {label}.")
FAMILY_NONE = N_("None of the {N} families mention {label}.")
FAMILY_NO_N = N_("None of the selected cases has a family interview.")
SYSTEM_SOME = N_("In {n} of {N} cases the professionals point to {label}.")
SYSTEM_NONE = N_("In none of the {N} cases do the professionals point to {label}.")
SYSTEM_NO_N = N_("None of the selected cases has a system interview.")
OTHER_NONE = N_("No evidence contradicts or nuances {label}.")
OTHER_BOTH = N_("Evidence contradicting {label} occurs in {c} of {N} cases, and evidence nuancing it in {m} of "
                "{N} cases.")
OTHER_CONTRADICTS = N_("Evidence contradicting {label} occurs in {c} of {N} cases; none nuances it.")
OTHER_NUANCES = N_("Evidence nuancing {label} occurs in {m} of {N} cases; none contradicts it.")
NO_EVIDENCE = N_("No evidence has been coded for this hypothesis yet.")
HEADING = N_("Hypothesis {number}: {label}")
FIGURE = N_("Figure {number}: {caption}")
OVERVIEW = N_("{label} at a glance")
EXAMPLE = N_("Example {n}")
APPENDIX = N_("Appendix: the cases behind each number")
# the legend under report figure 40, in the report's words
CHAIN_LEGEND = N_("Note: Dark green boxes are statements from citizens, a black box is an event. The number in "
                  "the tab under a box shows in how many cases the statement or event occurs. The chain shows a "
                  "combination of statements, where the light green box marks how many in all have experienced "
                  "the combination. A broken arrow marks a both-and between two statements, while a straight "
                  "arrow marks an and/or.")


def number(n: int, lang: str, start: bool = False) -> str:
    """``n`` in words from one to nine, else in digits; capitalised at the start of a sentence."""
    word = Translator(lang).gettext(WORDS[n]) if 0 < n < 10 else str(n)
    return word[:1].upper() + word[1:] if start else word


def quoted_label(label: str, lang: str) -> str:
    """A code's label as it stands in a sentence: in the language's quotation marks."""
    t = Translator(lang)
    return t.pgettext("opening quotation mark", "“") + label + t.pgettext("closing quotation mark", "”")


def sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def base_sentence(N: dict[str, int], lang: str) -> str:
    return Translator(lang).gettext(BASE).format(any=number(N.get("any", 0), lang),
                                                 family=number(N.get("family", 0), lang),
                                                 system=number(N.get("system", 0), lang))


def _counted(count: Count, label: str, lang: str, some: str, none: str, no_interviews: str,
             one: str | None = None) -> str:
    """"n of N …" (``one`` for n = 1 where the grammar needs it), "none of the N …", or no interviews."""
    t, label = Translator(lang), quoted_label(label, lang)
    if not count.N:
        return t.gettext(no_interviews)
    template = none if not count.n else one if count.n == 1 and one else some
    return sentence_start(t.gettext(template).format(n=number(count.n, lang), N=number(count.N, lang), label=label))


def family_sentence(count: Count, label: str, lang: str) -> str:
    return _counted(count, label, lang, FAMILY_SOME, FAMILY_NONE, FAMILY_NO_N, FAMILY_ONE)


def system_sentence(count: Count, label: str, lang: str) -> str:
    return _counted(count, label, lang, SYSTEM_SOME, SYSTEM_NONE, SYSTEM_NO_N)


def other_sentence(contradicts: Count, nuances: Count, label: str, lang: str) -> str:
    """The contradicting and nuancing evidence, in a sentence of its own."""
    t, label = Translator(lang), quoted_label(label, lang)
    c, m, N = contradicts.n, nuances.n, number(contradicts.N, lang)
    if not c and not m:
        return t.gettext(OTHER_NONE).format(label=label)
    template = OTHER_BOTH if c and m else OTHER_CONTRADICTS if c else OTHER_NUANCES
    return t.gettext(template).format(label=label, c=number(c, lang), m=number(m, lang), N=N)


def figure_caption(figure_number: int, caption: str, lang: str) -> str:
    """"Figur 3: …." — a caption ends with a full stop."""
    caption = caption.strip()
    if caption and caption[-1] not in ".!?":
        caption += "."
    return Translator(lang).gettext(FIGURE).format(number=figure_number, caption=caption)


def heading(number: int, label: str, lang: str) -> str:
    """"Hypotese 1: <label>"."""
    return Translator(lang).gettext(HEADING).format(number=number, label=label)
