"""Handout reading level: Flesch-Kincaid grade <= 8 and SMOG <= 9 for every case.

Measured on the handout's running text (:func:`handout_body_text`: paragraphs, bullets and
boxed text; not headings, header/footer, tables or the wallet card).  Syllables: the larger
of pyphen's count (hyphenation points + 1, which undercounts words such as "medicine") and
the vowel-group heuristic, so the check errs towards a higher grade.
"""

from __future__ import annotations

import functools

import pyphen
import pytest

from ldn_cds.core.readability import Readability, estimate_syllables, measure
from ldn_cds.core.report_content import PrintSettings, build_handout, handout_body_text
from ldn_cds.core.ruleset import RuleSet
from tests.pdf.conftest import Assessed
from tests.pdf.helpers import CASE_NAMES

_DIC = pyphen.Pyphen(lang="en_US")


@functools.cache
def syllables(word: str) -> int:
    return max(len(_DIC.positions(word)) + 1, estimate_syllables(word))


@pytest.fixture(scope="module")
def by_name(examples: list[Assessed], variants: dict[str, Assessed]) -> dict[str, Assessed]:
    return {**{a.name: a for a in examples}, **variants}


def handout_level(a: Assessed, ruleset: RuleSet, settings: PrintSettings) -> Readability:
    document = build_handout(a.case, a.assessment, ruleset, settings)
    return measure(handout_body_text(document), syllables)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_handout_reads_at_grade_8_or_lower(
    name: str, by_name: dict[str, Assessed], ruleset: RuleSet, settings: PrintSettings
) -> None:
    level = handout_level(by_name[name], ruleset, settings)
    assert level.words > 40
    assert level.flesch_kincaid_grade <= 8, level.describe()
    assert level.smog <= 9, level.describe()


def test_pyphen_counter_sanity() -> None:
    assert syllables("medicine") == 3
    assert syllables("naltrexone") == 3
    assert syllables("take") == 1
