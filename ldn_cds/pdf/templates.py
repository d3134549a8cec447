"""Page templates: frames plus onPage header and footer callbacks, and "Page X of Y".

The header (clinic, prescriber, patient) and the footer text are drawn by the template's
``onPage`` callback.  The page total is only known at the end, so :class:`NumberedCanvas`
keeps each page's state and draws "Page X of Y" when the document is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from ldn_cds.core.report_content import Document
from ldn_cds.pdf.fonts import BOLD, REGULAR
from ldn_cds.pdf.scripts import draw_string, text_width
from ldn_cds.pdf.styles import GRID, MUTED, TONES, StyleSet

PAGE_SIZES = {"letter": LETTER, "a4": A4}
SIDE = 16 * mm
TOP = 22 * mm
"""Least top margin (the header grows with its font size and lines)."""
FOOTER_Y = 11 * mm
"""Baseline of the footer: its lowest descender stays 10 mm or more above the paper edge
(most printers cannot print the outer 5 mm)."""
BOTTOM = 21 * mm
"""Bottom margin of the text frame (above the footer and its rule)."""
HEADER_Y = 11 * mm
"""Distance of the header's first baseline from the top edge."""


LANG = "en-US"
"""The documents' language (/Lang in the PDF catalog: screen readers pick their voice by it)."""
BLANK_BACK_NOTE = "Back of the wallet card: left blank on purpose."
BLANK_TEMPLATE = "blank"
"""The page template of a page left blank on purpose (no header, footer or number)."""


FOREIGN_TITLE = "NOT THE SHIPPED RULE SET"


@dataclass(frozen=True, slots=True)
class ForeignRuleSet:
    """A rule set loaded from a folder other than the shipped one: named on every page."""

    folder: str
    sha256: str

    def lines(self, size: float, width: float) -> tuple[str, str]:
        """The two footer lines: the folder (shortened at its start when too long: its end
        names the folder best) and the full SHA-256 of the rule set."""
        head = f"{FOREIGN_TITLE}: "
        room = width - stringWidth(head, BOLD, size)
        folder = self.folder
        if stringWidth(folder, BOLD, size) > room:
            lo, hi = 0, len(folder)  # the longest tail that fits after an ellipsis
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if stringWidth("…" + folder[-mid:], BOLD, size) <= room:
                    lo = mid
                else:
                    hi = mid - 1
            folder = "…" + folder[len(folder) - lo:]
        return head + folder, f"Rule set sha256 {self.sha256}"


def foreign_band(size: float) -> float:
    """Height of the two foreign-rule-set lines above the footer rule (points)."""
    return float(2 * size * 1.3 + 2 * mm)


def _draw_foreign(canvas: Canvas, foreign: ForeignRuleSet, size: float, rule_y: float) -> None:
    width, _ = canvas._pagesize
    first, second = foreign.lines(size, width - 2 * SIDE)
    canvas.saveState()
    canvas.setFillColor(TONES["stop"][0])
    y = rule_y + 1.6 * mm
    canvas.setFont(REGULAR, size)
    canvas.drawString(SIDE, y, second)
    canvas.setFont(BOLD, size)
    canvas.drawString(SIDE, y + size * 1.3, first)
    canvas.restoreState()


