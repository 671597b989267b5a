"""Names for what a .qdpx brings in: a free project slug from its title, and keys (letters, also æ, ø, å,
digits, '.', '_', '-') and user names (the same in ASCII) made from free text, unique within what is taken."""
from __future__ import annotations

import re
import unicodedata

from casecoder.coding import projects
from casecoder.kernel import validate
from casecoder.kernel.file_names import ascii_text, slug_from_title

_ASCII_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
slugify = slug_from_title  # "Familier på Ærø" -> "familier-paa-aeroe"
free_slug = projects.free_slug


def clean_name(raw: str, fallback: str, max_len: int = 32, min_len: int = 2, ascii_only: bool = False) -> str:
    """Letters, digits, '.', '_', '-' only, starting with a letter or digit (keys; ``ascii_only``: user
    names, with æ, ø, å as ae, oe, aa); ``fallback`` when fewer than ``min_len`` are left."""
    if ascii_only:
        name = _ASCII_NAME_CHARS.sub("-", ascii_text(raw))
    else:
        name = re.sub("\0+", "-", "".join(c if validate.is_key(f"a{c}", 2) else "\0"
                                           for c in unicodedata.normalize("NFC", raw)))
    name = name.strip("-._")[:max_len].strip("-._")
    while name and not validate.is_key(name[0], 1):  # a combining mark cannot start a key
        name = name[1:]
    return name if len(name) >= min_len else fallback


def unique(name: str, taken: set[str], max_len: int = 32) -> str:
    """``name``, or ``name-2``, ``name-3``... cut to fit ``max_len``: the first not in ``taken`` (added to it)."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name[:max_len - len(str(n)) - 1]}-{n}"
    taken.add(candidate)
    return candidate
