"""Names in other scripts, read back from the PDFs: Hebrew and Arabic shaped and in visual
(right-to-left) order, Chinese and Japanese in the embedded CJK font, Korean in a CJK font."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import pdfplumber
import pytest
from reportlab.pdfbase.pdfmetrics import getFont

from ldn_cds.core.assessment import assess
from ldn_cds.core.models import parse_case
from ldn_cds.core.rulecheck import example_case
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_handout, render_summary
from ldn_cds.pdf.scripts import CJK, KOREAN
from tests.conftest import ON
from tests.pdf.conftest import SETTINGS

HEBREW = "שרה כהן"
ARABIC = "فاطمة الزهراء"
CHINESE = "王小明 张伟"
JAPANESE = "山田はなこ"
KOREAN_NAME = "김민지"


def _pdfs(ruleset: RuleSet, name: str) -> list[bytes]:
    case = parse_case(example_case(ruleset, {"patient": {"name": name}}))
    a = assess(case, on=ON, ruleset=ruleset)
    assert a.dose_plan is not None  # so the card (drawn on the canvas) is there too
    return [render_summary(case, a, ruleset, SETTINGS), render_handout(case, a, ruleset, SETTINGS)]


def _name_runs(pdf: bytes, letters: set[str]) -> list[list[dict[str, Any]]]:
    """Per text line holding the name: its characters from ``letters``, left to right."""
    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            lines: dict[float, list[dict[str, Any]]] = {}
            for c in page.chars:
                if unicodedata.normalize("NFKC", c["text"]) in letters:
                    lines.setdefault(round(c["top"]), []).append(c)
            out.extend(sorted(chars, key=lambda c: c["x0"]) for chars in lines.values())
    return out


@pytest.mark.parametrize("name", [HEBREW, ARABIC])
def test_right_to_left_names_are_shaped_and_in_visual_order(ruleset: RuleSet,
                                                            name: str) -> None:
    letters = set(name.replace(" ", ""))
    for pdf in _pdfs(ruleset, name):
        runs = _name_runs(pdf, letters)
        assert len(runs) >= 2  # header of every page, title, card...
        for chars in runs:
            # read right to left, the letters spell the name: first letter rightmost
            shown = "".join(unicodedata.normalize("NFKC", c["text"]) for c in reversed(chars))
            assert shown == name.replace(" ", ""), shown
            if name == ARABIC:  # joined letters: presentation forms, not isolated codes
                assert all("\ufb50" <= c["text"] <= "\ufeff" for c in chars)


@pytest.mark.parametrize(("name", "font"), [(CHINESE, CJK), (JAPANESE, CJK),
                                            (KOREAN_NAME, KOREAN)])
def test_cjk_names_are_drawn_with_a_cjk_font(ruleset: RuleSet, name: str, font: str) -> None:
    letters = set(name.replace(" ", ""))
    for pdf in _pdfs(ruleset, name):
        runs = _name_runs(pdf, letters)
        assert len(runs) >= 2
        for chars in runs:
            assert "".join(c["text"] for c in chars) == name.replace(" ", "")
            faces = {c["fontname"].split("+")[-1] for c in chars}
            expected = "DroidSansFallback" if font == CJK else KOREAN
            assert faces == {expected}, faces
    if font == CJK:  # the embedded font has a real glyph (not .notdef) for every character
        glyphs = getFont(CJK).face.charToGlyph
        assert all(glyphs.get(ord(ch), 0) > 0 for ch in letters)
