"""Dates: a calendar, ISO and the locale's order typed, age beside the birth date, no default.

An ambiguous typed date is read in the locale's order and the reading is shown in words
beside the field; a date valid only the other way round is an error, never swapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt

from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.widgets.fields import DateField


@pytest.fixture
def us_locale() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def uk_locale() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(previous)


def _dob_line(window: MainWindow) -> str:
    return window.form._boxes["patient.date_of_birth"].error.text()


def test_us_date_is_read_month_first_and_says_so(us_locale: None, window: MainWindow,
                                                 qtbot: Any) -> None:
    window.on_new()
    form = window.form
    assert form.dob.placeholderText() == "MM/DD/YYYY"
    qtbot.keyClicks(form.dob, "04/02/1968")
    assert form.collect()["patient"]["date_of_birth"] == "1968-04-02"
    assert _dob_line(window) == "read as 2 April 1968 (MM/DD/YYYY)"
    form.flush()
    qtbot.waitUntil(lambda: "age 58" in form.age_label.text(), timeout=2000)


def test_the_same_keys_in_a_uk_locale_are_day_first(uk_locale: None, window: MainWindow,
                                                    qtbot: Any) -> None:
    window.on_new()
    form = window.form
    qtbot.keyClicks(form.dob, "04/02/1968")
    assert form.collect()["patient"]["date_of_birth"] == "1968-02-04"
    assert _dob_line(window) == "read as 4 February 1968 (DD/MM/YYYY)"


def test_a_date_valid_only_the_other_way_round_is_never_swapped(
    us_locale: None, window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    form = window.form
    qtbot.keyClicks(form.dob, "13/04/1968")
    assert form.collect()["patient"]["date_of_birth"] == "13/04/1968"  # passed on as typed
    form.flush()
    assert window.controller.case is None  # not assessed with a guessed date
    assert "13/04/1968 is not a date in MM/DD/YYYY" in _dob_line(window)
    assert "if you meant 13 April 1968, type 1968-04-13" in _dob_line(window)


def test_iso_is_accepted_in_any_locale_without_a_note(us_locale: None, window: MainWindow,
                                                      qtbot: Any) -> None:
    window.on_new()
    qtbot.keyClicks(window.form.dob, "1968-04-02")
    assert window.form.collect()["patient"]["date_of_birth"] == "1968-04-02"
    assert _dob_line(window) == ""


def test_the_calendar_picks_a_date_and_escape_leaves_it_unknown(
    window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    field: DateField = window.form.dob
    assert field.value() is None  # no default date, not today
    field.calendar_action.trigger()
    calendar = field.calendar
    assert calendar is not None
    qtbot.waitUntil(calendar.isVisible, timeout=1000)
    qtbot.keyClick(calendar, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not calendar.isVisible(), timeout=1000)
    assert field.value() is None
    assert "date_of_birth" not in window.form.collect().get("patient", {})
    field.setText("1968-04-02")
    field.calendar_action.trigger()
    assert calendar.selectedDate().toString(Qt.DateFormat.ISODate) == "1968-04-02"
    qtbot.keyClick(calendar.focusWidget() or calendar, Qt.Key.Key_Right)  # the next day
    qtbot.keyClick(calendar.focusWidget() or calendar, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: field.text() == "1968-04-03", timeout=1000)
    assert window.form.collect()["patient"]["date_of_birth"] == "1968-04-03"


def test_the_patch_row_asks_for_the_date_the_last_patch_was_removed(
    window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    qtbot.mouseClick(window.form.opioid_table.add_button, Qt.MouseButton.LeftButton)
    row = window.form.opioid_table.rows[0]
    assert row.last.placeholderText() == "last dose date"
    row.release.set_value("transdermal")
    assert row.last.placeholderText() == "date the last patch was removed"
    assert row.last.accessibleName() == "Opioid 1: date the last patch was removed"
    row.release.set_value("depot")
    assert row.last.placeholderText() == "date of the last injection"
