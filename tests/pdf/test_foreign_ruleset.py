"""A rule set other than the shipped one is named, with its folder and full SHA-256, on every
page of both documents: the wallet card page and the card's blank back included."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.units import mm

from ldn_cds.core.assessment import assess
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_handout, render_summary
from ldn_cds.pdf.templates import BLANK_BACK_NOTE, FOREIGN_TITLE
from ldn_cds.resources import examples_dir, load_ruleset, resources_dir
from tests.conftest import ON, load_example
from tests.pdf.conftest import SETTINGS
from tests.pdf.helpers import flat, page_texts


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    copy = tmp_path_factory.mktemp("elsewhere") / "resources"
    shutil.copytree(resources_dir(), copy)
    loaded = load_ruleset(copy)
    assert not loaded.shipped
    return loaded


def _render_both(ruleset: RuleSet, large_print: bool = False) -> list[bytes]:
    case = load_example(examples_dir() / "jane-doe.json")
    assessment = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
    assert assessment.dose_plan is not None  # so the handout has the card and its blank back
    settings = SETTINGS.model_copy(update={"large_print": large_print})
    return [render_summary(case, assessment, ruleset, settings),
            render_handout(case, assessment, ruleset, settings)]


@pytest.mark.parametrize("large_print", [False, True])
def test_every_page_names_a_foreign_rule_set(foreign: RuleSet, large_print: bool) -> None:
    folder = str(foreign.origin)
    assert folder.endswith("resources")
    assert Path(folder).is_dir()
    pages = 0
    summary, handout = _render_both(foreign, large_print)
    assert any("I take low-dose naltrexone" in t for t in page_texts(handout))  # the card
    assert BLANK_BACK_NOTE in page_texts(handout)[-1]  # and its back
    for pdf in (summary, handout):
        texts = page_texts(pdf)
        for number, text in enumerate(texts, start=1):
            assert f"{FOREIGN_TITLE}: {folder}" in text, number
            assert f"sha256 {foreign.sha256}" in text, number  # the full 64-hex hash
            pages += 1
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            for page in doc.pages:
                lines = page.extract_text_lines()
                at = next(i for i, line in enumerate(lines) if FOREIGN_TITLE in line["text"])
                title, below = lines[at], lines[at + 1:]
                # the band sits in the footer: below it only the hash line and the footer
                # line, nothing of the body overlaps it, all >= 10 mm from the paper edge
                assert below
                assert below[0]["text"].startswith("Rule set sha256")
                assert len(below) <= 2
                assert all(line["bottom"] <= title["top"] for line in lines[:at])
                assert all(page.height - line["bottom"] >= 10 * mm for line in lines)
    assert pages >= 8


def test_the_blank_back_stays_blank_behind_the_card(foreign: RuleSet) -> None:
    handout = _render_both(foreign)[1]
    with pdfplumber.open(io.BytesIO(handout)) as doc:
        back = doc.pages[-1]
        text = flat(back.extract_text() or "")
        assert text.startswith(BLANK_BACK_NOTE)
        assert FOREIGN_TITLE in text
        # only the footer strip carries the warning: it lies behind the front page's footer
        # (long-edge flip) or header (short-edge flip), never behind the card
        assert not [c for c in back.chars if c["top"] < back.height * 0.75]
        assert all(back.height - c["bottom"] < 40 * mm for c in back.chars)


def test_a_long_folder_keeps_its_end_and_the_whole_hash(foreign: RuleSet) -> None:
    deep = "/" + "/".join(f"level-{i:02d}" for i in range(60)) + "/my-rules"
    odd = foreign.model_copy(update={"origin": deep})
    for pdf in _render_both(odd):
        for text in page_texts(pdf):
            line = next(t for t in text.splitlines() if FOREIGN_TITLE in t)
            assert line.endswith("/level-59/my-rules")
            assert "…" in line
            assert f"sha256 {foreign.sha256}" in text


def test_the_shipped_rule_set_is_not_flagged(ruleset: RuleSet) -> None:
    assert ruleset.shipped
    for pdf in _render_both(ruleset):
        assert not [t for t in page_texts(pdf) if FOREIGN_TITLE in t]
