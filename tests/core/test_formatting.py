"""One formatting module: dates, doses, yes/no/unknown, trace states; never the locale."""

from __future__ import annotations

import locale
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import pytest

from ldn_cds.core import notes
from ldn_cds.core.formatting import (
    fmt_date,
    fmt_date_or,
    fmt_mg,
    fmt_trace_state,
    fmt_value,
    fmt_yes_no,
)

GERMAN = ("de_DE.UTF-8", "de_DE.utf8", "de_DE")


@pytest.mark.parametrize(("day", "text"), [
    (date(2026, 3, 5), "5 Mar 2026"),
    (date(2026, 11, 24), "24 Nov 2026"),
    (date(2027, 1, 1), "1 Jan 2027"),
    (date(2026, 12, 31), "31 Dec 2026"),
    (date(2026, 5, 9), "9 May 2026"),
])
def test_dates(day: date, text: str) -> None:
    assert fmt_date(day) == text


def test_every_month_has_its_english_abbreviation() -> None:
    got = [fmt_date(date(2026, m, 1)).split()[1] for m in range(1, 13)]
    assert got == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                   "Nov", "Dec"]


def test_doses_answers_and_states() -> None:
    assert [fmt_mg(x) for x in (0.5, 1.5, 3.0, 4.5, 6)] == ["0.5 mg", "1.5 mg", "3 mg",
                                                           "4.5 mg", "6 mg"]
    assert [fmt_yes_no(x) for x in (True, False, None)] == ["yes", "no", "unknown"]
    assert fmt_trace_state("cannot_evaluate") == "cannot evaluate"
    assert fmt_trace_state("not_fired") == "not fired"
    assert fmt_trace_state("fired") == "fired"
    assert fmt_date_or(None) == "unknown"
    assert fmt_date_or(None, "not recorded") == "not recorded"
    assert fmt_value(None) == "unknown"
    assert fmt_value([]) == "[] (none)"
    assert fmt_value([True, None]) == "[yes, unknown]"
    assert fmt_value(date(2026, 3, 5)) == "2026-03-05"


def test_notes_use_the_same_functions() -> None:
    assert notes.fmt_date is fmt_date
    assert notes.fmt_mg is fmt_mg


@pytest.fixture
def german_time() -> Iterator[str | None]:
    """LC_TIME set to German in this process when the locale exists (restored after)."""
    saved = locale.setlocale(locale.LC_TIME)
    chosen = None
    for name in GERMAN:
        try:
            locale.setlocale(locale.LC_TIME, name)
        except locale.Error:
            continue
        chosen = name
        break
    try:
        yield chosen
    finally:
        locale.setlocale(locale.LC_TIME, saved)


def test_dates_do_not_depend_on_the_locale_in_process(german_time: str | None) -> None:
    if german_time is None:
        pytest.skip("no German locale installed (the subprocess test still runs)")
    assert date(2026, 3, 5).strftime("%b") == "Mär"  # the locale is really in force
    assert fmt_date(date(2026, 3, 5)) == "5 Mar 2026"
    assert fmt_date(date(2026, 5, 5)) == "5 May 2026"


def test_dates_do_not_depend_on_the_locale_in_a_subprocess() -> None:
    code = (
        "import locale; from datetime import date\n"
        "try:\n    locale.setlocale(locale.LC_ALL, '')\nexcept locale.Error:\n    pass\n"
        "from ldn_cds.core.formatting import fmt_date\n"
        "print(fmt_date(date(2026, 3, 5)), fmt_date(date(2026, 10, 1)))\n"
    )
    env = dict(os.environ, LC_ALL="de_DE.UTF-8", LANG="de_DE.UTF-8", LC_TIME="de_DE.UTF-8")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=True)
    assert done.stdout.split("\n")[0] == "5 Mar 2026 1 Oct 2026"
