"""Document (data) -> PDF bytes, and the atomic writer for a case's two PDFs."""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    Spacer,
)
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as _Paragraph
from reportlab.platypus import Table as RLTable
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.doctemplate import DocIf, FrameBreak
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaParser

from ldn_cds.core.assessment import Assessment
from ldn_cds.core.models import Case
from ldn_cds.core.outcomes import Course
from ldn_cds.core.readability import measure
from ldn_cds.core.report_content import (
    Banner,
    Block,
    Box,
    Bullets,
    Document,
    Heading,
    PageBreak,
    Para,
    PrintSettings,
    Table,
    WalletCard,
    build_handout,
    build_summary,
    handout_body_text,
)
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.fileio import safe_stem, write_private_atomic
from ldn_cds.pdf import scripts
from ldn_cds.pdf.flowables import WalletCardFlowable
from ldn_cds.pdf.fonts import register_fonts
from ldn_cds.pdf.styles import GRID, HEADER_FILL, TONES, StyleSet, make_styles
from ldn_cds.pdf.templates import (
    BLANK_TEMPLATE,
    BlankPageMarker,
    ForeignRuleSet,
    SectionStart,
    make_doc,
)

DEFLATE_LEVEL = 1
"""zlib level of the PDF streams.  reportlab uses zlib's default (6); level 1 takes a tenth
off the render time and makes the files about 5% larger.  The streams decode to the same
bytes whatever the level."""


class _Deflate(pdfdoc.PDFStreamFilterZCompress):  # type: ignore[misc]
    def encode(self, text: str | bytes) -> bytes:
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text,
                             DEFLATE_LEVEL)


_FRAG_KEYS = ("fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor",
              "nobr")


def same_frag(f: Any, g: Any) -> bool:
    """reportlab's own pure-Python ``sameFrag`` (``reportlab.lib.rl_accel``), put in place of
    the C one from ``rl_accel``, which is five times slower on these fragments (7 against
    1.4 microseconds; line breaking calls it for every word of a paragraph with bold text or
    line breaks: a twelfth of the render time).  Same answer: the test of the shortcuts
    compares the PDF bytes."""
    fdict, gdict = f.__dict__, g.__dict__
    if "cbDefn" in fdict or "lineBreak" in fdict or "cbDefn" in gdict or "lineBreak" in gdict:
        return False
    return [fdict.get(k) for k in _FRAG_KEYS] == [gdict.get(k) for k in _FRAG_KEYS]


FAST_DEFLATE = _Deflate()
"""Put in place of reportlab's module-wide FlateDecode filter (its pdfdoc and ttfonts look
the filter up there each time they write a stream), as ``rl_config.useA85`` is set."""

SUMMARY_BASE = 9.5
"""Clinician summary body (pt)."""
HANDOUT_BASE = 12.0
"""Patient handout body (pt): 12 pt or more for older readers."""
LARGE_PRINT_BASE = 14.5
"""Large-print handout body (pt), within the 14-16 pt range."""


_TAGS = re.compile(r"(<b>|</b>|<br/>)")
"""The only tags :func:`markup` and ``_para`` write (everything else is escaped)."""
_SLOT = 0xE000
_SLOTS = re.compile("[\ue000-\ue7ff]")
_SKELETONS: dict[tuple[str, int], tuple[ParagraphStyle, list[Any]]] = {}


