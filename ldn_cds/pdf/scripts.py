"""Names in other scripts: right-to-left text shaped and put in visual order, CJK drawn with a
CJK font.

* Hebrew and Arabic: a PDF draws glyphs left to right, in the order given.  Arabic letters
  are first joined (``arabic_reshaper``: the presentation forms, which DejaVu Sans has), then
  the line is put in visual order with the Unicode bidi algorithm (``python-bidi``) on a
  left-to-right base, as the documents are English.  Good for names and short lines; a long
  right-to-left passage that wraps over several lines is ordered as one line before wrapping.
* Chinese, Japanese and Korean: DejaVu Sans has no CJK glyphs, so runs of CJK characters are
  drawn with Droid Sans Fallback (Apache-2.0, shipped under ``resources/fonts/`` and embedded
  as a subset like DejaVu: the glyphs travel with the PDF).  It has Han and kana but no
  Hangul: Hangul runs use reportlab's built-in CID font HYSMyeongJo-Medium (no font file;
  the PDF names the Adobe-Korea1 font and the viewer or printer supplies the glyphs, as
  Acrobat, macOS and Windows do; a Linux viewer needs a Korean font installed).  The
  fallback font is loaded only when a document has CJK text.
"""

from __future__ import annotations

import functools
import re
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import stringWidth

RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HAN = "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff65"
CJK_RUN = re.compile(f"[{HANGUL}{KANA}{HAN}]+")
_HANGUL = re.compile(f"[{HANGUL}]")
OTHER = re.compile(f"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc{HANGUL}{KANA}{HAN}]")
"""Anything this module changes: plain text skips all of it."""

KOREAN = "HYSMyeongJo-Medium"
CJK = "LdnCJK"
_CJK_FILE = "DroidSansFallbackFull.ttf"


@functools.cache
def _fallback() -> str:
    from ldn_cds.pdf.fonts import SubsetFont
    from ldn_cds.resources import resources_dir

    pdfmetrics.registerFont(SubsetFont(CJK, str(resources_dir() / "fonts" / _CJK_FILE)))
    for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
        addMapping(CJK, bold, italic, CJK)  # no bold face: bold CJK is drawn regular
    return CJK


@functools.cache
def _cid(name: str) -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(name))
    for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
        addMapping(name, bold, italic, name)  # no bold face: bold CJK is drawn regular
    return name


def cjk_font(run: str) -> str:
    """The font for a run of CJK characters."""
    if _HANGUL.search(run):
        return _cid(KOREAN)
    return _fallback()


def visual(text: str) -> str:
    """Right-to-left runs shaped and in visual order; other text as it is."""
    if not RTL.search(text):
        return text
    if ARABIC.search(text):
        text = arabic_reshaper.reshape(text)
    return str(get_display(text, base_dir="L"))


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` (already visual) cut into ``(text, font)`` runs: CJK runs in a CJK font."""
    if not CJK_RUN.search(text):
        return [(text, font)]
    out: list[tuple[str, str]] = []
    at = 0
    for match in CJK_RUN.finditer(text):
        if match.start() > at:
            out.append((text[at:match.start()], font))
        out.append((match.group(), cjk_font(match.group())))
        at = match.end()
    if at < len(text):
        out.append((text[at:], font))
    return out


def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` as :func:`draw_string` draws it."""
    if not OTHER.search(text):
        return float(stringWidth(text, font, size))
    return float(sum(stringWidth(t, f, size) for t, f in runs(visual(text), font)))


def draw_string(canvas: object, x: float, y: float, text: str, font: str, size: float,
                *, right: bool = False) -> None:
    """``canvas.drawString`` (or ``drawRightString``) for text in any of these scripts; sets
    ``font`` at ``size`` on the canvas."""
    c = canvas
    if not OTHER.search(text):
        c.setFont(font, size)  # type: ignore[attr-defined]
        (c.drawRightString if right else c.drawString)(x, y, text)  # type: ignore[attr-defined]
        return
    parts = runs(visual(text), font)
    if right:
        x -= sum(stringWidth(t, f, size) for t, f in parts)
    for part, face in parts:
        c.setFont(face, size)  # type: ignore[attr-defined]
        c.drawString(x, y, part)  # type: ignore[attr-defined]
        x += stringWidth(part, face, size)
    c.setFont(font, size)  # type: ignore[attr-defined]


def markup(text: str) -> str:
    """Plain text -> reportlab paragraph markup: right-to-left runs in visual order, escaped,
    line breaks kept, CJK runs in a CJK font."""
    if OTHER.search(text):
        text = "\n".join(visual(line) for line in text.split("\n"))
        out = escape(text)
        if CJK_RUN.search(out):
            out = CJK_RUN.sub(lambda m: f'<font face="{cjk_font(m.group())}">'
                              f"{m.group()}</font>", out)
        return out.replace("\n", "<br/>")
    return escape(text).replace("\n", "<br/>")
