"""GUI fixtures: a main window with its settings and recovery draft in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.main_window import MainWindow
from tests.conftest import ON


@pytest.fixture
def store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot: Any, tmp_path: Path, store: QSettings, ruleset: RuleSet) -> Any:
    """make_window() -> a shown MainWindow (fixed clock ON, temporary settings and draft)."""
    windows: list[MainWindow] = []

    def build(settings: QSettings | None = None) -> MainWindow:
        window = MainWindow(ruleset=ruleset, settings=settings or store,
                            draft_dir=tmp_path / "appdata", today=lambda: ON)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield build
    for window in windows:
        window.controller.load_data({"schema_version": 1}, path=None, dirty=False)


@pytest.fixture
def window(make_window: Any) -> Iterator[MainWindow]:
    win = make_window()
    win.after_show(None)
    return win


@pytest.fixture(autouse=True)
def modal_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A modal box left open would hang the suite: answer every one, and record it."""
    from PySide6.QtWidgets import QMessageBox

    seen: list[str] = []

    def question(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        seen.append(str(args[1]))
        return QMessageBox.StandardButton.Discard

    def message(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        seen.append(str(args[1]))
        return QMessageBox.StandardButton.Ok

    def run(box: QMessageBox) -> int:
        seen.append(box.text())
        return 0

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "information", message)
    monkeypatch.setattr(QMessageBox, "warning", message)
    monkeypatch.setattr(QMessageBox, "critical", message)
    monkeypatch.setattr(QMessageBox, "exec", run)
    return seen
