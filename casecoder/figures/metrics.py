"""Text metrics remembered per process (issue #25): a figure's texts are measured once, not on every drawing.

Matplotlib measures every line of every text each time a figure is drawn (and once more for the line height), and
remembers the answers only for the renderer it asked, while ``savefig`` makes a new renderer for each file. With
matplotlib 3.11 a measurement is a shaped layout of the line by FreeType (~25 µs a character), so the measurements
were about half the time of drawing a chain or overview SVG, and the same labels are measured again by the next
figure and the next request.

``MeasuredFigure`` (every figure here is one) hands the renderer it is drawn with a ``get_text_width_height_descent``
that remembers the renderer's own answers under everything they depend on: the kind of renderer and its dpi, the
text, every field of the font properties, and the settings that choose the font and shape the glyphs
(``TEXT_RC``). Only the measuring is skipped: what is drawn is the same, so the bytes are the same (the figure
tests compare them with a drawing that remembers nothing). Mathematical text and TeX are measured as before.
Bounded (``MAX`` entries, emptied when full); safe with threads (a lost race measures twice).

The line height of a font (``Text._get_layout`` reads the font's ascent, descent and line gap: a font lookup and two
FreeType tables for every text at every drawing, ~10 % of an overview SVG) is remembered the same way, through the
renderer hook matplotlib 3.11 asks first (``_get_font_height_metrics``), by 3.11's own reckoning (``FAST``).
"""
from __future__ import annotations

import itertools
from typing import Any, Callable

import matplotlib
from matplotlib import rcParams
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font
from matplotlib.typing import RcKeyType

from casecoder.figures import agg_text

# What a measurement depends on besides the text, its font properties and the renderer: the settings that choose
# the font (a family name like "sans-serif" is looked up in them) and shape the glyphs
TEXT_RC: tuple[RcKeyType, ...] = (
    "font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive", "font.fantasy", "font.style",
    "font.variant", "font.weight", "font.stretch", "text.hinting", "text.hinting_factor", "text.kerning_factor",
    "text.parse_math", "text.usetex", "pdf.use14corefonts")
MAX = 20_000                      # entries (a few hundred bytes each: a few MB at most); emptied when full
_KEPT: dict[tuple[int, int, str], tuple[float, float, float]] = {}
_IDS: dict[tuple[Any, ...], int] = {}     # renderer settings and font properties -> a number: the keys stay small
_NEXT = itertools.count()                 # never reused (next() on a count is atomic)
_ATTR = "get_text_width_height_descent"
_HEIGHT_ATTR = "_get_font_height_metrics"
_HEIGHTS: dict[tuple[int, int], tuple[Any, Any, Any]] = {}
FAST = matplotlib.__version__.startswith("3.11.")   # _font_height is 3.11's Text._get_layout
# the font tables Text._get_layout reads a line height from, in its order: (table, line gap, ascent, descent)
_TABLES = (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent"))
Measure = Callable[[str, FontProperties, Any], tuple[float, float, float]]


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def rc_key() -> tuple[Any, ...]:
    """The current values of ``TEXT_RC``."""
    return tuple(_plain(rcParams[name]) for name in TEXT_RC)


def _number(value: tuple[Any, ...]) -> int:
    found = _IDS.get(value)
    if found is None:
        found = _IDS.setdefault(value, next(_NEXT))
    return found


def _prop_key(prop: FontProperties) -> tuple[Any, ...]:
    return tuple((name, _plain(value)) for name, value in sorted(vars(prop).items()))


def _font_height(prop: FontProperties, dpi: float) -> tuple[Any, Any, Any]:
    """(ascent, descent, line gap) as matplotlib 3.11's ``Text._get_layout`` reads them from the font's tables
    when the renderer has no answer of its own; None, None, None when the font has neither table."""
    font: Any = get_font(fontManager._find_fonts_by_props(prop))   # (its tables typed per literal name)
    for table_name, linegap_key, ascent_key, descent_key in _TABLES:
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table('head')['unitsPerEm']
        scale = 1 / units_per_em * fontsize * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


def _install_heights(renderer: RendererBase, settings: int, dpi: float) -> None:
    """Give ``renderer`` a ``_get_font_height_metrics`` that remembers its own answer (PDF with the core fonts)
    or else the font's tables at the figure's ``dpi``, under ``settings`` and the font properties."""
    own: Callable[[FontProperties], tuple[Any, Any, Any]] | None = getattr(renderer, _HEIGHT_ATTR, None)
    where = _number(("heights", settings, dpi))

    def remembered(prop: FontProperties) -> tuple[Any, Any, Any]:
        key = (where, _number(_prop_key(prop)))
        found = _HEIGHTS.get(key)
        if found is None:
            found = own(prop) if own is not None else (None, None, None)
            if found[0] is None:
                found = _font_height(prop, dpi)
            if len(_HEIGHTS) >= MAX:
                _HEIGHTS.clear()
            _HEIGHTS[key] = found
        return found

    setattr(renderer, _HEIGHT_ATTR, remembered)


def install(renderer: RendererBase, dpi: float | None = None) -> None:
    """Give ``renderer`` a measuring method that remembers (once per renderer); with the ``dpi`` of the figure it
    draws, also a line height that remembers."""
    if _ATTR in vars(renderer):
        return
    base = renderer._renderer if isinstance(renderer, MixedModeRenderer) else renderer
    measure: Measure = getattr(renderer, _ATTR)
    # the settings as they are now: a renderer draws one figure in one rc_context (matplotlib's own memo per
    # renderer does not look at them at all)
    settings = _number((f"{type(base).__module__}.{type(base).__qualname__}", getattr(base, "dpi", None), rc_key()))

    def remembered(s: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
        if ismath is not False:
            return measure(s, prop, ismath)
        key = (settings, _number(_prop_key(prop)), s)
        found = _KEPT.get(key)
        if found is None:
            found = measure(s, prop, ismath)
            if len(_KEPT) >= MAX:
                _KEPT.clear()
            if len(_IDS) >= MAX:         # numbers are never reused, so the kept measurements stay right
                _IDS.clear()
            _KEPT[key] = found
        return found

    setattr(renderer, _ATTR, remembered)
    if FAST and dpi is not None:
        _install_heights(renderer, settings, dpi)


class MeasuredFigure(Figure):
    """A ``Figure`` whose every drawing (each ``savefig``, Agg's canvas) measures its texts through ``install``
    (and on Agg draws them through ``agg_text.install``)."""

    def draw(self, renderer: RendererBase) -> None:
        install(renderer, self.dpi)
        agg_text.install(renderer)
        super().draw(renderer)


def clear() -> None:
    """Forget every measurement (tests that compare with a drawing from scratch)."""
    _KEPT.clear()
    _HEIGHTS.clear()
