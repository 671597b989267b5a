"""Walking the code tree without recursion: its depth is user data, so no walk may recurse over it (#22).

``preorder`` gives (node, depth, parent) depth-first with siblings in the order given; ``depths`` the
depth of every node of a parent map; ``height`` how many levels a subtree spans. Cycles are never
followed twice.
"""
from __future__ import annotations

from typing import Callable, Hashable, Iterator, Mapping, Sequence, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def preorder(children: Mapping[K | None, Sequence[T]], key: Callable[[T], K],
             root: K | None = None) -> Iterator[tuple[T, int, T | None]]:
    """Depth-first, pre-order: (node, depth, parent) for every node under ``root`` (depth 0: its children)."""
    stack: list[tuple[T, int, T | None]] = [(child, 0, None) for child in reversed(children.get(root, ()))]
    seen: set[K] = set()
    while stack:
        node, depth, parent = stack.pop()
        node_key = key(node)
        if node_key in seen:
            continue
        seen.add(node_key)
        yield node, depth, parent
        stack.extend((child, depth + 1, node) for child in reversed(children.get(node_key, ())))


def depths(parents: Mapping[K, K | None]) -> dict[K, int]:
    """The depth of each node of ``parents`` (node -> parent; a top-level node: 0). A node on a cycle, or under
    a parent not in the map, counts from where the chain stops."""
    out: dict[K, int] = {}
    for start in parents:
        chain: list[K] = []
        node: K | None = start
        while node is not None and node not in out and node in parents and node not in chain:
            chain.append(node)
            node = parents[node]
        base = out[node] + 1 if node is not None and node in out else 0
        for i, item in enumerate(reversed(chain)):
            out[item] = base + i
    return out


def height(children: Mapping[K | None, Sequence[K]], root: K) -> int:
    """How many levels the subtree of ``root`` spans (1: ``root`` alone)."""
    tallest, stack, seen = 0, [(root, 1)], set()
    while stack:
        node, level = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        tallest = max(tallest, level)
        stack.extend((child, level + 1) for child in children.get(node, ()))
    return tallest
