"""Type sizes and margins measured on the rendered pages (pdfplumber)."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pdfplumber
import pytest
from reportlab.lib.units import mm

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_handout, render_summary
from ldn_cds.pdf.flowables import CARD_H, CARD_W
from ldn_cds.pdf.templates import BLANK_BACK_NOTE, BOTTOM
from tests.pdf.conftest import SETTINGS, Assessed

LAYOUT_CASES = ["jane-doe", "missing-answers", "pregnant", "candidate-liquid-morning",
                "not-yet-washout"]


def _cases(all_cases: list[Assessed]) -> list[Assessed]:
    return [a for a in all_cases if a.name in LAYOUT_CASES]


def _body_chars(pdf: bytes) -> list[dict[str, Any]]:
    """Characters of the text frame: header, footer and the cut-out wallet card left out."""
    out: list[dict[str, Any]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            top = min((c["top"] for c in chars if c["text"] == "✂"), default=None)
            for c in chars:
                if c["bottom"] > page.height - BOTTOM + 1:
                    continue  # footer
                if top is not None and top - 2 <= c["top"] <= top + CARD_H * 1.2 + 12 * mm \
                        and c["x0"] <= CARD_W * 1.2 + 20 * mm:
                    continue  # the wallet card and its scissors label
                out.append(c)
    return out


def _frame_chars(pdf: bytes) -> list[dict[str, Any]]:
    """Body characters below the running header (the header is measured separately)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        rules = []
        for page in doc.pages:
            lines = [ln for ln in page.lines if abs(ln["top"] - ln["bottom"]) < 1]
            rules.append(min((ln["top"] for ln in lines), default=0))
    header_rule = rules[0]
    return [c for c in _body_chars(pdf) if c["top"] > header_rule + 1]


def _mode(chars: list[dict[str, Any]]) -> float:
    return Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0]


def test_handout_body_is_12_pt_or_more_with_larger_headings(
    all_cases: list[Assessed], ruleset: RuleSet
) -> None:
    for a in _cases(all_cases):
        pdf = render_handout(a.case, a.assessment, ruleset, SETTINGS)
        chars = _frame_chars(pdf)
        small = sorted({(round(c["size"], 1), c["text"]) for c in chars if c["size"] < 11.95})
        assert not small, (a.name, small[:10])
        assert _mode(chars) >= 12
        assert max(c["size"] for c in chars) >= 15  # headings stand out


def test_large_print_handout_is_14_to_16_pt(all_cases: list[Assessed],
                                            ruleset: RuleSet) -> None:
    large = SETTINGS.model_copy(update={"large_print": True})
    for a in _cases(all_cases):
        chars = _frame_chars(render_handout(a.case, a.assessment, ruleset, large))
        assert 14 <= _mode(chars) <= 16, a.name
        assert min(c["size"] for c in chars) >= 14, a.name


def test_summary_body_is_9_5_pt_or_more(all_cases: list[Assessed], ruleset: RuleSet) -> None:
    for a in _cases(all_cases):
        pdf = render_summary(a.case, a.assessment, ruleset, SETTINGS)
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            page1 = [c for c in doc.pages[0].chars if c["text"].strip()]
            body = [c for c in page1 if c["bottom"] < doc.pages[0].height - BOTTOM]
        assert _mode(body) >= 9.5, a.name
        assert min(c["size"] for c in _frame_chars(pdf)) >= 8.5 - 0.01, a.name


@pytest.mark.parametrize("large_print", [False, True])
def test_footers_are_10_mm_or_more_from_the_edge(
    all_cases: list[Assessed], ruleset: RuleSet, large_print: bool
) -> None:
    settings = SETTINGS.model_copy(update={"large_print": large_print})
    for a in _cases(all_cases):
        for pdf in (render_handout(a.case, a.assessment, ruleset, settings),
                    render_summary(a.case, a.assessment, ruleset, settings)):
            with pdfplumber.open(io.BytesIO(pdf)) as doc:
                for page in doc.pages:
                    lowest = max(c["bottom"] for c in page.chars)
                    assert page.height - lowest >= 10 * mm, (a.name, page.page_number)
                    if " ".join((page.extract_text() or "").split()) == BLANK_BACK_NOTE:
                        continue  # the back of the wallet card has no footer
                    assert any("Page" in w["text"] for w in page.extract_words()
                               if w["bottom"] > page.height - BOTTOM)


def test_header_keeps_birth_date_and_age_with_a_long_name(variants: dict[str, Assessed],
                                                          ruleset: RuleSet) -> None:
    from tests.pdf.helpers import page_texts

    a = variants["hostile"]
    for text in page_texts(render_summary(a.case, a.assessment, ruleset, SETTINGS)):
        flat_text = " ".join(text.split())
        assert "Born:" in flat_text
        assert "Age:" in flat_text
