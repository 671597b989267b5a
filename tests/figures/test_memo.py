"""The memo of rendered figures (casecoder/figures/memo.py): keyed by everything drawn, bounded, least recently
used first out; a kept figure is the same bytes as one drawn afresh."""
from __future__ import annotations

from dataclasses import replace

import pytest

from casecoder.analysis.tally import Count
from casecoder.figures import memo
from casecoder.figures.chains import ChainBox, chain_figures
from casecoder.figures.charts import Bar, Edge, cooccurrence_graph, tally_chart

BARS = [Bar("H1.1", "Samlet indsats", Count(3, 5, ("F1", "F2", "F3")), Count(1, 4, ("S1",))),
        Bar("H1.2", "Koordinator", Count(0, 5, ()), Count(2, 4, ("S1", "S2")))]
LEGEND = {"family": "Familie", "system": "System", "axis": "Andel (%)", "note": "Enhed: sager."}


def chart(bars: list[Bar] = BARS, fmt: str = "svg", title: str = "H1 Helhed") -> bytes:
    return tally_chart(bars, title=title, legend=LEGEND, fmt=fmt)


def test_a_kept_figure_is_the_figure_drawn_afresh() -> None:
    kept = {fmt: chart(fmt=fmt) for fmt in ("svg", "png", "pdf")}
    assert memo.used() == sum(len(v) for v in kept.values())
    assert {fmt: chart(fmt=fmt) for fmt in kept} == kept
    memo.clear()
    assert {fmt: chart(fmt=fmt) for fmt in kept} == kept


def test_every_drawn_value_changes_the_figure_and_its_key() -> None:
    first = chart()
    other_n = [replace(BARS[0], family=Count(4, 5, ("F1", "F2", "F3", "F4"))), BARS[1]]
    other_N = [replace(BARS[0], system=Count(1, 5, ("S1",))), BARS[1]]
    other_label = [replace(BARS[0], label="Samlet indsats!"), BARS[1]]
    variants = [chart(other_n), chart(other_N), chart(other_label), chart(title="H1 Helhed."), chart(BARS[:1])]
    assert len({first, *variants}) == 1 + len(variants)
    # the case keys behind a count are not drawn: same figure, same key
    same = [replace(BARS[0], family=Count(3, 5, ("F7", "F8", "F9"))), BARS[1]]
    assert memo.key("tally", "svg", [(b.key, b.label, b.family.n, b.family.N, b.system.n, b.system.N) for b in same]) \
        == memo.key("tally", "svg", [(b.key, b.label, b.family.n, b.family.N, b.system.n, b.system.N) for b in BARS])
    assert memo.key("tally", "svg", 1) != memo.key("tally", "pdf", 1) != memo.key("chain", "pdf", 1)


def test_cooccurrence_and_chain_figures_change_with_their_numbers() -> None:
    nodes = {"A": "a", "B": "b"}
    one = cooccurrence_graph(nodes, {"A": 2, "B": 1}, [Edge("A", "B", 1, ("F1",))], title="t", N=3)
    assert cooccurrence_graph(nodes, {"A": 2, "B": 1}, [Edge("A", "B", 2, ("F1", "F2"))], title="t", N=3) != one
    assert cooccurrence_graph(nodes, {"A": 2, "B": 2}, [Edge("A", "B", 1, ("F1",))], title="t", N=3) != one
    assert cooccurrence_graph(nodes, {"A": 2, "B": 1}, [Edge("A", "B", 1, ("F1",))], title="t", N=3) == one
    texts = dict(combination_N=9, formula="ST.1 and ST.2", title="t", caption="c", legend={}, fmts=("svg",))
    boxes = [ChainBox("ST.1", "x", "statement", 3, 9), ChainBox("ST.2", "y", "event", 2, 9)]
    two = chain_figures(boxes, ["and-or"], combination_n=1, **texts)["svg"]   # type: ignore[arg-type]
    assert chain_figures(boxes, ["and-or"], combination_n=2, **texts)["svg"] != two  # type: ignore[arg-type]
    assert chain_figures(boxes, ["both-and"], combination_n=1, **texts)["svg"] != two  # type: ignore[arg-type]
    three = [boxes[0], ChainBox("ST.2", "y", "event", 3, 9)]
    assert chain_figures(three, ["and-or"], combination_n=1, **texts)["svg"] != two  # type: ignore[arg-type]


def test_the_memo_is_bounded_least_recently_used_first_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "BUDGET", 1000)
    for i in range(5):
        memo.put(f"k{i}", bytes(200))
    assert memo.used() == 1000
    assert memo.get("k0") is not None           # k0 used: k1 is now the least recently used
    memo.put("k5", bytes(200))
    assert memo.used() == 1000 and memo.get("k1") is None and memo.get("k0") is not None
    memo.put("big", bytes(251))                 # over a quarter of the budget: not kept
    assert memo.get("big") is None and memo.used() == 1000


def test_a_key_takes_plain_values_only() -> None:
    with pytest.raises(TypeError, match="plain values"):
        memo.key("tally", "svg", object())
    with pytest.raises(TypeError, match="plain values"):
        memo.key("tally", "svg", {1, 2})
