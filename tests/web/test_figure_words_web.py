"""The figure routes say what they count (#23): the filter's directions reach the figure's text."""
from __future__ import annotations

import html
import re

import pytest


def words(svg: bytes) -> str:
    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode("utf-8")))


@pytest.mark.parametrize("path", ["figures/tally-H1.svg", "figures/overview-H1.svg",
                                  "figures/cooccurrence.svg?codes=H1.1&codes=H1.2"])
def test_figure_routes_state_the_directions_counted(client, demo, path):
    plain = client.get(f"/p/demo/{path}")
    assert plain.status_code == 200
    assert "Counted: supporting evidence only" in words(plain.data)
    joiner = "&" if "?" in path else "?"
    other = client.get(f"/p/demo/{path}{joiner}direction=contradicts&direction=nuances")
    assert other.status_code == 200
    text = words(other.data)
    assert "Counted: contradicting and nuancing evidence only." in text and "supporting evidence only" not in text
