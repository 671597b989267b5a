"""``LazyKeys``: a sequence of sorted case keys worked out when first read (a click on a number reads one list
of the tally, the API every list), equal to and hashed as the tuple of its keys; its length is known before.
``CaseKeys`` (the tally's, from ``tally_keys``' joined ids, less a blind viewer's cases if any) and a blind
viewer's ``KeysLess`` (of keys already there) say how the keys are worked out."""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import overload

from casecoder.models.derived.tally_keys import SEP


class LazyKeys(Sequence[str]):
    """The keys ``_resolve`` gives, kept after the first read; ``len`` is the count given at the start."""

    __slots__ = ("_keys", "_n")

    def __init__(self, n: int) -> None:
        self._n = n
        self._keys: tuple[str, ...] | None = None

    def _resolve(self) -> tuple[str, ...]:
        raise NotImplementedError

    def resolved(self) -> tuple[str, ...]:
        if self._keys is None:
            self._keys = self._resolve()
        return self._keys

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self.resolved()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self.resolved())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyKeys):
            other = other.resolved()
        elif isinstance(other, Sequence) and not isinstance(other, (tuple, str)):
            other = tuple(other)
        return self.resolved() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.resolved())

    def __repr__(self) -> str:
        return repr(self.resolved())


class CaseKeys(LazyKeys):
    """The sorted keys of the cases behind one number, kept as ``tally_keys``' joined ids until first read:
    then mapped to keys and sorted, once. Its length needs no keys (``n``: the number of ids, from
    ``tally_default``). ``less``: cases (ids) left out, a blind viewer's (``without``)."""

    __slots__ = ("_ids", "_key_of", "_less")

    def __init__(self, ids: str, key_of: Mapping[str, str], n: int, less: tuple[Iterable[int], ...] = ()) -> None:
        self._n, self._keys = n, None   # LazyKeys.__init__'s, without the call: a tally makes hundreds
        self._ids, self._key_of, self._less = ids, key_of, less

    def without(self, case_ids: Iterable[int], n: int) -> CaseKeys:
        """These keys less the cases ``case_ids`` (``n`` are left), taken out when read."""
        return CaseKeys(self._ids, self._key_of, n, (*self._less, case_ids))

    def _resolve(self) -> tuple[str, ...]:
        if not self._ids:
            return ()
        key_of = self._key_of
        keys = sorted(map(key_of.__getitem__, self._ids.split(SEP)))
        if not self._less:
            return tuple(keys)
        # a case left out is taken out of the sorted keys by bisection: a few of many, not a test per key
        gone = set(map(key_of.get, map(str, chain.from_iterable(self._less))))
        for key in sorted((key for key in gone if key is not None), reverse=True):
            i = bisect_left(keys, key)
            while i < len(keys) and keys[i] == key:
                del keys[i]
        return tuple(keys)
