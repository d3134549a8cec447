"""Reading-level formulas (Flesch-Kincaid grade, SMOG) on hand-checked texts."""

from __future__ import annotations

import math

import pytest

from ldn_cds.core.readability import estimate_syllables, measure, split_sentences, words_of


@pytest.mark.parametrize(("word", "count"), [
    ("take", 1), ("bedtime", 2), ("doctor", 2), ("medicine", 3), ("naltrexone", 3),
    ("every", 3), ("opioid", 3), ("the", 1), ("used", 1), ("2026", 1),
])
def test_estimate_syllables(word: str, count: int) -> None:
    assert estimate_syllables(word) == count


def test_sentences_and_words() -> None:
    assert split_sentences("Take it. Do not double!\nA bullet without a stop") == [
        "Take it", " Do not double", "A bullet without a stop"]
    assert split_sentences("Take 2.5 mL now.") == ["Take 2.5 mL now"]
    assert words_of("Take 2.5 mL, don't stop; 30% less.") == [
        "Take", "2.5", "mL", "don't", "stop", "30%", "less"]


def test_formulas_with_a_fixed_counter() -> None:
    # 2 sentences, 7 words; every word 1 syllable except "medicine" (3)
    text = ["Take the medicine now. Go to bed."]
    level = measure(text, lambda w: 3 if w == "medicine" else 1)
    assert (level.sentences, level.words, level.syllables, level.polysyllables) == (2, 7, 9, 1)
    assert level.flesch_kincaid_grade == pytest.approx(
        round(0.39 * 7 / 2 + 11.8 * 9 / 7 - 15.59, 2))
    assert level.smog == pytest.approx(round(1.0430 * math.sqrt(1 * 30 / 2) + 3.1291, 2))


def test_empty_text_scores_zero() -> None:
    level = measure([""])
    assert (level.words, level.flesch_kincaid_grade, level.smog) == (0, 0.0, 0.0)


def test_harder_text_scores_higher() -> None:
    easy = measure(["Take one pill at bed. Call us if you feel sick."])
    hard = measure(["Pharmacokinetic considerations necessitate individualized titration "
                    "schedules for immunocompromised populations."])
    assert hard.flesch_kincaid_grade > easy.flesch_kincaid_grade + 8
    assert hard.smog > easy.smog
