"""Errors appear beside their field, in clinic words, without moving any other field.

A message that pushed the form down used to move the next click onto another field
(issue 9).  Every field's error line is reserved: the geometry of every input is recorded
before and after the errors appear, and must not change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QWidget

from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.widgets.fields import ErrorLabel
from tests.gui.test_messages import RAW_PATH


def _geometry(window: MainWindow) -> dict[str, QRect]:
    form = window.form
    inner = form._inner
    out = {}
    for widget in inner.findChildren(QWidget):
        if not isinstance(widget, QLineEdit | QComboBox | QAbstractButton):
            continue
        if not widget.isVisibleTo(inner) or not widget.accessibleName():
            continue
        top_left = widget.mapTo(inner, widget.rect().topLeft())
        out[widget.accessibleName()] = QRect(top_left, widget.size())
    return out


def _settled(window: MainWindow, qtbot: Any) -> dict[str, QRect]:
    """The geometry once layout and styling have finished (two readings agree)."""
    previous = _geometry(window)
    for _ in range(50):
        qtbot.wait(20)
        current = _geometry(window)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the form's layout never settled")


def _jane(window: MainWindow, example_files: list[Path]) -> None:
    assert window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))


def _retype(qtbot: Any, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def test_errors_appear_all_at_once_and_move_no_field(
    window: MainWindow, qtbot: Any, example_files: list[Path],
) -> None:
    _jane(window, example_files)
    form = window.form
    form.flush()
    before = _settled(window, qtbot)
    assert len(before) > 40
    _retype(qtbot, form.duration, "fourteen")
    _retype(qtbot, form.dob, "1968-02-31")
    row = form.opioid_table.rows[0]
    _retype(qtbot, row.dose, "a lot")
    form.flush()
    after = _settled(window, qtbot)
    shown = {label.text() for label in window.findChildren(ErrorLabel) if label.text()}
    assert any("whole number" in text for text in shown)
    assert any("calendar date" in text for text in shown)
    assert any(text.startswith("⚠ Daily dose: Enter a number") for text in shown)
    moved = {name: (before[name], rect) for name, rect in after.items()
             if name in before and before[name] != rect}
    assert moved == {}


def test_a_date_after_the_assessment_is_shown_beside_the_row_without_field_paths(
    window: MainWindow, qtbot: Any, example_files: list[Path],
) -> None:
    _jane(window, example_files)
    form = window.form
    row = form.opioid_table.rows[0]
    _retype(qtbot, row.last, "2026-12-01")
    _retype(qtbot, form.ldn_last, "")
    form.flush()
    text = row.error.text()
    assert "Last dose date: 2026-12-01 is after the assessment date" in text
    assert "cannot be in the future" in text
    assert not RAW_PATH.search(text), text
    assert not form.top_error.text()
    _retype(qtbot, form.dob, "2027-01-01")
    form.flush()
    dob_error = form._boxes["patient.date_of_birth"].error.text()
    assert "date of birth is after the assessment date" in dob_error
    assert not RAW_PATH.search(dob_error)


def test_add_opioid_then_typing_shows_errors_only_for_what_was_typed(
    window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    table = window.form.opioid_table
    qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
    window.form.flush()
    row = table.rows[0]
    assert row.error.text() == ""
    assert row.recognised.text() == ""
    qtbot.keyClicks(row.dose, "20")  # a dose without a drug: now there is something to say
    window.form.flush()
    assert "Drug" in row.error.text()
