"""The Japanese font embedded in every document: IPAexGothic, shipped by the matplotlib-fontja wheel.

The font file is located without importing the package (its __init__ imports matplotlib, which the
documents never need). reportlab embeds a subset of the TrueType outlines (FontFile2) in each PDF,
so the printout does not depend on the fonts of the viewer or the printer.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "IPAexGothic"
FONT_PACKAGE = "matplotlib_fontja"
FONT_FILE = "fonts/ipaexg.ttf"
# Printed in place of a character the font lacks (外字 such as 𠮷): the geta mark is the
# customary sign on Japanese forms for a character that could not be printed.
MISSING_GLYPH = "〓"

_lock = threading.Lock()


def font_path() -> Path:
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the font package {FONT_PACKAGE!r} is not installed (pip install matplotlib-fontja)")
    path = Path(next(iter(spec.submodule_search_locations))) / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"font file {FONT_FILE!r} not found in {FONT_PACKAGE!r}")
    return path


@lru_cache(maxsize=1)
def font() -> TTFont:
    """The registered reportlab font (parsed once per process)."""
    with _lock:
        try:
            return pdfmetrics.getFont(FONT_NAME)
        except KeyError:
            ttf = TTFont(FONT_NAME, str(font_path()))
            pdfmetrics.registerFont(ttf)
            return ttf


@lru_cache(maxsize=1)
def _char_widths() -> dict[int, float]:
    """Advance width of each character in thousandths of the font size."""
    face = font().face
    return {code: face.charWidths.get(code, face.defaultWidth) for code in face.charToGlyph}


def supported(ch: str) -> bool:
    return ord(ch) in _char_widths()


def unsupported_characters(text: str) -> set[str]:
    """Characters of text that the font cannot print (they come out as 〓): a service can warn staff."""
    return {ch for ch in text if not ch.isspace() and not supported(ch)}


def printable(text: str) -> str:
    """text with every character the font lacks replaced by 〓 and control characters by spaces."""
    out = []
    for ch in text:
        if ch in "\r\n\t":
            out.append(" ")
        elif supported(ch):
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(MISSING_GLYPH)
    return "".join(out)


def char_width(ch: str, size: float) -> float:
    widths = _char_widths()
    return widths.get(ord(ch), 1000.0) * size / 1000.0


def text_width(text: str, size: float) -> float:
    widths = _char_widths()
    return sum(widths.get(ord(ch), 1000.0) for ch in text) * size / 1000.0
