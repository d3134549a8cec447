"""Large print laid out for its size: no page left mostly empty inside the text, the pain
diary whole (or broken only between weeks when it is longer than a page), and the wallet card
at real size with room to write.  Every shipped example is rendered in large print."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
import pytest
from reportlab.lib.units import mm

from ldn_cds.core.report_content import PrintSettings
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_handout
from ldn_cds.pdf.flowables import CARD_W
from ldn_cds.pdf.render import BLANK_BEFORE_CARD
from ldn_cds.pdf.templates import BLANK_BACK_NOTE, BOTTOM
from tests.pdf.conftest import SETTINGS, Assessed
from tests.pdf.helpers import flat

LARGE = SETTINGS.model_copy(update={"large_print": True})
CARD_TITLE = "I take low-dose naltrexone"
DATE = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}$")


def _pages(pdf: bytes) -> list[dict[str, Any]]:
    """Per page: its kind, how full its text frame is (0-1), and the diary weeks on it."""
    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            text = flat(page.extract_text() or "")
            rules = sorted(ln["top"] for ln in page.lines
                           if ln["top"] < 130 and abs(ln["top"] - ln["bottom"]) < 1)
            top = rules[0] + 6 if rules else 0  # below the running header's rule
            foot = page.height - BOTTOM
            lows = [o["bottom"] for o in (*page.chars, *page.rects, *page.lines)
                    if top < o["top"] < foot]
            fill = (max(lows, default=top) - top) / (foot - top)
            weeks = []
            for line in page.extract_text_lines():
                parts = line["text"].split(" ", 1)
                if len(parts) == 2 and parts[0].isdigit() and DATE.match(parts[1].strip()):
                    weeks.append((int(parts[0]), line["top"]))
            kind = ("card" if CARD_TITLE in text else
                    "back" if text == BLANK_BACK_NOTE else
                    "blank" if flat(BLANK_BEFORE_CARD) in text else "flow")
            out.append({"kind": kind, "fill": fill, "weeks": weeks, "height": foot - top,
                        "has_header": "Week of" in text})
    return out


@pytest.fixture(scope="module")
def large_print(examples: list[Assessed], ruleset: RuleSet) -> dict[str, list[dict[str, Any]]]:
    return {a.name: _pages(render_handout(a.case, a.assessment, ruleset, LARGE))
            for a in examples}


def test_no_page_of_the_text_is_left_mostly_empty(
    large_print: dict[str, list[dict[str, Any]]],
) -> None:
    assert len(large_print) >= 14
    for name, pages in large_print.items():
        flow = [p for p in pages if p["kind"] == "flow"]
        assert flow, name
        # the designed pages come after the text only: card, its blank back, the parity note
        assert [p["kind"] for p in pages[:len(flow)]] == ["flow"] * len(flow), name
        for i, page in enumerate(flow[:-1]):
            # at least half full, also the page before a diary that starts a fresh page
            assert page["fill"] >= 0.5, (name, i, round(page["fill"], 2))
        assert flow[-1]["fill"] >= 0.3 or len(flow) == 1, (name, round(flow[-1]["fill"], 2))


def test_diary_weeks_stay_together(large_print: dict[str, list[dict[str, Any]]],
                                   examples: list[Assessed]) -> None:
    with_plan = [a.name for a in examples if a.assessment.dose_plan is not None]
    checked = 0
    for name, pages in large_print.items():
        on_pages = [p for p in pages if p["weeks"]]
        if not on_pages:
            continue
        numbers = [w for p in on_pages for w, _top in p["weeks"]]
        assert numbers == list(range(1, len(numbers) + 1)), name  # every week, in order
        assert all(p["has_header"] for p in on_pages), name  # header row on every page
        if len(on_pages) > 1:
            # split only when the diary is longer than a page, and never a week or two alone
            tops = [top for _w, top in on_pages[-1]["weeks"]]
            row = (tops[-1] - tops[0]) / (len(tops) - 1)
            assert len(numbers) * row > 0.8 * on_pages[0]["height"], name
            assert all(len(p["weeks"]) >= 4 for p in on_pages), name
        checked += 1
    assert checked == len(with_plan) >= 5


def test_card_is_real_size_with_room_to_write(examples: list[Assessed],
                                              ruleset: RuleSet) -> None:
    a = next(e for e in examples if e.name == "jane-doe")
    pdf = render_handout(a.case, a.assessment, ruleset, PrintSettings(large_print=True))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = next(p for p in doc.pages if CARD_TITLE in (p.extract_text() or ""))
        card = [r for r in page.rects if abs(r["width"] - CARD_W) < 1]
        assert card  # the dashed outline: 85.6 mm wide, as in normal print
        right = card[0]["x1"]
        lines = {line["text"].split(":")[0]: line for line in page.extract_text_lines()
                 if line["text"].endswith("____")}
        assert {"Clinic", "Phone", "Prescriber"} <= set(lines)
        for line in lines.values():
            assert line["x1"] >= right - 8 * mm  # the blank runs to the card's edge
