"""A case reopened on a later day says so and offers to reassess it today (issue 9)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from ldn_cds.gui.main_window import MainWindow
from tests.conftest import ON

LATER = ON + timedelta(days=9)


@pytest.fixture
def later_window(make_window: Any) -> MainWindow:
    window: MainWindow = make_window()
    window._today = lambda: LATER
    window.controller._today = lambda: LATER
    window.after_show(None)
    return window


def _jane(example_files: list[Path]) -> Path:
    return next(p for p in example_files if p.name == "jane-doe.json")


def test_reopened_case_from_an_earlier_day_says_so(
    later_window: MainWindow, example_files: list[Path]
) -> None:
    window = later_window
    window.open_path(_jane(example_files))
    assert window.earlier_bar.isVisibleTo(window)
    assert "9 days ago" in window.earlier_label.text()
    assert "2026" in window.earlier_label.text()
    window.reassess_button.click()
    case = window.controller.case
    assert case is not None
    assert case.assessed_on == LATER
    assert not window.earlier_bar.isVisibleTo(window)
    result = window.controller.assessment
    assert result is not None
    assert result.assessed_on == LATER


def test_a_case_of_today_shows_no_notice(window: MainWindow, example_files: list[Path]) -> None:
    window.open_path(_jane(example_files))
    assert not window.earlier_bar.isVisibleTo(window)
    window.on_new()
    assert not window.earlier_bar.isVisibleTo(window)


@pytest.mark.parametrize(
    ("answer", "printed", "assessed_on"),
    [(QMessageBox.StandardButton.Yes, True, LATER),
     (QMessageBox.StandardButton.No, True, ON),
     (QMessageBox.StandardButton.Cancel, False, ON)],
)
def test_printing_an_earlier_case_asks_first(
    later_window: MainWindow, example_files: list[Path], monkeypatch: pytest.MonkeyPatch,
    answer: Any, printed: bool, assessed_on: Any,
) -> None:
    window = later_window
    window.open_path(_jane(example_files))
    asked: list[str] = []

    def question(*args: Any, **kwargs: Any) -> Any:
        asked.append(str(args[2]))
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    documents = window._documents()
    assert len(asked) == 1
    assert "Reassess it as of today" in asked[0]
    assert (documents is not None) is printed
    case = window.controller.case
    assert case is not None
    assert case.assessed_on == assessed_on
