"""refi/xmlout.py writes what lxml's ``tostring(pretty_print=True)`` writes for the same tree: the .qdpx
export streams its XML through it (issue #25), and the bytes must not change."""
from __future__ import annotations

import random

import pytest
from lxml import etree

from casecoder.exchange.refi import xmlout as xo

NS = "urn:QDA-XML:project:1.0"
TRICKY = ["", " ", "a&b", "<x>", "]]>", '"quoted"', "it's", "line\nbreak", "cr\r\nlf", "tab\there", "æøå ÆØÅ",
          "\u2028", "emoji \U0001F600", "  spaced  ", "&amp;", "a\n\n  b"]


def random_tree(rng: random.Random, depth: int = 0) -> tuple[xo.Node, etree._Element]:
    tag = rng.choice(["Case", "Description", "SelectionRef", "Note", "TextSource"])
    attrs = {name: rng.choice(TRICKY) for name in rng.sample(["guid", "name", "creatingUser", "x"], rng.randint(0, 3))}
    kids = rng.randint(0, 3) if depth < 3 and rng.random() < 0.5 else 0
    text = None if kids or rng.random() < 0.4 else rng.choice(TRICKY)
    node = xo.element(tag, text, **attrs)
    element = etree.Element(f"{{{NS}}}{tag}", attrs)
    element.text = text
    for _ in range(kids):
        child_node, child = random_tree(rng, depth + 1)
        node.children.append(child_node)
        element.append(child)
    return node, element


def test_xmlout_writes_lxml_pretty_print_bytes() -> None:
    rng = random.Random(25)
    for _ in range(300):
        nodes, root = [], etree.Element(f"{{{NS}}}Project", nsmap={None: NS}, name=rng.choice(TRICKY))  # type: ignore[dict-item]
        for _ in range(rng.randint(1, 4)):
            node, element = random_tree(rng)
            nodes.append(node)
            root.append(element)
        out = ["<?xml version='1.0' encoding='UTF-8'?>\n", xo.start_tag("Project", {"xmlns": NS, "name": root.get("name")}),
               "\n"]
        for node in nodes:
            xo.render(node, 1, out)
        out.append("</Project>\n")
        assert "".join(out).encode("utf-8") == etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                              pretty_print=True)


def test_render_lxml_is_the_element_as_a_child_of_the_root() -> None:
    root = etree.Element(f"{{{NS}}}Project", nsmap={None: NS})  # type: ignore[dict-item]
    book = etree.SubElement(root, f"{{{NS}}}CodeBook")
    etree.SubElement(etree.SubElement(book, f"{{{NS}}}Codes"), f"{{{NS}}}Code", name="a & b").text = "x\ny"
    whole = etree.tostring(root, pretty_print=True, encoding="unicode")
    assert xo.render_lxml(book, NS) == whole.split("\n", 1)[1].rsplit("</Project>", 1)[0]


@pytest.mark.parametrize("bad", ["\x00", "a\x01b", "\x0b", "\x1f"])
def test_control_characters_are_refused_as_lxml_refuses_them(bad: str) -> None:
    with pytest.raises(ValueError):
        etree.Element("x").text = bad
    with pytest.raises(ValueError):
        xo.render(xo.element("Description", bad), 0, [])
    with pytest.raises(ValueError):
        xo.render(xo.element("Note", None, name=bad), 0, [])