def _fast_frags(text: str, style: ParagraphStyle) -> list[Any] | None:
    """The fragments reportlab's markup parser would make of ``text``, without running it.

    The parser (an HTMLParser subclass) is a sixth of the render time.  Its output depends on
    the tags and the style only: the text runs are copied into the fragments as they are,
    provided the parser's whitespace clean-up changes nothing (no leading, trailing or double
    whitespace) and there is no entity (no ``&``).  So a skeleton with one placeholder per text
    run is parsed once per style, and each paragraph copies its fragments with its own runs.
    Anything else (None) takes the parser, so the output is the same byte for byte.
    """
    if not text or "&" in text or text != " ".join(text.split()) or _SLOTS.search(text) \
            or getattr(style, "textTransform", None):
        return None
    runs: list[str] = []
    if "<" in text or ">" in text:
        skeleton = []
        for i, part in enumerate(_TAGS.split(text)):
            if i % 2:  # a tag
                skeleton.append(part)
            elif part:
                if "<" in part or ">" in part or len(runs) >= 0x800:
                    return None
                skeleton.append(chr(_SLOT + len(runs)))
                runs.append(part)
        key = ("".join(skeleton), id(style))
    else:
        runs.append(text)
        key = (chr(_SLOT), id(style))
    entry = _SKELETONS.get(key)
    if entry is None or entry[0] is not style:
        parsed_style, frags, bullet = ParaParser().parse(cleanBlockQuotedText(key[0]), style)
        if frags is None or bullet or parsed_style is not style:
            return None
        textTransformFrags(frags, style)
        if len(_SKELETONS) > 4096:
            _SKELETONS.clear()
        entry = _SKELETONS[key] = (style, frags)
    table = {_SLOT + i: run for i, run in enumerate(runs)}
    shared: list[Any] = []  # the parser's fragments share one (empty) underline list
    out = []
    for frag in entry[1]:
        copied = object.__new__(frag.__class__)  # copy.copy, without its generic machinery
        copied.__dict__.update(frag.__dict__)
        copied.text = frag.text.translate(table)
        copied.us_lines = shared
        out.append(copied)
    return out


class Paragraph(_Paragraph):  # type: ignore[misc]
    """A Paragraph that remembers its line breaks for the last width it was wrapped to, and
    skips reportlab's markup parser where its result is known (:func:`_fast_frags`).

    Tables and KeepTogether wrap the same paragraph two or three times at one width; the
    line breaking depends on the width only, so the repeat calls are skipped.
    """

    _wrapped_at: float | None = None

    def __init__(self, text: str | None, style: ParagraphStyle, bulletText: str | None = None,  # noqa: N803
                 frags: list[Any] | None = None, **kwargs: Any) -> None:
        if frags is None and text is not None and bulletText is None \
                and getattr(style, "bulletText", None) is None:
            frags = _fast_frags(text, style)
        super().__init__(text, style, bulletText, frags, **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._wrapped_at == availWidth and "blPara" in self.__dict__:
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return width, height


def markup(text: str) -> str:
    """Plain text -> reportlab paragraph markup: escaped, line breaks kept; right-to-left
    names shaped and in visual order, CJK names in a CJK font (:mod:`ldn_cds.pdf.scripts`)."""
    return scripts.markup(text)


def _para(text: str, style_name: str, styles: StyleSet, label: str | None = None) -> Paragraph:
    body = markup(text)
    if label:
        body = f"<b>{markup(label)}</b> {body}"
    return Paragraph(body, styles.named(style_name))


def _bullets(block: Bullets, styles: StyleSet) -> ListFlowable:
    style = styles.named(block.style)
    items = [ListItem(Paragraph(markup(item), style), leftIndent=style.fontSize * 1.3)
             for item in block.items]
    return ListFlowable(items, bulletType="bullet", start="•", leftIndent=style.fontSize * 1.3,
                        bulletFontName=style.fontName, bulletFontSize=style.fontSize,
                        spaceAfter=style.fontSize * 0.3 * styles.space)


_CELL_PAD = 8.5


def _cell(text: str, style: ParagraphStyle, width: float) -> Flowable | str:
    """A table cell: a plain string when every line fits the column (fast, drawn as is),
    else an escaped, wrapping Paragraph."""
    lines = text.split("\n")
    if all(stringWidth(line, style.fontName, style.fontSize) <= width - _CELL_PAD
           for line in lines):
        return text
    return Paragraph(markup(text), style)


def _table(block: Table, styles: StyleSet, width: float) -> RLTable:
    cell, head = styles.cell, styles.cell_head
    if block.style == "body":
        cell = styles.derived("body", "cell_body", spaceAfter=0)
        head = styles.derived("body", "cell_body_head", fontName=styles.h3.fontName,
                              spaceAfter=0)
    widths = [f * width for f in block.widths]
    data: list[list[Flowable | str]] = [
        [_cell(h, head, w) for h, w in zip(block.header, widths, strict=True)]]
    data += [[_cell(v, cell, w) for v, w in zip(row, widths, strict=True)] for row in block.rows]
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), cell.fontName, cell.fontSize, cell.leading),
        ("FONT", (0, 0), (-1, 0), head.fontName, head.fontSize, head.leading),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if block.role == "dose":
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white,
                                                               colors.HexColor("#f5f8fc")]))
    if block.role == "trace":  # rules that fired or could not be evaluated stand out
        for i, row in enumerate(block.rows, start=1):
            tone = {"fired": "warning", "cannot": "unknown"}.get(row[1].split()[0])
            if tone:
                commands.append(("BACKGROUND", (0, i), (-1, i), TONES[tone][1]))
    if block.role == "keyvalue":
        commands.append(("BACKGROUND", (0, 1), (0, -1), colors.HexColor("#f4f4f4")))
    heights = None
    if block.role == "diary":
        heights = [None] + [cell.fontSize * 2.2] * len(block.rows)
    return RLTable(data, colWidths=widths, repeatRows=1,
                   rowHeights=heights,
                   splitInRow=0, style=commands, hAlign="LEFT", spaceBefore=2,
                   spaceAfter=6)


