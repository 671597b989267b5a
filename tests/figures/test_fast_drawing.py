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
    assert metrics._HEIGHTS or not metrics.FAST, "the line heights were remembered too"
    warm = _afresh(draw, fmt)
    monkeypatch.setattr(metrics.MeasuredFigure, "draw", lambda self, renderer: Figure.draw(self, renderer))
    monkeypatch.setattr(charts, "install", lambda renderer, dpi=None: None)
    metrics.clear()
    plain = _afresh(draw, fmt)
    assert not metrics._KEPT and not metrics._HEIGHTS, "the reference drawing measured nothing through metrics.install"
    assert cold == plain
    assert warm == plain


def test_a_measurement_depends_on_the_font_settings() -> None:
    from matplotlib import font_manager, rc_context
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    def renderer() -> RendererAgg:      # as a drawing: a renderer installed under the settings it draws with
        made = RendererAgg(100, 100, 100)
        metrics.install(made)
        return made

    prop = FontProperties(family="sans-serif", size=12)
    metrics.clear()
    with rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        dejavu = renderer().get_text_width_height_descent("Hellig Ånd", prop, False)
    with rc_context({"font.sans-serif": ["Liberation Sans", "DejaVu Sans"]}):
        first = renderer().get_text_width_height_descent("Hellig Ånd", prop, False)
        again = renderer().get_text_width_height_descent("Hellig Ånd", prop, False)
        plain = RendererAgg(100, 100, 100).get_text_width_height_descent("Hellig Ånd", prop, False)
        bigger = renderer().get_text_width_height_descent("Hellig Ånd", FontProperties(family="sans-serif", size=13),
                                                          False)
    assert first == again == plain
    assert bigger[0] > first[0]
    if "Liberation" in font_manager.findfont(FontProperties(family="Liberation Sans")):
        assert dejavu != first                                  # another font in the settings, another width


# sha256 of the sample figures drawn by the code before the fast paths (commit 80ebea8: add_patch/add_line, a
# fig.clear() after saving, no remembered metrics), with matplotlib 3.11.2, FreeType 2.14.3 and Liberation Sans
BEFORE = {
    "tally svg": "dcc6442857ed4aa7cf7e44ef9c9474b437cc2fb80ee923ad38a2b45da49231bc",
    "tally pdf": "d43b0e619f990a95e4780b2b7a443e09480f06389bebf5b85253e16de1c82674",
    "tally png": "27066027bef8a7b07d8c6cb225fdc664b1f7e50ef2345a46cc6ff5ef86983229",
    "cooccurrence png": "305944035c9bf22ad356a06be520c3335335e4042f35e4c66c3b4c337380288e",
    "cooccurrence svg": "7345b4c7587d3d36fac3ab4b717ca3fa233554c29d68db04db5b41f0b8aba135",
    "cooccurrence pdf": "674d813cd058e67f9b11272b2c223f683d4fb0004421dda9633ada24058b3f23",
    "chain svg": "4db2c20ef9d5891e06ace55d2a7938e7569f5ec22a4cefb2ed2f9766d4beddce",
    "chain pdf": "f5c3924faa738f28c7429a6758ed8041830bf6fee05e616d754a43ffdcbb7aae",
    "overview svg": "2343ab3fae16e60f58245dd1c040677ad67ce01dce842b18503d7bdf842efc96",
    "overview pdf": "71c49516855de89f9c9b17da65d52a6152198bfbd293c55957e3faeb876a85d9",
}


def _same_setup_as_before() -> bool:
    import matplotlib
    from matplotlib import font_manager, ft2font
    from matplotlib.font_manager import FontProperties
    return (matplotlib.__version__ == "3.11.2" and ft2font.__freetype_version__ == "2.14.3"
            and "LiberationSans-Regular" in font_manager.findfont(FontProperties(family="Liberation Sans")))


@pytest.mark.skipif(not _same_setup_as_before(), reason="the recorded bytes are of matplotlib 3.11.2, FreeType 2.14.3 "
                                                         "and Liberation Sans")
# A PDF embeds its fonts in the order of their files' paths, so a figure with a fallback glyph (DejaVu Sans from
# matplotlib's own folder beside Liberation Sans from the system's) has other bytes in a virtualenv under /tmp than
# under /work: recorded PDF bytes hold only where they were recorded. Same-environment PDFs are compared with
# matplotlib's own drawing in test_remembered_text_metrics_draw_the_same_bytes.
@pytest.mark.parametrize("case", sorted(c for c in BEFORE if not c.endswith(" pdf")))
def test_the_figures_are_the_bytes_drawn_before_the_fast_paths(case: str) -> None:
    import hashlib
    name, fmt = case.split()
    assert hashlib.sha256(_afresh(FIGURES[name], fmt)).hexdigest() == BEFORE[case]


@pytest.mark.parametrize("fast", [True, False])
def test_agg_text_draws_the_pixels_matplotlib_draws(fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotated, not antialiased, with a fallback glyph and a "$": the same PNG from ``agg_text`` and from matplotlib
    (``fast=False``: agg_text switched off as for another matplotlib version)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from casecoder.figures import agg_text, output

    def draw(cls: type[Figure]) -> bytes:
        with rc_context(charts.RC):
            fig = cls(figsize=(2, 1), dpi=100)
            FigureCanvasAgg(fig)
            fig.text(0.1, 0.5, "Ærø → 5/12 $x$", rotation=30, fontsize=9)
            fig.text(0.1, 0.2, "Sager med kombinationen", antialiased=False, fontsize=7, fontweight="bold")
            fig.text(0.5, 0.8, "tværs", rotation=90, fontsize=8)
            return output.save(fig, ("png",))["png"]

    monkeypatch.setattr(agg_text, "FAST", fast)
    metrics.clear()
    assert draw(metrics.MeasuredFigure) == draw(Figure)


def test_a_wrapping_fits_by_its_lines_exactly_when_it_fits_as_one_text() -> None:
    """``chains._fits`` (lines one by one) decides as the whole wrapped text measured at once did."""
    from matplotlib import rc_context

    from tests.figures.test_chain_figures import LONG
    with rc_context(charts.RC):
        fig = charts._new_figure(1.0)
        for chars in (12, 22, 40):
            lines = chains._lines(LONG, chars)
            whole = chains._size(fig, "\n".join(lines), chains.BOX_PT)[0]
            assert whole == max(chains._size(fig, line, chains.BOX_PT)[0] for line in lines)
            for width in (whole - 1e-9, whole, whole + 1e-9, whole / 2):
                assert chains._fits(fig, lines, chains.BOX_PT, False, width) == (whole <= width)


@pytest.mark.skipif(not metrics.FAST, reason="the remembered line height is matplotlib 3.11's reckoning")
def test_a_remembered_line_height_is_the_figures_at_its_dpi() -> None:
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family="sans-serif", size=9)
    metrics.clear()
    heights = {}
    for dpi in (72, 300, 72):
        renderer = RendererAgg(100, 100, dpi)
        metrics.install(renderer, dpi)
        heights[dpi] = renderer._get_font_height_metrics(prop)
        figure = Figure(dpi=dpi)                    # matplotlib's own line height: a text laid out without the hook
        text = figure.text(0, 0, "Ab\ncd", fontproperties=prop, linespacing=1.2)
        plain = RendererAgg(100, 100, dpi)
        bbox, lines, descent = text._get_layout(plain)
        remembered = text._get_layout(renderer)
        assert (remembered[0].bounds, remembered[1:]) == (bbox.bounds, (lines, descent))
    assert heights[300][0] == pytest.approx(heights[72][0] * 300 / 72)
