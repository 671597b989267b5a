"""Saving a laid-out figure as SVG, PDF or PNG bytes (every figure module saves through ``save``).

SVG and PDF are matplotlib's own writers, with the dates left out (byte-identical for the same figure). PNG is
drawn by Agg at 300 dpi like matplotlib's ``savefig(format="png")``, its glyphs without hinting (nothing visible
at 300 dpi; ~15 % of the drawing time), and written here: the figures are opaque (white background), so RGB
without alpha, every row unfiltered and deflated at a fast zlib level. Matplotlib's writer (Pillow: RGBA,
adaptive filters, level 6) spent more time compressing a 16 cm figure at 300 dpi (about 1890 x 2000 pixels)
than drawing it, for a larger file.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import PIL.Image
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = {"png": 300}
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}, "png": {}}
PNG_LEVEL = 1                  # zlib's fastest: a few per cent larger than level 6 at a third of the time


def save(fig: Figure, fmts: tuple[str, ...]) -> dict[str, bytes]:
    """``fig`` in each of ``fmts`` (saving draws the figure afresh each time). The figure is left as it is, for the
    garbage collector: ``fig.clear()`` cleared every axes first, which makes its ticks anew (~10 % of an SVG)."""
    out = {}
    for fmt in fmts:
        if fmt == "png":
            out[fmt] = _png(fig, DPI["png"])
        else:
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=DPI.get(fmt, 100), metadata=METADATA[fmt], facecolor="white")
            out[fmt] = buf.getvalue()
    return out


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    with rc_context({"text.hinting": "no_hinting"}):    # at 300 dpi hinting changes nothing visible and costs ~15 %
        fig.savefig(buf, format="rgba", dpi=dpi, facecolor="white")  # Agg's pixels, as savefig(png) draws them
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    width, height = int(canvas.renderer.width), int(canvas.renderer.height)
    pixels = np.frombuffer(buf.getbuffer(), dtype=np.uint8).reshape(height, width, 4)
    opaque = bool(pixels[:, :, 3].min() == 255)
    channels = 3 if opaque else 4
    if opaque:   # Pillow drops the alpha channel faster than a strided numpy copy
        image = PIL.Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1).convert("RGB")
        pixels = np.asarray(image)
    rows = np.empty((height, 1 + channels * width), dtype=np.uint8)
    rows[:, 0] = 0                                                          # filter byte 0 (none) per row
    rows[:, 1:] = pixels.reshape(height, channels * width)
    per_metre = round(dpi / 0.0254)
    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)),
        _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        _chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_LEVEL)),
        _chunk(b"IEND", b""),
    ])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
