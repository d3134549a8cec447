"""The render-time shortcuts (ldn_cds.pdf: parser-free paragraph fragments, remembered string
widths, fast font-subset encoding, shared styles, pure-Python sameFrag) change nothing in the
output: the PDF bytes are the same with and without them.  Speed itself is measured by
bench/bench_pdf.py."""

from __future__ import annotations

from typing import Any

import pytest
from reportlab.lib.rl_accel import sameFrag as rl_accel_same_frag
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaParser

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render, render_handout, render_summary
from ldn_cds.pdf.fonts import SubsetFont
from tests.pdf.conftest import SETTINGS, Assessed


def _render_all(cases: list[Assessed], ruleset: RuleSet) -> list[bytes]:
    big = SETTINGS.model_copy(update={"large_print": True})
    out = []
    for a in cases:
        out.append(render_summary(a.case, a.assessment, ruleset, SETTINGS, invariant=True))
        out.append(render_handout(a.case, a.assessment, ruleset, SETTINGS, invariant=True))
        out.append(render_handout(a.case, a.assessment, ruleset, big, invariant=True))
    return out


@pytest.fixture
def cases(all_cases: list[Assessed], variants: dict[str, Assessed]) -> list[Assessed]:
    by_name = {a.name: a for a in all_cases}
    # hostile text (markup characters, right-to-left, emoji, 5,000-character words) included
    return [by_name["jane-doe"], by_name["missing-answers"], by_name["cautions-override"],
            variants["hostile"]]


def test_the_shortcuts_change_no_byte(cases: list[Assessed], ruleset: RuleSet,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # the same zlib level both ways (level 1 only changes how the streams are deflated)
    monkeypatch.setattr(render, "DEFLATE_LEVEL", 6)
    fast = _render_all(cases, ruleset)
    with monkeypatch.context() as m:
        m.setattr(render, "_fast_frags", lambda text, style: None)
        m.setattr(SubsetFont, "splitString", TTFont.splitString)
        m.setattr(SubsetFont, "stringWidth", TTFont.stringWidth)
        m.setattr(render, "FAST_DEFLATE", pdfdoc.PDFStreamFilterZCompress())
        m.setattr(render, "same_frag", rl_accel_same_frag)
        plain = _render_all(cases, ruleset)
    assert len(fast) == len(plain) == 12
    for i, (a, b) in enumerate(zip(fast, plain, strict=True)):
        assert a == b, i


def test_fast_fragments_are_the_parsers_fragments(cases: list[Assessed], ruleset: RuleSet,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = render._fast_frags
    seen = {"fast": 0, "parser": 0}

    def checked(text: str, style: Any) -> list[Any] | None:
        frags = real(text, style)
        if frags is None:
            seen["parser"] += 1
            return None
        _style, parsed, _bullets = ParaParser().parse(cleanBlockQuotedText(text), style)
        assert [f.__dict__ for f in frags] == [f.__dict__ for f in parsed], text
        seen["fast"] += 1
        return frags

    monkeypatch.setattr(render, "_fast_frags", checked)
    _render_all(cases, ruleset)
    assert seen["fast"] > 500
    assert seen["parser"] > 0  # text with '&' or odd whitespace takes the parser


def test_width_memo_and_subset_encoding_agree_with_reportlab(ruleset: RuleSet) -> None:
    from reportlab.pdfbase.pdfmetrics import getFont

    from ldn_cds.pdf.fonts import REGULAR, register_fonts

    register_fonts()
    font = getFont(REGULAR)
    assert isinstance(font, SubsetFont)
    doc = pdfdoc.PDFDocument()
    samples = ["Take 1.5 mg at bedtime", "naïve café – 7 → 4", "שלום مرحبا", "a\xa0b", "",
               "Take 1.5 mg at bedtime", "ÆØÅ " * 300]
    for text in samples:
        for size in (9.5, 12, 14.5):
            assert font.stringWidth(text, size) == TTFont.stringWidth(font, text, size)
        mine = font.splitString(text, doc)
        # reportlab's loop on the same (now filled) subsets gives the same runs
        assert mine == TTFont.splitString(font, text, doc), text
