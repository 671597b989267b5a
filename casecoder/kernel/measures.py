"""The six measures of a code, declared once (docs/counting.md, "The measures of a code").

A case's evidence for a code is the set of (perspective, direction) pairs it has codings of (sub-codes
rolled up); as a bit set it is a *mask* with the bit ``BITS[pair]`` per pair. A measure says which
pairs it looks at and how it combines them:

    family      a pair (family, d) for a chosen direction d           N: cases with a family source
    system      a pair (system, d) for a chosen direction d           N: cases with a system source
    both        a family pair and a system pair, chosen directions    N: cases with both kinds of source
    either      a pair of either perspective, chosen directions       N: every selected case
    contradicts (family or system, contradicts)                       N: every selected case
    nuances     (family or system, nuances)                           N: every selected case

The chosen direction set is the filter's (``DEFAULT_DIRECTIONS``: supports only). A measure's
*groups* are sets of pairs; the measure holds when the case has a pair of every group (``both``:
a family group and a system group; the others: one group).

Pure data and pure functions, no SQL, so that every layer can read it: the trigger SQL of
``models/derived/tally_cells.py`` (the mask, ``tally_default``), the mask and case-key queries
and the set algebra of ``analysis/measures.py`` are all generated from ``MEASURES``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from casecoder.kernel.vocabulary import Direction, Perspective

FAMILY, SYSTEM = Perspective.FAMILY.value, Perspective.SYSTEM.value
PERSPECTIVES = tuple(p.value for p in Perspective)     # family, system
DIRECTIONS = tuple(d.value for d in Direction)         # supports, contradicts, nuances
Pair = tuple[str, str]                                 # (perspective, direction)
PAIRS: tuple[Pair, ...] = tuple((p, d) for p in PERSPECTIVES for d in DIRECTIONS)
BITS: dict[Pair, int] = {pair: 1 << i for i, pair in enumerate(PAIRS)}   # pair -> its bit in a mask
MASKS = range(1 << len(PAIRS))                         # every mask there is
DEFAULT_DIRECTIONS = frozenset({Direction.SUPPORTS.value})

# denominator -> the perspectives a case needs a source of to count in it (none: every selected case)
DENOMINATORS: dict[str, tuple[str, ...]] = {"family": (FAMILY,), "system": (SYSTEM,), "both": (FAMILY, SYSTEM),
                                            "any": ()}


@dataclass(frozen=True)
class Measure:
    """What one column of the tally counts: cases with evidence ``perspectives`` x ``directions``."""
    name: str
    perspectives: tuple[str, ...]
    directions: tuple[str, ...] | None     # None: the chosen direction set
    every_perspective: bool                # True: a pair of each perspective; False: of at least one
    denominator: str                       # a key of DENOMINATORS

    def directions_for(self, chosen: Iterable[str]) -> tuple[str, ...]:
        """The directions this measure counts under the chosen direction set (in ``DIRECTIONS`` order)."""
        wanted = set(chosen if self.directions is None else self.directions)
        return tuple(d for d in DIRECTIONS if d in wanted)

    def perspective_groups(self) -> tuple[tuple[str, ...], ...]:
        """One group per perspective when it needs each of them, else all of them in one group."""
        return tuple((p,) for p in self.perspectives) if self.every_perspective else (self.perspectives,)

    def groups(self, chosen: Iterable[str]) -> tuple[tuple[Pair, ...], ...]:
        """The pairs of each group: the measure holds when a case has a pair of every group."""
        directions = self.directions_for(chosen)
        return tuple(tuple((p, d) for p in group for d in directions) for group in self.perspective_groups())

    def bit_groups(self, chosen: Iterable[str]) -> tuple[int, ...]:
        """``groups`` as masks: the measure holds for ``mask`` when ``mask & g`` for every ``g``."""
        return tuple(sum(BITS[pair] for pair in group) for group in self.groups(chosen))

    def holds(self, mask: int, chosen: Iterable[str]) -> bool:
        return all(mask & g for g in self.bit_groups(chosen))


MEASURES: tuple[Measure, ...] = (
    Measure("family", (FAMILY,), None, False, "family"),
    Measure("system", (SYSTEM,), None, False, "system"),
    Measure("both", (FAMILY, SYSTEM), None, True, "both"),
    Measure("either", (FAMILY, SYSTEM), None, False, "any"),
    Measure("contradicts", (FAMILY, SYSTEM), (Direction.CONTRADICTS.value,), False, "any"),
    Measure("nuances", (FAMILY, SYSTEM), (Direction.NUANCES.value,), False, "any"),
)
NAMES = tuple(m.name for m in MEASURES)
BY_NAME = {m.name: m for m in MEASURES}


@lru_cache(maxsize=64)
def measures_of_masks(chosen: frozenset[str]) -> tuple[tuple[int, ...], ...]:
    """For every mask, the indices (in ``MEASURES``) of the measures that hold for it under ``chosen``."""
    groups = [m.bit_groups(chosen) for m in MEASURES]
    return tuple(tuple(i for i, g in enumerate(groups) if all(mask & bits for bits in g)) for mask in MASKS)
