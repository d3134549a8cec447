"""Typed dates: ISO always, the locale's order otherwise; an ambiguous date is read openly."""

from __future__ import annotations

from datetime import date

import pytest

from ldn_cds.core.dates import in_words, order_of, read_date


@pytest.mark.parametrize(("short_format", "order"), [
    ("M/d/yy", "MDY"),          # en_US
    ("dd/MM/yyyy", "DMY"),      # en_GB
    ("dd.MM.yy", "DMY"),        # de_DE
    ("yyyy/MM/dd", "YMD"),      # ja_JP
    ("yyyy-MM-dd", "YMD"),
])
def test_order_of_a_locale(short_format: str, order: str) -> None:
    assert order_of(short_format) == order


@pytest.mark.parametrize(("typed", "order", "expected"), [
    ("2026-11-23", "MDY", date(2026, 11, 23)),
    ("2026-11-23", "DMY", date(2026, 11, 23)),
    ("11/23/2026", "MDY", date(2026, 11, 23)),
    ("23/11/2026", "DMY", date(2026, 11, 23)),
    ("23.11.2026", "DMY", date(2026, 11, 23)),
    ("4/2/1968", "MDY", date(1968, 4, 2)),
    ("4/2/1968", "DMY", date(1968, 2, 4)),
    ("2026/11/23", "YMD", date(2026, 11, 23)),
    ("2026/11/23", "MDY", date(2026, 11, 23)),   # a four-digit first number is the year
])
def test_dates_in_iso_and_the_locale_order(typed: str, order: str, expected: date) -> None:
    assert read_date(typed, order).value == expected  # type: ignore[arg-type]


def test_an_ambiguous_date_is_read_in_the_locale_order_and_says_how() -> None:
    us = read_date("03/04/2026", "MDY")
    other = read_date("03/04/2026", "DMY")
    assert us.value == date(2026, 3, 4)
    assert other.value == date(2026, 4, 3)
    assert us.ambiguous
    assert other.ambiguous
    assert us.note == "read as 4 March 2026 (MM/DD/YYYY)"
    assert other.note == "read as 3 April 2026 (DD/MM/YYYY)"
    assert not read_date("11/23/2026", "MDY").ambiguous  # 23 cannot be a month
    assert not read_date("05/05/2026", "MDY").ambiguous  # same either way


@pytest.mark.parametrize(("typed", "order", "words"), [
    ("13/04/2026", "MDY", "if you meant 13 April 2026, type 2026-04-13"),  # never swapped
    ("04/13/2026", "DMY", "if you meant 13 April 2026, type 2026-04-13"),
    ("03/04/26", "MDY", "four digits"),                                   # no century guess
    ("2026-02-30", "MDY", "not a real calendar date"),
    ("31/02/2026", "DMY", "not a date in DD/MM/YYYY"),
    ("yesterday", "DMY", "type the date as DD/MM/YYYY or YYYY-MM-DD"),
])
def test_impossible_or_unclear_dates_are_problems_not_guesses(typed: str, order: str,
                                                              words: str) -> None:
    reading = read_date(typed, order)  # type: ignore[arg-type]
    assert reading.value is None
    assert words in reading.problem


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_date_is_not_known_never_today(typed: str) -> None:
    reading = read_date(typed, "MDY")
    assert reading.value is None
    assert not reading.problem


def test_in_words() -> None:
    assert in_words(date(1968, 4, 2)) == "2 April 1968"
