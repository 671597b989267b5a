"""``LazyKeys``: a sequence of sorted case keys worked out when first read (a click on a number reads one list
of the tally, the API every list), equal to and hashed as the tuple of its keys; its length is known before.
The tally's ``CaseKeys`` and a blind viewer's ``KeysLess`` say how the keys are worked out."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload


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
