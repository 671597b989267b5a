"""Texts outside the web pages (report files, figures) in a chosen language, from the same .po catalogs
the web interface uses (casecoder/translations), read with Babel and without Flask.

Write the English text in the code and translate it where it is used::

    t = Translator(lang)
    t.gettext("Total")                      # "I alt" in Danish
    t.pgettext("quote bank", "Memo")        # a context when Danish needs two words for one English one
    t.ngettext("{n} case", "{n} cases", n)

``pybabel extract`` (scripts/i18n) finds the literals in ``t.gettext(...)``, ``t.pgettext(...)`` and
``t.ngettext(...)`` calls and in ``N_(...)``, the marker for texts kept in constants and translated
later (``t.gettext(COLUMN)``). A language without a catalog gets the English text.
"""
from __future__ import annotations

from functools import lru_cache

from babel.support import NullTranslations, Translations

from casecoder.kernel.errors import N_
from casecoder.kernel.paths import PACKAGE_DIR

__all__ = ["N_", "Translator", "gettext", "ngettext", "pgettext", "translations"]

CATALOG_DIR = PACKAGE_DIR / "translations"


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (loaded once per language); English text for an unknown language."""
    if lang == "en":
        return NullTranslations()  # the msgids are the English texts
    return Translations.load(str(CATALOG_DIR), [lang])


def gettext(lang: str, message: str) -> str:
    """``message`` (English) in ``lang``. Mark a literal passed here with ``N_`` so it is extracted."""
    return str(translations(lang).gettext(message))


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    return str(translations(lang).ngettext(singular, plural, n))


def pgettext(lang: str, context: str, message: str) -> str:
    return str(translations(lang).pgettext(context, message))


class Translator:
    """The texts of one report language: ``Translator("da").gettext("Total") == "I alt"``."""

    def __init__(self, lang: str):
        self.lang = lang
        self._catalog = translations(lang)

    def gettext(self, message: str) -> str:
        return str(self._catalog.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(self._catalog.ngettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        return str(self._catalog.pgettext(context, message))

    def each(self, messages: tuple[str, ...]) -> tuple[str, ...]:
        """Every text of ``messages`` (e.g. table columns marked with ``N_``) translated."""
        return tuple(self.gettext(m) for m in messages)
