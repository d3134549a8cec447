"""The wallet card survives the scissors and the duplex printer: a page of its own, an odd
(front) page, nothing at all on the page after it, real card size in large print too."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_handout
from ldn_cds.pdf.templates import BLANK_BACK_NOTE
from tests.pdf.conftest import SETTINGS, Assessed
from tests.pdf.helpers import flat


@pytest.mark.parametrize("large_print", [False, True])
def test_card_page_has_a_blank_back(all_cases: list[Assessed], ruleset: RuleSet,
                                    large_print: bool) -> None:
    settings = SETTINGS.model_copy(update={"large_print": large_print})
    checked = 0
    for a in all_cases:
        pdf = render_handout(a.case, a.assessment, ruleset, settings)
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            texts = [flat(p.extract_text() or "") for p in doc.pages]
            card_pages = [i for i, t in enumerate(texts) if "I take low-dose naltrexone" in t]
            if a.assessment.dose_plan is None:
                assert not card_pages, a.name
                continue
            assert len(card_pages) == 1, a.name
            i = card_pages[0]
            assert i % 2 == 0, (a.name, "the card must be on a front (odd-numbered) page")
            assert i + 1 == len(doc.pages) - 1, a.name  # the blank back is the last page
            back = doc.pages[i + 1]
            # nothing behind the card (top half, whichever edge the printer flips on), only
            # the note near the foot; no header, no footer, no page number
            assert not [c for c in back.chars if c["top"] < back.height * 0.75], a.name
            assert not back.lines, a.name
            assert not back.rects, a.name
            assert flat(back.extract_text() or "") == BLANK_BACK_NOTE
            assert "My pain diary" not in texts[i]  # the card page holds only the card
            if i > 0 and "blank on purpose" in texts[i - 1]:
                assert len(texts[i - 1]) < 400  # the note alone, under the header
            sizes = {round(c["size"], 1) for c in doc.pages[i].chars
                     if c["text"] in ruleset.handout.card_title and c["fontname"].endswith("Bold")}
            assert 9.6 in sizes, (a.name, sizes)  # real card size, also in large print
            checked += 1
    assert checked >= 5
