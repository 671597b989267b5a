"""XML written as text, a piece at a time, byte for byte as lxml's ``tostring(pretty_print=True)``
writes the same tree (``tests/exchange/test_refi_xmlout.py`` holds the two against each other).

A .qdpx of a large project holds over a million elements: as one lxml tree that took minutes and
gigabytes (issue #25). Here the writer builds small trees of ``Node`` (one case, one source) and
renders each into the output as soon as it is complete. The rules are libxml2's: two spaces per
level, an element without content as ``<a/>``, text on the element's own line; in text ``&``, ``<``,
``>`` and CR are escaped, in attribute values also ``"``, LF and TAB. Control characters are refused
as lxml refuses them.
"""
from __future__ import annotations

import re
from typing import Any, cast

from lxml import etree

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                       "\t": "&#9;"})
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPECIAL = re.compile('[\x00-\x1f&<>"]')  # most values (GUIDs, times, numbers) have none: one search each


def _checked(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return value


def attr_value(value: str) -> str:
    return _checked(value).translate(_ATTR) if _SPECIAL.search(value) else value


def text_value(value: str) -> str:
    return _checked(value).translate(_TEXT) if _SPECIAL.search(value) else value


class Node:
    """An element: tag (no namespace: the document's default one), attributes in order, text or children.
    A node without a tag is text already rendered (``raw``)."""

    __slots__ = ("tag", "attrs", "text", "children")

    def __init__(self, tag: str | None, attrs: dict[str, str], text: str | None = None):
        self.tag, self.attrs, self.text = tag, attrs, text
        self.children: list[Node] = []


def element(tag: str, text: str | None = None, **attrs: str | None) -> Node:
    """A new element; attributes that are None are left out."""
    return Node(tag, {k: v for k, v in attrs.items() if v is not None}, text)


def sub(parent: Node, tag: str, text: str | None = None, **attrs: str | None) -> Node:
    """A child of ``parent`` (as ``qdc.sub`` for lxml); attributes that are None are left out."""
    node = element(tag, text, **attrs)
    parent.children.append(node)
    return node


def raw(parent: Node, rendered: str) -> None:
    """Append to ``parent`` children already rendered at their depth (``attributes``, ``text_value``)."""
    parent.children.append(Node(None, {}, rendered))


def attributes(**attrs: str | None) -> str:
    """`` name="value"`` for each attribute that is not None, escaped, in order."""
    return "".join(f' {k}="{attr_value(v)}"' for k, v in attrs.items() if v is not None)


def start_tag(tag: str, attrs: dict[str, str], close: str = ">") -> str:
    return "".join((f"<{tag}", *(f' {k}="{attr_value(v)}"' for k, v in attrs.items()), close))


def render(node: Node, depth: int, out: list[str]) -> None:
    """Append ``node`` at ``depth`` (its indentation), with its line end, to ``out``."""
    if node.tag is None:
        out.append(cast(str, node.text))
        return
    pad = "  " * depth
    if node.children:
        out.append(f"{pad}{start_tag(node.tag, node.attrs)}\n")
        for child in node.children:
            render(child, depth + 1, out)
        out.append(f"{pad}</{node.tag}>\n")
    elif node.text is None:
        out.append(f"{pad}{start_tag(node.tag, node.attrs, '/>')}\n")
    else:
        out.append(f"{pad}{start_tag(node.tag, node.attrs)}{text_value(node.text)}</{node.tag}>\n")


def render_lxml(element: Any, ns: str) -> str:
    """An lxml element (without a namespace declaration of its own) at depth 1 of a document whose root
    declares ``ns`` as the default namespace, as it appears there."""
    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns})  # type: ignore[dict-item]
    root.append(element)
    lines = etree.tostring(root, pretty_print=True, encoding="unicode").split("\n")
    return "\n".join(lines[1:-2]) + "\n"  # without the root's start and end tags (and the final newline)
