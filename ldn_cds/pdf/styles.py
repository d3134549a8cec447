"""Paragraph styles and colours, built by small factory functions (one set per document)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from ldn_cds.pdf.fonts import BOLD, REGULAR

# Colour of each tone: (strong, light background).  Colour is never the only signal: every
# tone is printed with a symbol and words.
TONES: dict[str, tuple[colors.Color, colors.Color]] = {
    "ok": (colors.HexColor("#1b7a3a"), colors.HexColor("#e6f4ea")),
    "caution": (colors.HexColor("#b26a00"), colors.HexColor("#fff4e0")),
    "wait": (colors.HexColor("#1f5fa8"), colors.HexColor("#e6eefa")),
    "stop": (colors.HexColor("#b3261e"), colors.HexColor("#fdeaea")),
    "unknown": (colors.HexColor("#6a3fa0"), colors.HexColor("#f1eaf9")),
    "critical": (colors.HexColor("#b3261e"), colors.HexColor("#fdeaea")),
    "warning": (colors.HexColor("#b26a00"), colors.HexColor("#fff4e0")),
    "info": (colors.HexColor("#1f5fa8"), colors.HexColor("#eef3fa")),
    "neutral": (colors.HexColor("#444444"), colors.HexColor("#f4f4f4")),
}
GRID = colors.HexColor("#9a9a9a")
HEADER_FILL = colors.HexColor("#e8e8e8")
MUTED = colors.HexColor("#555555")


@dataclass(frozen=True, slots=True)
class StyleSet:
    body: ParagraphStyle
    small: ParagraphStyle
    lead: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    banner_title: ParagraphStyle
    banner_line: ParagraphStyle
    symbol: ParagraphStyle
    box_title: ParagraphStyle
    header_size: float
    footer_size: float
    space: float = 1.0
    """Scale of the space between blocks (1, or 0.5 in the tight large-print layout)."""
    _derived: dict[tuple[Any, ...], ParagraphStyle] = field(default_factory=dict, repr=False,
                                                            compare=False)

    def named(self, name: str) -> ParagraphStyle:
        style: ParagraphStyle = getattr(self, name)
        return style

    def derived(self, base: str, name: str, **changes: Any) -> ParagraphStyle:
        """``self.<base>`` cloned as ``name`` with ``changes``, made once per style set (the
        set is shared by every document of its size, see :func:`make_styles`)."""
        key = (base, name, *sorted(changes.items()))
        style = self._derived.get(key)
        if style is None:
            style = self._derived[key] = self.named(base).clone(name, **changes)
        return style


def _style(name: str, size: float, *, bold: bool = False, leading: float = 1.25,
           space_before: float = 0, space_after: float = 0,
           color: colors.Color = colors.black) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=BOLD if bold else REGULAR,
        fontSize=size,
        leading=round(size * leading, 2),
        spaceBefore=space_before,
        spaceAfter=space_after,
        textColor=color,
        alignment=TA_LEFT,
        splitLongWords=1,
        wordWrap=None,
    )


@functools.cache
def make_styles(base: float, tight: bool = False) -> StyleSet:
    """Styles scaled from the body size ``base`` (9.5 pt summary, 12 pt handout, 14.5 pt
    large print).  Below 12 pt (the clinician summary) detail text is 1 pt smaller; from
    12 pt (the patient's documents) nothing is smaller than the body.

    ``tight``: half the space between paragraphs and a little less line spacing (same type
    sizes), for a large-print handout whose last page would otherwise hold a line or two.

    Made once per size and shared: nothing changes a style after it is made."""
    small = base - 1 if base < 12 else base
    k = 0.5 if tight else 1.0  # space between blocks
    lead = 1.2 if tight else 1.25
    return StyleSet(
        body=_style("body", base, leading=lead, space_after=base * 0.3 * k),
        small=_style("small", small, leading=1.2, space_after=small * 0.2 * k),
        lead=_style("lead", base + 1, leading=lead, space_after=base * 0.4 * k),
        muted=_style("muted", base, leading=lead, color=MUTED, space_after=base * 0.25 * k),
        cell=_style("cell", small, leading=1.2),
        cell_head=_style("cell_head", small, bold=True, leading=1.2),
        h1=_style("h1", base + 6, bold=True, space_after=base * 0.5 * k, leading=1.2),
        h2=_style("h2", base + 3, bold=True, space_before=base * 0.9 * k,
                  space_after=base * 0.35 * k, leading=1.2),
        h3=_style("h3", base + 1, bold=True, space_before=base * 0.6 * k,
                  space_after=base * 0.25 * k, leading=lead),
        banner_title=_style("banner_title", base + 5, bold=True, leading=1.2,
                            space_after=base * 0.25 * k),
        banner_line=_style("banner_line", base + 0.5, leading=1.3),
        symbol=_style("symbol", base + 14, leading=1.1, color=colors.white),
        box_title=_style("box_title", base + 0.5, bold=True, leading=1.25),
        header_size=9 if base < 12 else (11 if base < 14 else 12),
        footer_size=8 if base < 12 else 9,
        space=k,
    )
