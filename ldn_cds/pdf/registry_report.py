"""Registry PDFs: a patient's follow-up page (pain-over-time chart with the dose and the 30% /
50% lines, and the visits) and the practice-outcomes report beside the published figures.

The numbers come from the core (response, reference levels, outcomes); this module lays out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ldn_cds.core.followup import PGIC_WORDS, SIDE_EFFECT_WORDS, FollowUp
from ldn_cds.core.formatting import fmt_date, fmt_date_or, fmt_mg
from ldn_cds.core.outcomes import Course, Outcomes, reference_levels, response_lines
from ldn_cds.core.response import Response
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf.fonts import BOLD, REGULAR, register_fonts
from ldn_cds.pdf.styles import GRID, HEADER_FILL, MUTED, StyleSet, make_styles
from ldn_cds.pdf.templates import LANG

PAIN = colors.HexColor("#1f4e79")
DOSE = colors.HexColor("#b26a00")
LINE_30 = colors.HexColor("#2e7d32")
LINE_50 = colors.HexColor("#6a1b9a")
BASE_PT = 10.0


def pain_chart(course: Course, result: Response, ruleset: RuleSet, *, width: float,
               height: float = 70 * mm, today: date | None = None) -> Drawing:
    """Pain (0-10, left) and LDN dose (mg/day, scaled onto the right) over days from start."""
    register_fonts()
    drawing = Drawing(width, height)
    anchor = course.plan.start_on if course.plan is not None else (
        course.baseline_on or (course.followups[0].on if course.followups else None))
    pain_points = [(v.on, v.pain_score) for v in course.followups if v.pain_score is not None]
    if course.baseline_pain is not None and course.baseline_on is not None:
        pain_points.insert(0, (course.baseline_on, course.baseline_pain))
    dose_points = [(v.on, v.dose_mg) for v in course.followups if v.dose_mg is not None]
    if anchor is None or not pain_points:
        drawing.add(String(0, height / 2, "No pain scores recorded yet.", fontName=REGULAR,
                           fontSize=BASE_PT))
        return drawing
    days = [d for d, _ in pain_points] + [d for d, _ in dose_points]
    if today is not None:
        days.append(today)
    x_min = min(0, *((d - anchor).days for d in days))
    x_max = max(x_min + 7, *((d - anchor).days for d in days))
    dose_top = max(6.0, *(mg for _, mg in dose_points)) if dose_points else 6.0
    scale = 10 / dose_top

    def series(points: Sequence[tuple[date, float]], factor: float = 1) -> list[tuple[float,
                                                                                     float]]:
        return [((d - anchor).days, v * factor) for d, v in points]

    plot = LinePlot()
    plot.x, plot.y = 34, 30
    plot.width, plot.height = width - 80, height - 30 - 38  # the legend sits above the plot
    lines: list[tuple[str, colors.Color, list[tuple[float, float]], Any]] = [
        ("Pain (0-10)", PAIN, series(pain_points), None)]
    for (label, level), colour, dash in zip(reference_levels(course.baseline_pain, ruleset),
                                            (LINE_30, LINE_50), ((4, 2), (1, 2)),
                                            strict=False):
        lines.append((f"{label} ({level:g})", colour, [(x_min, level), (x_max, level)], dash))
    if dose_points:
        lines.append((f"LDN dose (right axis, 0-{dose_top:g} mg)", DOSE,
                       series(dose_points, scale), None))
    plot.data = [pts for _name, _c, pts, _d in lines]
    for i, (_name, colour, _pts, dash) in enumerate(lines):
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = 1.8 if dash is None else 1.0
        if dash is not None:
            plot.lines[i].strokeDashArray = dash
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = x_min, x_max
    plot.xValueAxis.labels.fontName = REGULAR
    plot.xValueAxis.labels.fontSize = 8
    plot.xValueAxis.labelTextFormat = "%d"
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, 10, 2
    plot.yValueAxis.labels.fontName = REGULAR
    plot.yValueAxis.labels.fontSize = 8
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    plot.yValueAxis.visibleGrid = True
    drawing.add(plot)
    drawing.add(String(plot.x + plot.width / 2, 6, "days from the LDN start", fontName=REGULAR,
                       fontSize=8, textAnchor="middle"))
    for mg in (0, dose_top / 2, dose_top):
        if dose_points:
            drawing.add(String(plot.x + plot.width + 4, plot.y + mg * scale * plot.height / 10 - 3,
                               f"{mg:g} mg", fontName=REGULAR, fontSize=7,
                               fillColor=DOSE))
    legend = LineLegend()
    legend.x, legend.y = plot.x, height - 4
    legend.fontName = REGULAR
    legend.fontSize = 7.5
    legend.columnMaximum = 1
    legend.deltax = 0
    legend.dx, legend.dy = 14, 2
    legend.colorNamePairs = [(colour, name) for name, colour, _pts, _d in lines]
    legend.alignment = "right"
    legend.boxAnchor = "nw"
    legend.dxTextSpace = 4
    legend.variColumn = 1
    legend.columnMaximum = 2
    legend.deltax = 150
    drawing.add(legend)
    return drawing


def _doc(buffer: io.BytesIO, title: str, ruleset: RuleSet) -> SimpleDocTemplate:
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=16 * mm, bottomMargin=20 * mm, title=title,
                            author="ldn-cds", subject=title, lang=LANG)
    doc.ldn_footer = (f"ldn-cds · rule set {ruleset.manifest.id} {ruleset.version} · sha256 "
                      f"{ruleset.sha256[:12]}"
                      + ("" if ruleset.shipped else
                         f" · NOT THE SHIPPED RULE SET: {ruleset.origin}"))
    return doc


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(MUTED)
    canvas.drawString(16 * mm, 11 * mm, doc.ldn_footer)
    canvas.drawRightString(doc.pagesize[0] - 16 * mm, 11 * mm, f"Page {doc.page}")
    canvas.restoreState()


def _grid(rows: list[list[Any]], widths: list[float], styles: StyleSet) -> Table:
    cells = [[Paragraph(str(c), styles.small) if not isinstance(c, Paragraph) else c
              for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
    ]))
    return table


def _indent(label: str) -> str:
    """Sub-items keep their indent in the table (an em space per two leading spaces)."""
    depth = (len(label) - len(label.lstrip(" "))) // 2
    return "\u2003" * depth + label.strip()


def _visit_row(visit: FollowUp) -> list[str]:
    effects = ", ".join(SIDE_EFFECT_WORDS[e] if e.value != "other"
                        else f"other: {visit.side_effect_other or '?'}"
                        for e in visit.side_effects) or "none reported"
    return [fmt_date(visit.on), "-" if visit.dose_mg is None else fmt_mg(visit.dose_mg),
            "-" if visit.pain_score is None else str(visit.pain_score),
            "-" if visit.pgic is None else f"{visit.pgic}: {PGIC_WORDS[visit.pgic]}",
            effects,
            f"stopped: {visit.stop_reason or 'no reason recorded'}" if visit.stopped else ""]


def followup_story(course: Course, result: Response, ruleset: RuleSet, styles: StyleSet,
                   width: float, today: date) -> list[Any]:
    """The follow-up section: response in words, the chart, and the visits table."""
    lines = response_lines(result)
    story: list[Any] = [Paragraph("Follow-up on LDN", styles.h2),
                        Paragraph(" ".join(lines[:2]), styles.body)]
    if len(lines) > 2:
        story.append(Paragraph(" ".join(lines[2:]), styles.body))
    story.append(pain_chart(course, result, ruleset, width=width, today=today))
    story.append(Spacer(1, 4))
    rows: list[list[Any]] = [["Date", "Dose", "Pain", "Impression of change", "Side effects",
                              "Stopped"]]
    rows += [_visit_row(v) for v in course.followups]
    story.append(_grid(rows, [width * f for f in (0.14, 0.1, 0.07, 0.23, 0.28, 0.18)],
                       styles))
    return story


def render_followup(patient: Any, course: Course, ruleset: RuleSet, today: date) -> bytes:
    """One patient's follow-up PDF."""
    register_fonts()
    styles = make_styles(BASE_PT)
    buffer = io.BytesIO()
    doc = _doc(buffer, "LDN follow-up", ruleset)
    name = patient.name or "(no name)"
    born = fmt_date_or(patient.date_of_birth)
    story: list[Any] = [Paragraph(f"LDN follow-up: {name}", styles.h1),
                        Paragraph(f"Record id {patient.record_id or 'none'} · born {born} · "
                                  f"printed {fmt_date(today)}", styles.muted)]
    story += followup_story(course, course.response(today, ruleset), ruleset, styles,
                            doc.width, today)
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def render_outcomes(outcomes: Outcomes, ruleset: RuleSet,
                    lines: list[tuple[str, str]]) -> bytes:
    """The practice-outcomes PDF: the practice's figures, then the published ones.

    ``lines`` are the report's (label, value) lines (``ldn_cds.store.report.outcome_lines``),
    the same words as in the window and the CLI."""
    register_fonts()
    styles = make_styles(BASE_PT)
    buffer = io.BytesIO()
    doc = _doc(buffer, "LDN practice outcomes", ruleset)
    split = next(i for i, (label, _v) in enumerate(lines)
                 if label.startswith("Published figures"))
    own = [["Measure", "This practice"], *[[_indent(label), value]
                                          for label, value in lines[:split]]]
    published = [["Measure", "Published figure (population; source; evidence)"],
                 *[[label.strip(), value] for label, value in lines[split + 1:]]]
    story: list[Any] = [
        Paragraph(f"LDN practice outcomes on {fmt_date(outcomes.on)}", styles.h1),
        Paragraph("Counts from this practice's registry. Published figures come from other "
                  "populations and designs: compare with care.", styles.muted),
        _grid(own, [doc.width * 0.55, doc.width * 0.45], styles),
        Spacer(1, 8),
        Paragraph("Published figures to compare with", styles.h2),
        _grid(published, [doc.width * 0.22, doc.width * 0.78], styles),
    ]
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
