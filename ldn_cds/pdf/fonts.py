"""The embedded Unicode font (DejaVu Sans, shipped under ``resources/fonts/``)."""

from __future__ import annotations

import functools
from itertools import groupby
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ldn_cds.resources import resources_dir

REGULAR = "LdnSans"
BOLD = "LdnSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


def _subset_of(code: int) -> int:
    return code >> 8


_WIDTHS_KEPT = 50_000
"""Measured strings remembered per font before the memo starts afresh."""


class SubsetFont(TTFont):  # type: ignore[misc]
    """reportlab's TTFont, faster where it measured and encoded the same text over and over.

    * ``stringWidth`` remembers what it measured: line breaking measures every word of every
      paragraph, and the same words come back on every page and in every document (a tenth
      of the render time went there).  The width of a string at a size never changes.
    * ``splitString`` is faster for text whose characters all have their place in the
      document's font subsets already (nearly every line after the first): reportlab's loop
      looks at each character in Python.  The result is the same list of ``(subset, bytes)``
      runs; text with a character not yet placed takes reportlab's loop, which places it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._widths: dict[tuple[str, float], float] = {}
        # reportlab's "ASCII readable" subsets give printable ASCII its own code in subset 0
        # when the font has the character: then such text encodes as itself
        glyphs = self.face.charToGlyph
        self._ascii_as_is = bool(self._asciiReadable) and all(
            n in glyphs for n in range(32, 127))

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:  # noqa: N802
        key = (text, size)
        try:
            return self._widths[key]
        except (KeyError, TypeError):  # TypeError: bytes or another unhashable oddity
            pass
        width: float = super().stringWidth(text, size, encoding)
        if isinstance(text, str):
            if len(self._widths) >= _WIDTHS_KEPT:
                self._widths.clear()
            self._widths[key] = width
        return width

    def splitString(self, text: Any, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:  # noqa: N802
        state = self.state.get(doc) if isinstance(text, str) else None
        if state is not None and self._ascii_as_is and text.isascii() and text.isprintable():
            return [(0, text.encode("ascii"))] if text else []
        if state is not None:
            placed = state.assignments
            try:
                codes = [placed[c] for c in map(ord, text.replace("\xa0", " "))]
            except KeyError:
                pass  # a character not in a subset yet: reportlab's loop assigns it
            else:
                if not codes:
                    return []
                if max(codes) < 256:
                    return [(0, bytes(codes))]
                return [(subset, bytes(n & 0xFF for n in run))
                        for subset, run in groupby(codes, key=_subset_of)]
        result: list[tuple[int, bytes]] = super().splitString(text, doc, encoding)
        return result


@functools.cache
def register_fonts() -> tuple[str, str]:
    """Register the regular and bold faces once per process; return their names."""
    folder = resources_dir() / "fonts"
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(SubsetFont(name, str(folder / filename)))
    for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
        addMapping(REGULAR, bold, italic, BOLD if bold else REGULAR)
    return REGULAR, BOLD
