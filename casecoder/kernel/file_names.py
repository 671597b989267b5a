"""Plain ASCII names made from Danish text: file names of downloads and exports, project slugs.

Danish letters keep their meaning (æ → ae, ø → oe, å → aa, Æ → Ae ...); other letters lose their
accents (é → e, ü → u); anything else between words becomes one '-'.
"""
from __future__ import annotations

import re
import unicodedata

DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa", "ß": "ss"})
MAX_FILE_STEM = 80
MAX_SLUG = 50


def ascii_text(text: str) -> str:
    """``text`` in ASCII: "Ærø Café" -> "Aeroe Cafe"; letters without an ASCII form are dropped."""
    text = unicodedata.normalize("NFC", text).translate(DANISH_LETTERS)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def file_stem(text: str, fallback: str = "export", max_len: int = MAX_FILE_STEM) -> str:
    """A file name (without its extension) from ``text``: ASCII letters, digits, '.', '_' and '-';
    "Interview med Søren" -> "Interview-med-Soeren", "demo-tally-ÆR0" -> "demo-tally-AeR0";
    ``fallback`` when nothing is left."""
    stem = re.sub(r"[^A-Za-z0-9._]+", "-", ascii_text(text)).strip("-.")[:max_len].strip("-.")
    return stem or fallback


def slug_from_title(title: str) -> str:
    """A project slug (``validate.slug``) from a title: "Familier i Ærø" -> "familier-i-aeroe"."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text(title).lower()).strip("-")[:MAX_SLUG].strip("-")
    return slug if len(slug) >= 2 else f"project-{slug}".strip("-")
