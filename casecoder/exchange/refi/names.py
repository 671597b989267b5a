"""Names for what a .qdpx brings in: a free project slug from its title, and keys and user names
made from free text (ASCII letters, digits, '.', '_', '-'), unique within what is taken."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.models import Project

_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def slugify(title: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:50].strip("-")
    return slug if len(slug) >= 2 else f"project-{slug}".strip("-")


def free_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def clean_name(raw: str, fallback: str, max_len: int = 32, min_len: int = 2) -> str:
    """Letters, digits, '.', '_', '-' only, starting with a letter or digit (keys, user names);
    ``fallback`` when fewer than ``min_len`` are left."""
    name = _NAME_CHARS.sub("-", unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode())
    name = name.strip("-._")[:max_len].strip("-._")
    return name if len(name) >= min_len else fallback


def unique(name: str, taken: set[str], max_len: int = 32) -> str:
    """``name``, or ``name-2``, ``name-3``... cut to fit ``max_len``: the first not in ``taken`` (added to it)."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name[:max_len - len(str(n)) - 1]}-{n}"
    taken.add(candidate)
    return candidate
