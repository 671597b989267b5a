"""The rules of double coding, pure (no database): which sources are double-coded, which codes a
reconciliation decision reaches, who codes a source blind and what a blind coder may see.

Both sides use them: coding/double_coding.py refuses what a blind coder may not change and writes
the coding of record; analysis/double_coding.py shows a blind coder only what they may see.

**Blind**: while a source is in double coding and its comparison is not opened, each of its coders
who is not an owner of the project sees only their own codings on it — the excerpts they created
or have a coding on, each with only their own codings; other excerpts of the source do not exist
for them.
"""
from __future__ import annotations

from typing import Collection, Iterable

from casecoder.kernel.vocabulary import Role

MIN_CODERS = 2


def double_coded(marked: bool, coders: int) -> bool:
    """A source is double-coded when it is marked for double coding, or when two or more coders have
    codings on it (e.g. from a project bundle)."""
    return marked or coders >= MIN_CODERS


def code_and_below(code_id: int, parents: Iterable[tuple[int, int | None]]) -> list[int]:
    """``code_id`` and every code below it, from (code id, parent id) pairs: what a decision on a
    code governs."""
    children: dict[int | None, list[int]] = {}
    for child, parent in parents:
        children.setdefault(parent, []).append(child)
    codes, todo = [], [code_id]
    while todo:
        codes.append(todo.pop())
        todo.extend(c for c in children.get(codes[-1], ()) if c not in codes)
    return codes


def codes_blind(role: Role | None, opened: bool, coder_ids: Collection[int], user_id: int) -> bool:
    """Does the user code a source blind? Its double coding is not opened, the user is one of its
    coders (``coder_ids``) and not an owner of the project."""
    return role is not Role.OWNER and not opened and user_id in coder_ids


def may_see(user_id: int, created_by_id: int | None, coder_ids: Iterable[int]) -> bool:
    """May a blind coder see an excerpt? When they created it or have a coding on it."""
    return created_by_id == user_id or user_id in set(coder_ids)


def others_coded(user_id: int, coder_ids: Iterable[int]) -> bool:
    """Does an excerpt carry codings of coders other than the user (a blind coder may not move it)?"""
    return any(c != user_id for c in coder_ids)
