"""The figures' fast paths draw what matplotlib's plain path draws (issue #25).

``metrics.py`` remembers text measurements per process: a figure drawn with the measurements remembered (cold and
warm) is compared byte for byte with the same figure drawn with nothing remembered (matplotlib's own measuring).
"""
from __future__ import annotations

from typing import Callable

import pytest
from matplotlib.figure import Figure

from casecoder.figures import chains, charts, memo, metrics
from tests.figures.test_chain_figures import chain, overview
from tests.figures.test_figures import chart, graph

FIGURES: dict[str, Callable[[str], bytes]] = {"tally": chart, "cooccurrence": graph, "chain": chain,
                                               "overview": overview}
CASES = [(name, fmt) for name in FIGURES for fmt in ("svg", "pdf")] + [("tally", "png")]


def _afresh(draw: Callable[[str], bytes], fmt: str) -> bytes:
    memo.clear()
    chains._MEASURED.clear()
    return draw(fmt)


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_remembered_text_metrics_draw_the_same_bytes(name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    draw = FIGURES[name]
    metrics.clear()
    cold = _afresh(draw, fmt)
    assert metrics._KEPT, "the drawing measured through metrics.install"
    warm = _afresh(draw, fmt)
    monkeypatch.setattr(metrics.MeasuredFigure, "draw", lambda self, renderer: Figure.draw(self, renderer))
    monkeypatch.setattr(charts, "install", lambda renderer: None)
    metrics.clear()
    plain = _afresh(draw, fmt)
    assert not metrics._KEPT, "the reference drawing measured nothing through metrics.install"
    assert cold == plain
    assert warm == plain


def test_a_measurement_depends_on_the_font_settings() -> None:
    from matplotlib import font_manager, rc_context
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties
    renderer = RendererAgg(100, 100, 100)
    metrics.install(renderer)
    prop = FontProperties(family="sans-serif", size=12)
    with rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        dejavu = renderer.get_text_width_height_descent("Hellig Ånd", prop, False)
    with rc_context({"font.sans-serif": ["Liberation Sans", "DejaVu Sans"]}):
        first = renderer.get_text_width_height_descent("Hellig Ånd", prop, False)
        again = renderer.get_text_width_height_descent("Hellig Ånd", prop, False)
        plain = RendererAgg(100, 100, 100).get_text_width_height_descent("Hellig Ånd", prop, False)
    assert first == again == plain
    bigger = renderer.get_text_width_height_descent("Hellig Ånd", FontProperties(family="sans-serif", size=13), False)
    assert bigger[0] > first[0]
    if "Liberation" in font_manager.findfont(FontProperties(family="Liberation Sans")):
        assert dejavu != first                                  # another font in the settings, another width