def _box(block: Box, styles: StyleSet, width: float) -> RLTable:
    strong, light = TONES[block.tone]
    title = f"{block.symbol}  {block.title}" if block.symbol else block.title
    title_style = styles.derived("box_title", "box_title_white", textColor=colors.white)
    content: list[Flowable] = []
    for inner in block.blocks:
        if isinstance(inner, Bullets):
            content.append(_bullets(inner, styles))
        elif inner.text or inner.label:
            content.append(_para(inner.text, inner.style, styles, inner.label))
    thick = 1.6 if block.tone in ("stop", "critical") else 1.0
    return RLTable(
        [[Paragraph(markup(title), title_style)], [content]],
        colWidths=[width], splitInRow=1, hAlign="LEFT", spaceBefore=3, spaceAfter=7,
        style=[
            ("BOX", (0, 0), (-1, -1), thick, strong),
            ("BACKGROUND", (0, 0), (-1, 0), strong),
            ("BACKGROUND", (0, 1), (-1, -1), light),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 3.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ],
    )


def _banner(block: Banner, styles: StyleSet, width: float) -> RLTable:
    strong, light = TONES[block.tone]
    text: list[Flowable] = [Paragraph(markup(block.title), styles.derived(
        "banner_title", "banner_title_tone", textColor=strong))]
    text += [Paragraph(markup(line), styles.banner_line) for line in block.lines]
    symbol_w = 16 * mm
    return RLTable(
        [[Paragraph(markup(block.symbol), styles.symbol), text]],
        colWidths=[symbol_w, width - symbol_w], hAlign="LEFT", spaceBefore=2, spaceAfter=8,
        style=[
            ("BACKGROUND", (0, 0), (0, 0), strong),
            ("BACKGROUND", (1, 0), (1, 0), light),
            ("BOX", (0, 0), (-1, -1), 1.5, strong),
            ("VALIGN", (0, 0), (0, 0), "MIDDLE"),
            ("ALIGN", (0, 0), (0, 0), "CENTER"),
            ("VALIGN", (1, 0), (1, 0), "TOP"),
            ("LEFTPADDING", (1, 0), (1, 0), 8),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ],
    )


class KeepWholeIfItFits(KeepTogether):  # type: ignore[misc]
    """Kept together (moved to the next page) when the content fits on one page; content
    longer than a page starts where it is, provided ``min_first`` points are left here, and
    breaks where the frame breaks it (a table between rows, its header repeated)."""

    def __init__(self, flowables: list[Flowable], *, min_first: float) -> None:
        super().__init__(flowables)
        self._min_first = min_first

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803 (reportlab API)
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        frame = getattr(self, "_frame", None)
        if frame is not None and frame._height < self._H:  # longer than any page
            if aH >= self._min_first:
                return list(self._content)
            return [FrameBreak(), *self._content]
        result: list[Flowable] = super().split(aW, aH)
        return result


BLANK_BEFORE_CARD = ("This page is blank on purpose: the wallet card is on the next page, "
                     "with nothing printed on its back.")


