"""Errors in the words of the clinic, beside their field, all at once (issue 9)."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt

from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.messages import clinic_words, row_message
from ldn_cds.gui.widgets.fields import ErrorLabel

RAW_PATH = re.compile(r"\b(patient|pain|opioids|history|plan|ldn)\.[a-z_]+|\[\d+\]|"
                      r"last_dose_on|daily_dose|Input should")


def _shown_errors(window: MainWindow) -> list[str]:
    return [label.text() for label in window.findChildren(ErrorLabel)
            if label.isVisibleTo(window) and label.text()]


def test_add_opioid_shows_no_error_before_anything_is_typed(
    window: MainWindow, qtbot: Any
) -> None:
    window.on_new()
    before = window.controller.data()
    qtbot.mouseClick(window.form.opioid_table.add_button, Qt.MouseButton.LeftButton)
    window.form.flush()
    assert _shown_errors(window) == []
    assert window.controller.problems == []
    assert window.controller.data() == before  # a blank row is not part of the case
    row = window.form.opioid_table.rows[0]
    row.drug.setCurrentText("oxycodone")
    window.form.flush()
    assert window.controller.data()["opioids"]["medications"] == [{"drug": "oxycodone"}]


def test_every_problem_is_shown_at_once_in_clinic_words_without_field_paths(
    window: MainWindow, qtbot: Any
) -> None:
    window.on_new()
    form = window.form
    form.dob.setText("1968-0")
    form.duration.setText("fourteen")
    form.opioid_status.set_value("stopped")
    table = form.opioid_table
    qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
    first, second = table.rows
    second.drug.setCurrentText("oxycodone")  # the first row stays blank: no error for it
    second.dose.setText("a lot")
    second.last.setText("2026-13-01")
    window.plan_view.target.setText("three")
    form.flush()
    window.plan_view.flush()
    problems = window.controller.problems
    assert len(problems) >= 5  # every problem, not the first one only
    shown = _shown_errors(window)
    text = "\n".join(shown)
    assert not RAW_PATH.search(text), text
    assert not first.error.text()  # its line is reserved, and empty
    assert second.error.isVisibleTo(window)
    assert "Daily dose: Enter a number" in second.error.text()
    assert "Last dose date:" in second.error.text()
    assert "calendar date" in second.error.text()
    assert "whole number" in form._boxes["pain.duration_months"].error.text()
    assert "YYYY-MM-DD" in form._boxes["patient.date_of_birth"].error.text()
    assert "Enter a number" in window.plan_view._boxes["plan.target_mg"].error.text()


def test_clinic_words() -> None:
    assert clinic_words("Input should be a valid integer, unable to parse string") == \
        "Enter a whole number, e.g. 14"
    assert clinic_words("Input should be greater than or equal to 0") == "Must be 0 or more"
    assert row_message("last_dose_on", "required field is missing") == \
        "Last dose date: Required: fill this in"
    kept = "'2026-13-01' is not a real calendar date (YYYY-MM-DD)"
    assert clinic_words(kept) == kept
