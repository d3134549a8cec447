"""Medicine names complete from the rule set's vocabulary, showing what each is; the popup
never replaces what was typed without a choice."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit

from ldn_cds.gui.main_window import MainWindow


def _popup(completer: QCompleter | None) -> QAbstractItemView:
    assert completer is not None
    popup = completer.popup()
    assert popup is not None
    return popup


def _shown(completer: QCompleter | None) -> list[str]:
    popup = _popup(completer)
    model = popup.model()
    return [str(model.index(i, 0).data()) for i in range(model.rowCount())]


def _drug_edit(window: MainWindow, qtbot: Any) -> tuple[Any, QLineEdit]:
    window.on_new()
    qtbot.mouseClick(window.form.opioid_table.add_button, Qt.MouseButton.LeftButton)
    row = window.form.opioid_table.rows[0]
    edit = row.drug.lineEdit()
    assert edit is not None
    return row, edit


def test_an_opioid_row_completes_brands_and_says_what_each_is(
    window: MainWindow, qtbot: Any,
) -> None:
    row, edit = _drug_edit(window, qtbot)
    qtbot.keyClicks(edit, "norc")
    completer = edit.completer()
    qtbot.waitUntil(lambda: _popup(completer).isVisible(), timeout=2000)
    shown = _shown(completer)
    assert any(s.startswith("Norco: hydrocodone + acetaminophen") for s in shown), shown
    assert edit.text() == "norc"  # nothing filled in for the user
    assert not _popup(completer).currentIndex().isValid()
    index = next(i for i, s in enumerate(shown) if s.startswith("Norco:"))
    for _ in range(index + 1):
        qtbot.keyClick(_popup(completer), Qt.Key.Key_Down)
    qtbot.keyClick(_popup(completer), Qt.Key.Key_Return)
    assert row.drug.currentText() == "Norco"
    window.form.flush()
    qtbot.waitUntil(lambda: "hydrocodone" in row.recognised.text(), timeout=2000)
    assert row.recognised.text().startswith("✓ Recognised as")


def test_typed_text_is_kept_when_the_user_moves_on_without_a_choice(
    window: MainWindow, qtbot: Any,
) -> None:
    row, edit = _drug_edit(window, qtbot)
    qtbot.keyClicks(edit, "oxy")
    qtbot.keyClick(_popup(edit.completer()), Qt.Key.Key_Escape)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert row.drug.currentText() == "oxy"  # never silently "oxycodone" or "OxyContin"
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert row.drug.currentText() == "oxy"


def test_only_opioids_are_offered_in_an_opioid_row(window: MainWindow, qtbot: Any) -> None:
    _row, edit = _drug_edit(window, qtbot)
    qtbot.keyClicks(edit, "levothyrox")
    assert _shown(edit.completer()) == [] or not _popup(edit.completer()).isVisible()


def test_other_medicines_complete_each_entry_of_the_list(window: MainWindow,
                                                         qtbot: Any) -> None:
    window.on_new()
    field = window.form.other_meds
    field.edit.setFocus()
    qtbot.keyClicks(field.edit, "sertraline, levothyrox")
    completer = field.edit.completer()
    qtbot.waitUntil(lambda: _popup(completer).isVisible(), timeout=2000)
    shown = _shown(completer)
    assert shown[0] == "levothyroxine (not an opioid)", shown
    assert field.edit.text() == "sertraline, levothyrox"
    qtbot.keyClick(_popup(completer), Qt.Key.Key_Down)
    qtbot.keyClick(_popup(completer), Qt.Key.Key_Return)
    assert field.edit.text() == "sertraline, levothyroxine"
    assert window.form.collect()["other_medications"] == ["sertraline", "levothyroxine"]
    window.form.flush()
    labels = [label.text() for label in window.form.other_meds_recognised.labels]
    assert len(labels) == 2
    assert all("not an opioid" in text for text in labels), labels
