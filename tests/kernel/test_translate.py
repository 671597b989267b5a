"""casecoder.kernel.translate: the .po catalogs read with Babel, without Flask, for report texts."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from casecoder.kernel.translate import N_, Translator, gettext, ngettext, pgettext, translations

ROOT = Path(__file__).resolve().parents[2]


def test_danish_english_and_an_unknown_language():
    assert gettext("da", "Total") == "I alt" and gettext("en", "Total") == "Total"
    assert gettext("de", "Total") == "Total"  # no catalog: the English text
    assert gettext("da", "No such text in any catalog") == "No such text in any catalog"
    assert type(gettext("da", N_("Codebook"))) is str and type(gettext("en", N_("Codebook"))) is str


def test_contexts_and_plurals():
    assert pgettext("da", "interviewee table column", "Cases") == "Antal succes-cases"
    assert gettext("da", "Cases") == "Sager"  # the same English word without the context
    assert pgettext("da", "opening quotation mark", "“") + pgettext("da", "closing quotation mark", "”") == "»«"
    assert pgettext("en", "quote bank", "Memo") == "Memo" and gettext("da", "Memo") == "Notat"
    assert ngettext("da", "%(num)s case", "%(num)s cases", 1) % {"num": 1} == "1 sag"
    assert ngettext("da", "%(num)s case", "%(num)s cases", 3) % {"num": 3} == "3 sager"
    assert ngettext("en", "%(num)s case", "%(num)s cases", 3) % {"num": 3} == "3 cases"


def test_translator_of_a_report_language():
    t = Translator("da")
    assert t.lang == "da" and t.gettext("Codebook") == "Kodebog"
    assert t.each((N_("Code"), N_("Label"))) == ("Kode", "Betegnelse")
    assert Translator("en").each((N_("Code"), N_("Label"))) == ("Code", "Label")
    assert translations("da") is translations("da")  # each catalog is read once


def test_works_without_flask():
    """A fresh interpreter: translating loads neither Flask nor Flask-Babel."""
    code = ("import sys\nfrom casecoder.kernel.translate import Translator\n"
            "print(Translator('da').gettext('Total'))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_babel')))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["I alt", "[]"]
