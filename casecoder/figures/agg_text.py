"""Agg's text drawing with less Python per glyph (issue #25): the same FreeType calls, the same pixels.

Matplotlib 3.11 draws text on Agg glyph by glyph (``RendererAgg._draw_text_glyphs_and_boxes``) and builds the glyph
transformation matrix with numpy anew for every glyph, though it depends only on the text's angle (and a glyph's
slant and stretch, which plain text never has): for the ~3,500 glyphs of a chain figure at 300 dpi that was about
a sixth of the PNG's time. ``install`` gives a ``RendererAgg`` a ``draw_text`` that makes the matrix once per text
and otherwise does exactly what matplotlib 3.11's does (``FAST`` is off for any other matplotlib, which then draws
as it always did). Mathematical text goes the usual way. The figure tests compare the bytes with matplotlib's.
"""
from __future__ import annotations

import math
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
from matplotlib.ft2font import RenderMode

FAST = matplotlib.__version__.startswith("3.11.")   # the drawing below is 3.11's, with the matrix made once


def install(renderer: Any) -> None:
    """Give an Agg renderer (exactly ``RendererAgg``) the ``draw_text`` below."""
    if FAST and type(renderer) is RendererAgg and "draw_text" not in vars(renderer):
        renderer.draw_text = (  # type: ignore[method-assign]   # this renderer's own, as metrics.install does
            lambda gc, x, y, s, prop, angle, ismath=False, mtext=None: _draw_text(renderer, gc, x, y, s, prop, angle,
                                                                                   ismath, mtext))


def _draw_text(renderer: RendererAgg, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
               ismath: Any = False, mtext: Any = None) -> None:
    if ismath:
        return RendererAgg.draw_text(renderer, gc, x, y, s, prop, angle, ismath, mtext)
    font = renderer._prepare_font(prop)
    flags = get_hinting_flag()
    items = font._layout(s, flags=flags, features=mtext.get_fontfeatures() if mtext is not None else None,
                         language=mtext.get_language() if mtext is not None else None)
    size = prop.get_size_in_points()
    # _draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs of (font, size, index, slant 0, extend 1, x, y), [])
    cos = math.cos(math.radians(angle))
    sin = math.sin(math.radians(angle))
    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[1, 0], [0, 1]]).round().astype(int)
    antialiased = gc.get_antialiased()
    mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
    dpi, height = renderer.dpi, renderer.height
    draw_image = renderer._renderer.draw_text_image
    for item in items:
        glyph_font, dx, dy = item.ft_object, item.x, item.y
        glyph_font.set_size(size, dpi)
        glyph_font._set_transform(matrix, [round(0x40 * (x + dx * cos - dy * sin)),
                                           round(0x40 * (height - y + dx * sin + dy * cos))])
        bitmap = glyph_font._render_glyph(item.glyph_index, flags, mode)
        buffer = bitmap.buffer
        if not antialiased:
            buffer *= 0xff
        draw_image(buffer, bitmap.left, int(height) - bitmap.top + buffer.shape[0], 0, gc)
    return None