class SectionStart(Flowable):  # type: ignore[misc]
    """A zero-size flowable that records the page on which a section (the wallet card's)
    starts, in ``FillRecordingDocTemplate.section_starts``."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        doc = getattr(self.canv, "_doctemplate", None)
        if doc is not None and hasattr(doc, "section_starts"):
            doc.section_starts.append(self.canv.getPageNumber())


class BlankPageMarker(Flowable):  # type: ignore[misc]
    """A zero-size flowable that makes the blank page exist (a page needs one flowable)."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        return None


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so that it fits ``width`` points on one line."""
    flat = " ".join(text.split())
    if text_width(flat, font, size) <= width:
        return flat
    lo, hi = 0, len(flat)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(flat[:mid] + "…", font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return flat[:lo].rstrip() + "…"


class NumberedCanvas(Canvas):  # type: ignore[misc]
    """A canvas that defers pages so that the footer can say "Page X of Y"."""

    footer_size: float = 7.5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    blank_page: bool = False
    """Set by the blank page template: no page number (the back of the wallet card)."""

    def showPage(self) -> None:  # noqa: N802 (reportlab API)
        self._pages.append(dict(self.__dict__))
        self.blank_page = False
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if not state.get("blank_page"):
                self._draw_page_number(total)
            super().showPage()
        super().save()

    def _draw_page_number(self, total: int) -> None:
        width, _ = self._pagesize
        self.saveState()
        self.setFont(REGULAR, self.footer_size)
        self.setFillColor(MUTED)
        self.drawRightString(width - SIDE, FOOTER_Y,
                             f"Page {self._pageNumber} of {total}")
        self.restoreState()


def _canvas_maker(footer_size: float) -> type[NumberedCanvas]:
    return type("DocCanvas", (NumberedCanvas,), {"footer_size": footer_size})


def _draw_header_footer(canvas: Canvas, document: Document, styles: StyleSet,
                        foreign: ForeignRuleSet | None) -> None:
    width, height = canvas._pagesize
    inner = width - 2 * SIDE
    size = styles.header_size
    header = document.header
    canvas.saveState()
    y = height - HEADER_Y
    right = header.right_line
    right_w = min(text_width(right, REGULAR, size), inner * 0.45) if right else 0
    draw_string(canvas, SIDE, y, fit(header.clinic_lines[0], BOLD, size + 1.5,
                                     inner - right_w - 6 * mm), BOLD, size + 1.5)
    if right:
        draw_string(canvas, width - SIDE, y, fit(right, REGULAR, size, right_w), REGULAR,
                    size, right=True)
    y -= size * 1.35
    for line in header.clinic_lines[1:2]:
        draw_string(canvas, SIDE, y, fit(line, REGULAR, size, inner), REGULAR, size)
        y -= size * 1.35
    canvas.setFont(BOLD, size)
    _draw_patient_line(canvas, header.patient_line, size, y, inner, width)
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.6)
    canvas.line(SIDE, y - 2.2 * mm, width - SIDE, y - 2.2 * mm)
    # footer (the page number is drawn by NumberedCanvas)
    fsize = styles.footer_size
    fy = FOOTER_Y
    canvas.line(SIDE, fy + fsize * 1.4, width - SIDE, fy + fsize * 1.4)
    canvas.setFont(REGULAR, fsize)
    canvas.setFillColor(MUTED)
    page_w = stringWidth("Page 000 of 000", REGULAR, fsize) + 4 * mm
    canvas.drawString(SIDE, fy, fit(document.footer.text, REGULAR, fsize, inner - page_w))
    canvas.restoreState()
    if foreign is not None:
        _draw_foreign(canvas, foreign, fsize, fy + fsize * 1.4)


PART_SEPARATOR = "  •  "


def _draw_patient_line(canvas: Canvas, line: str, size: float, y: float, inner: float,
                       width: float) -> None:
    """The patient line; when it is too long, the date of birth and the age (its last two
    parts) keep their place at the right and only the name and record id are shortened."""
    parts = line.split(PART_SEPARATOR)
    if text_width(line, BOLD, size) <= inner or len(parts) < 3:
        draw_string(canvas, SIDE, y, fit(line, BOLD, size, inner), BOLD, size)
        return
    tail = PART_SEPARATOR.join(parts[-2:])
    tail_w = text_width(tail, BOLD, size)
    draw_string(canvas, width - SIDE, y, tail, BOLD, size, right=True)
    head = PART_SEPARATOR.join(parts[:-2])
    draw_string(canvas, SIDE, y, fit(head, BOLD, size, inner - tail_w - 4 * mm), BOLD, size)


class FillRecordingDocTemplate(BaseDocTemplate):  # type: ignore[misc]
    """A document template that records how far down each page its text frame was filled
    (0 = empty, 1 = full), so that the large-print layout can be judged and redone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_fill: list[float] = []
        self.section_starts: list[int] = []

    def afterPage(self) -> None:  # noqa: N802 (reportlab API)
        frame = self.frame
        used = frame._y1 + frame._height - frame._y
        self.page_fill.append(round(used / frame._height, 3) if frame._height else 0.0)


def make_doc(
    buffer: Any, document: Document, styles: StyleSet, *, invariant: bool,
    foreign: ForeignRuleSet | None = None,
) -> tuple[FillRecordingDocTemplate, type[NumberedCanvas]]:
    """A document template with one page template (frame + header/footer callback).

    With a ``foreign`` rule set, two more footer lines name its folder and full SHA-256 on
    every page (the blank back of the wallet card too: the footer strip lies behind the
    front page's footer or header, never behind the card), and the text frame ends higher.
    """
    pagesize = PAGE_SIZES[document.paper]
    lines = 1 + min(len(document.header.clinic_lines), 2)  # clinic line(s) + patient line
    top = max(TOP, HEADER_Y + (lines - 1) * styles.header_size * 1.35 + 8 * mm)
    doc = FillRecordingDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=SIDE,
        rightMargin=SIDE,
        topMargin=top,
        bottomMargin=BOTTOM + (foreign_band(styles.footer_size) if foreign else 0),
        title=document.title,
        author=document.author,
        subject=document.subject,
        keywords=list(document.keywords),
        creator=f"ldn-cds (reportlab), {document.kind}",
        invariant=1 if invariant else 0,
        initialFontName=REGULAR,
        lang=LANG,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def on_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        _draw_header_footer(canvas, document, styles, foreign)

    def on_blank(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        # the back of the wallet card: nothing in the upper half (behind the card, whichever
        # edge the printer flips on); one line near the foot says the page is blank on purpose
        canvas.blank_page = True
        width, _height = canvas._pagesize
        canvas.saveState()
        canvas.setFont(BOLD, 16)
        canvas.drawCentredString(width / 2, BOTTOM + 10 * mm, BLANK_BACK_NOTE)
        canvas.restoreState()
        if foreign is not None:
            _draw_foreign(canvas, foreign, styles.footer_size,
                          FOOTER_Y + styles.footer_size * 1.4)

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page),
                          PageTemplate(id=BLANK_TEMPLATE, frames=[frame], onPage=on_blank)])
    return doc, _canvas_maker(styles.footer_size)
