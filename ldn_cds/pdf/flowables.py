"""Custom flowables: the cut-out wallet card."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from ldn_cds.core.report_content import WalletCard
from ldn_cds.pdf.fonts import BOLD, REGULAR
from ldn_cds.pdf.scripts import draw_string
from ldn_cds.pdf.styles import MUTED, TONES
from ldn_cds.pdf.templates import fit

CARD_W = 85.6 * mm
CARD_H = 54 * mm
_LABEL = 4 * mm


def _write_in(line: str, size: float, width: float) -> str:
    """A write-in blank ("Phone: ____") drawn to the card's edge: room to write by hand."""
    if not line.endswith("_____"):
        return line
    while stringWidth(line + "_", REGULAR, size) <= width:
        line += "_"
    return line


class WalletCardFlowable(Flowable):  # type: ignore[misc]
    """A credit-card-sized card inside dashed cut lines, with a scissors label above it.

    Text never overflows: the title wraps to at most three lines and every other line is
    shortened with an ellipsis to the card's width.
    """

    def __init__(self, card: WalletCard, *, scale: float = 1.0) -> None:
        super().__init__()
        self.card = card
        self.scale = scale
        self.width = CARD_W * scale
        self.height = CARD_H * scale + _LABEL + 2 * mm

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        w, h = CARD_W * self.scale, CARD_H * self.scale
        pad = 3.5 * mm * self.scale
        c.saveState()
        c.setFont(REGULAR, 8)
        c.setFillColor(MUTED)
        c.drawString(0, h + 2 * mm, "✂  Cut along the dashed line and keep this card with you.")
        c.setStrokeColor(colors.HexColor("#555555"))
        c.setDash(4, 3)
        c.setLineWidth(0.8)
        c.rect(0, 0, w, h, stroke=1, fill=0)
        c.setDash()
        strong, _light = TONES["stop"]
        band = 3 * mm * self.scale
        c.setFillColor(strong)
        c.rect(0.6, h - band - 0.6, w - 1.2, band, stroke=0, fill=1)
        inner = w - 2 * pad
        y = h - band - pad - 1.5 * mm
        title_size = 9.6 * self.scale
        c.setFillColor(colors.black)
        c.setFont(BOLD, title_size)
        lines = simpleSplit(self.card.title, BOLD, title_size, inner)[:3]
        for line in lines:
            draw_string(c, pad, y, fit(line, BOLD, title_size, inner), BOLD, title_size)
            y -= title_size * 1.2
        y -= 1.5 * mm
        size = 9 * self.scale
        c.setFont(REGULAR, size)
        for line in self.card.lines:
            draw_string(c, pad, y, fit(_write_in(line, size, inner), REGULAR, size, inner),
                        REGULAR, size)
            y -= size * 1.35
        small = 7.6 * self.scale
        c.setFont(REGULAR, small)
        c.setFillColor(MUTED)
        foot = simpleSplit(self.card.footer, REGULAR, small, inner)
        max_lines = max(int((y - pad) // (small * 1.2)), 0)
        fy = y - 2.5 * mm
        for line in foot[:max_lines]:
            c.drawString(pad, fy, line)
            fy -= small * 1.2
        c.restoreState()
