"""First run: the window asks once for the clinic's name and phone (issue 8), in a bar that
never blocks a case; "Later" is remembered; a test window never shows it unasked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.settings import load_settings
from ldn_cds.gui.widgets.dialogs import SettingsDialog

pytestmark = pytest.mark.gui


def _open_settings_dialog() -> SettingsDialog | None:
    """The settings dialog the window opened (visible), if it is open yet."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, SettingsDialog) and widget.isVisible():
            return widget
    return None


def test_test_windows_never_show_the_prompt_unasked(window: MainWindow) -> None:
    assert not window.clinic.has_contact_details()
    assert not window.clinic_bar.isVisible()


def test_later_is_remembered_and_the_case_stays_usable(
    make_window: Any, qtbot: Any, store: QSettings, example_files: list[Path],
) -> None:
    window = make_window()
    window.resize(1280, 800)
    window.after_show(None)
    assert window.offer_clinic_details() is True
    assert window.clinic_bar.isVisible()
    window.grab().save("/tmp/win-first-run-prompt.png")
    # the bar does not block: a case opens and the form takes typing
    assert window.open_path(example_files[0])
    qtbot.keyClicks(window.form.name, " Jr")
    window.form.flush()
    assert window.controller.data()["patient"]["name"].endswith(" Jr")
    qtbot.mouseClick(window.clinic_later, Qt.MouseButton.LeftButton)
    assert not window.clinic_bar.isVisible()
    assert "File → Settings" in window.statusBar().currentMessage()

    again = make_window(store)  # the next start, same settings
    again.after_show(None)
    assert again.offer_clinic_details() is False
    assert not again.clinic_bar.isVisible()


def test_entering_details_through_the_settings_dialog_ends_the_question(
    make_window: Any, qtbot: Any, store: QSettings,
) -> None:
    window = make_window()
    window.after_show(None)
    assert window.offer_clinic_details()
    filled: list[str] = []

    def fill_settings() -> None:
        dialog = _open_settings_dialog()
        if dialog is None:
            QTimer.singleShot(50, fill_settings)
            return
        try:
            qtbot.keyClicks(dialog.clinic_name, "Riverside Pain Clinic")
            qtbot.keyClicks(dialog.clinic_phone, "555-0100")
            filled.append(dialog.clinic_name.text())
            qtbot.keyClick(dialog.clinic_phone, Qt.Key.Key_Return)  # the default button: OK
        finally:
            if dialog.isVisible():  # never leave a modal dialog open: it would hang the run
                dialog.reject()

    QTimer.singleShot(50, fill_settings)
    qtbot.mouseClick(window.clinic_enter, Qt.MouseButton.LeftButton)
    assert filled == ["Riverside Pain Clinic"]
    assert not window.clinic_bar.isVisible()
    saved = load_settings(store)
    assert (saved.clinic_name, saved.clinic_phone) == ("Riverside Pain Clinic", "555-0100")
    assert make_window(store).offer_clinic_details() is False


def test_cancelled_dialog_keeps_the_question(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    window.after_show(None)
    assert window.offer_clinic_details()

    def cancel() -> None:
        dialog = _open_settings_dialog()
        if dialog is None:
            QTimer.singleShot(50, cancel)
            return
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(50, cancel)
    qtbot.mouseClick(window.clinic_enter, Qt.MouseButton.LeftButton)
    assert window.clinic_bar.isVisible()
