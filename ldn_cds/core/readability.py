"""Reading level of plain-language text: Flesch-Kincaid grade and SMOG index.

Pure (standard library only).  Syllables are counted by a function passed in, so the tests
can use a dictionary hyphenator (``pyphen``) while the program falls back to
:func:`estimate_syllables`, a vowel-group heuristic, when none is installed.

Formulas (as published):

- Flesch-Kincaid grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59
- SMOG = 1.0430 * sqrt(polysyllables * 30 / sentences) + 3.1291, where a polysyllable is a
  word of three or more syllables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SyllableCounter = Callable[[str], int]

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*%?")
_VOWELS = re.compile(r"[aeiouy]+")
_HIATUS = re.compile(r"(?<![tscgxl])i[ao]")  # two syllables in one vowel group: opioid


@dataclass(frozen=True, slots=True)
class Readability:
    """Counts and scores of one text."""

    sentences: int
    words: int
    syllables: int
    polysyllables: int
    flesch_kincaid_grade: float
    smog: float

    def describe(self) -> str:
        return (
            f"Flesch-Kincaid grade {self.flesch_kincaid_grade:.1f}, SMOG {self.smog:.1f} "
            f"({self.words} words, {self.sentences} sentences)"
        )


def estimate_syllables(word: str) -> int:
    """Syllables of an English word by vowel groups (silent final e dropped); at least 1."""
    w = word.lower()
    if not w.isalpha():
        return 1
    count = len(_VOWELS.findall(w)) + len(_HIATUS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if w.endswith(("ely", "eful", "eness", "ement")) and count > 2:
        count -= 1  # silent e before a suffix: closely, useful
    if w.endswith(("ed", "es")) and count > 1 and not w.endswith(("ted", "ded", "ses", "zes",
                                                                    "ces", "ges", "xes")):
        count -= 1
    return max(count, 1)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after ``. ! ?``; a line without a stop is one sentence."""
    out: list[str] = []
    for line in text.splitlines():
        for part in _SENTENCE_END.split(line):
            if _WORD.search(part):
                out.append(part)
    return out


def words_of(text: str) -> list[str]:
    """The words of ``text``; a number counts as one one-syllable word."""
    return _WORD.findall(text)


def measure(texts: Iterable[str], syllables: SyllableCounter = estimate_syllables) -> Readability:
    """Reading level of ``texts`` (each item at least one sentence, e.g. a bullet)."""
    n_sentences = n_words = n_syll = n_poly = 0
    for text in texts:
        for sentence in split_sentences(text):
            n_sentences += 1
            for word in words_of(sentence):
                count = 1 if word[0].isdigit() else max(syllables(word), 1)
                n_words += 1
                n_syll += count
                n_poly += count >= 3
    if n_words == 0 or n_sentences == 0:
        return Readability(0, 0, 0, 0, 0.0, 0.0)
    fk = 0.39 * n_words / n_sentences + 11.8 * n_syll / n_words - 15.59
    smog = 1.0430 * math.sqrt(n_poly * 30 / n_sentences) + 3.1291
    return Readability(
        sentences=n_sentences,
        words=n_words,
        syllables=n_syll,
        polysyllables=n_poly,
        flesch_kincaid_grade=round(fk, 2),
        smog=round(smog, 2),
    )


__all__ = ["Readability", "SyllableCounter", "estimate_syllables", "measure", "split_sentences",
           "words_of"]