def _card_page(block: WalletCard, styles: StyleSet, scale: float) -> list[Flowable]:
    """The wallet card on a page of its own that is the front of a sheet (an odd page), and a
    blank page after it, so that nothing is printed on its back in double-sided printing."""
    return [
        RLPageBreak(),
        SectionStart(),
        DocIf("doc.page % 2 == 0", [Paragraph(markup(BLANK_BEFORE_CARD), styles.muted),
                                    RLPageBreak()]),
        Spacer(1, 4 * mm),
        KeepTogether([WalletCardFlowable(block, scale=scale)]),
        NextPageTemplate(BLANK_TEMPLATE),
        RLPageBreak(),
        BlankPageMarker(),
    ]


def _flowables(blocks: tuple[Block, ...], styles: StyleSet, width: float,
               card_scale: float, keep_diary: bool = False) -> list[Flowable]:
    """The story.  ``keep_diary`` (large print): the pain diary stays whole with its heading
    when it fits on a page (it starts a fresh page rather than leave a few weeks behind);
    a longer diary breaks only between weeks, its header row repeated."""
    out: list[Flowable] = []
    heading_at = -1  # index in ``out`` of the last heading
    for block in blocks:
        if isinstance(block, Heading):
            style = {1: styles.h1, 2: styles.h2}.get(block.level, styles.h3)
            if block.level > 1:
                out.append(CondPageBreak(style.fontSize * 5))
            heading_at = len(out)
            out.append(Paragraph(markup(block.text), style))
        elif isinstance(block, Para):
            if block.text or block.label:
                out.append(_para(block.text, block.style, styles, block.label))
        elif isinstance(block, Bullets):
            out.append(_bullets(block, styles))
        elif isinstance(block, Table):
            table = _table(block, styles, width)
            if block.role == "dose" or (block.role == "diary" and keep_diary):
                # the dose chart stays whole and with its heading and lead-in sentence
                keep = out[heading_at:] if 0 <= len(out) - heading_at <= 3 else []
                del out[len(out) - len(keep):]
                if block.role == "dose":
                    out.append(KeepTogether([*keep, table]))
                else:  # heading, lead-in, header row and four weeks at least
                    first = sum(f.wrap(width, 1e6)[1] for f in keep) + \
                        5 * styles.body.fontSize * 2.4
                    out.append(KeepWholeIfItFits([*keep, table], min_first=first))
            else:
                out.append(table)
        elif isinstance(block, Box):
            # never leave a box's title band alone at the foot of a page
            out.append(CondPageBreak(28 * mm))
            out.append(_box(block, styles, width))
        elif isinstance(block, Banner):
            out.append(_banner(block, styles, width))
        elif isinstance(block, WalletCard):
            out.extend(_card_page(block, styles, card_scale))
        elif isinstance(block, PageBreak):
            out.append(RLPageBreak())
    return out


def foreign_ruleset(ruleset: RuleSet) -> ForeignRuleSet | None:
    """None for the shipped rule set; otherwise its folder and SHA-256 for every page."""
    if ruleset.shipped:
        return None
    return ForeignRuleSet(folder=str(ruleset.origin), sha256=ruleset.sha256)


def render_document(document: Document, *, invariant: bool = False,
                    foreign: ForeignRuleSet | None = None,
                    extra: Callable[[StyleSet, float], list[Flowable]] | None = None) -> bytes:
    """Lay out one document and return the PDF bytes (``foreign``: a rule set other than the
    shipped one, named on every page)."""
    register_fonts()
    # Binary (not ASCII85) streams: smaller files, and the pure-Python ASCII85 encoder of
    # the embedded font subset was a sixth of the render time.
    rl_config.useA85 = 0
    pdfdoc.PDFZCompress = FAST_DEFLATE
    rl_paragraph.sameFrag = same_frag
    if document.kind == "handout":
        base = LARGE_PRINT_BASE if document.large_print else HANDOUT_BASE
    else:
        base = SUMMARY_BASE
    large = document.kind == "handout" and document.large_print
    pdf, flow = _build(document, make_styles(base), invariant=invariant, foreign=foreign,
                       large=large, extra=extra)
    if large and flow and (flow[-1] < WIDOW_FILL or min(flow[:-1], default=1.0) < HALF):
        # a line or two spilled onto a page of their own, or the diary (kept whole) left a
        # page half empty: the same type with less space between paragraphs, kept when it
        # saves a page
        tight, tight_flow = _build(document, make_styles(base, tight=True),
                                   invariant=invariant, foreign=foreign, large=large)
        if len(tight_flow) < len(flow):
            return tight
    return pdf


WIDOW_FILL = 0.3
"""A large-print page filled less than this at the end of the text flow is redone tight."""
HALF = 0.5
"""...and so is one filled less than half inside the flow (before a diary kept whole)."""


def _build(document: Document, styles: StyleSet, *, invariant: bool,
           foreign: ForeignRuleSet | None, large: bool,
           extra: Callable[[StyleSet, float], list[Flowable]] | None = None,
           ) -> tuple[bytes, list[float]]:
    """The PDF, and how full each page of the text flow (the pages before the wallet card's
    section) is, from 0 to 1."""
    buffer = io.BytesIO()
    doc, canvas_maker = make_doc(buffer, document, styles, invariant=invariant,
                                 foreign=foreign)
    story = _flowables(document.blocks, styles, doc.width, card_scale=1.0,  # real card size
                       keep_diary=large)
    if extra is not None:
        story += extra(styles, doc.width)
    doc.build(story, canvasmaker=canvas_maker)
    flow_pages = (doc.section_starts[0] - 1) if doc.section_starts else len(doc.page_fill)
    return buffer.getvalue(), doc.page_fill[:flow_pages]


def render_summary(
    case: Case,
    assessment: Assessment,
    ruleset: RuleSet,
    settings: PrintSettings | None = None,
    *,
    invariant: bool = False,
    followup: tuple[Course, date] | None = None,
) -> bytes:
    """The clinician summary PDF of one assessment; with ``followup`` (the patient's course in
    the registry and today's date) it ends with the follow-up section and its chart."""
    extra = None
    if followup is not None and followup[0].followups:
        course, today = followup

        def extra(styles: StyleSet, width: float) -> list[Flowable]:
            from ldn_cds.pdf.registry_report import followup_story

            return [RLPageBreak(), *followup_story(course, course.response(today, ruleset),
                                                   ruleset, styles, width, today)]

    return render_document(build_summary(case, assessment, ruleset, settings),
                           invariant=invariant, foreign=foreign_ruleset(ruleset), extra=extra)


def render_handout(
    case: Case,
    assessment: Assessment,
    ruleset: RuleSet,
    settings: PrintSettings | None = None,
    *,
    invariant: bool = False,
) -> bytes:
    """The patient handout PDF; its reading level is recorded in the PDF keywords."""
    document = build_handout(case, assessment, ruleset, settings)
    level = measure(handout_body_text(document))
    keywords = (*document.keywords,
                f"reading level: Flesch-Kincaid grade {level.flesch_kincaid_grade:.1f}",
                f"SMOG {level.smog:.1f} (heuristic syllable count)")
    document = _with_keywords(document, keywords)
    return render_document(document, invariant=invariant, foreign=foreign_ruleset(ruleset))


def _with_keywords(document: Document, keywords: tuple[str, ...]) -> Document:
    from dataclasses import replace

    return replace(document, keywords=keywords)




def write_case_pdfs(
    case: Case,
    assessment: Assessment,
    ruleset: RuleSet,
    *,
    out_dir: Path,
    stem: str,
    settings: PrintSettings | None = None,
    invariant: bool = False,
    followup: tuple[Course, date] | None = None,
) -> list[Path]:
    """Write ``<record_id or stem>-summary.pdf`` and ``-handout.pdf`` into ``out_dir``.

    Both documents are rendered before anything is written; each file is written to a
    temporary file in ``out_dir`` and renamed into place, so a failure never leaves a
    half-written PDF under a final name.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = safe_stem(case.patient.record_id, stem)
    rendered = [
        (out_dir / f"{name}-summary.pdf",
         render_summary(case, assessment, ruleset, settings, invariant=invariant,
                        followup=followup)),
        (out_dir / f"{name}-handout.pdf",
         render_handout(case, assessment, ruleset, settings, invariant=invariant)),
    ]
    for path, data in rendered:
        write_private_atomic(path, data)
    return [path for path, _ in rendered]
