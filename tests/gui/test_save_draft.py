"""A half-finished case is saved as a draft (issue 9): every typed value comes back, nothing
assesses it, and the command line names it in one line while the batch goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from ldn_cds.casefile import DRAFT_KEY, read_case
from ldn_cds.gui.main_window import MainWindow
from ldn_cds.resources import examples_dir

pytestmark = pytest.mark.gui


def _type(qtbot: Any, widget: Any, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def _save_with_keyboard(qtbot: Any, window: MainWindow, target: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+S; the file dialog (a native dialog) answers with ``target``."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "LDN case files (*.json)"))
    _ctrl_s(qtbot, window)


def _ctrl_s(qtbot: Any, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier)


def test_half_finished_case_saves_as_a_draft_and_reopens_intact(
    make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window()
    window.after_show(None)
    form = window.form
    _type(qtbot, form.name, "Ann Example")
    _type(qtbot, form.record_id, "MRN-77")
    _type(qtbot, form.dob, "1968-04")            # unfinished date
    _type(qtbot, form.duration, "fourteen")      # not a number
    form.flush()
    problems = window.controller.problems
    assert len(problems) >= 2
    assert window.controller.case is None
    target = tmp_path / "ann.json"
    _save_with_keyboard(qtbot, window, target, monkeypatch)

    saved = json.loads(target.read_text("utf-8"))
    assert saved[DRAFT_KEY] == 1
    assert saved["case"]["patient"]["date_of_birth"] == "1968-04"
    assert saved["case"]["pain"]["duration_months"] == "fourteen"
    assert len(saved["problems"]) == len(problems)
    assert not window.isWindowModified()
    assert window.draft_bar.isVisible()
    warning = window.draft_label.text()
    assert f"Saved as a draft:</b> {len(problems)} answers missing or invalid" in warning
    assert "cannot be assessed" in warning
    assert "Saved as a draft" in window.statusBar().currentMessage()
    assert "draft" in window.windowTitle()
    window.grab().save("/tmp/win-draft-warning.png")

    reopened = make_window()
    reopened.after_show(None)
    assert reopened.open_path(target)
    assert reopened.form.name.text() == "Ann Example"
    assert reopened.form.record_id.text() == "MRN-77"
    assert reopened.form.dob.text() == "1968-04"
    assert reopened.form.duration.text() == "fourteen"
    assert reopened.controller.data() == window.controller.data()
    assert reopened.draft_bar.isVisible()
    assert not reopened.isWindowModified()

    # finished: the next save writes a real case file and the warning goes
    _type(qtbot, reopened.form.dob, "1968-04-02")
    _type(qtbot, reopened.form.duration, "14")
    reopened.form.flush()
    assert reopened.controller.problems == []
    assert "still a draft" in reopened.draft_label.text()
    _ctrl_s(qtbot, reopened)
    case, errors = read_case(target)
    assert errors == []
    assert case.patient.name == "Ann Example"
    assert str(case.patient.date_of_birth) == "1968-04-02"
    assert not reopened.draft_bar.isVisible()
    assert "draft" not in reopened.windowTitle()


def test_assess_names_a_draft_in_one_line_and_goes_on(
    window: MainWindow, qtbot: Any, tmp_path: Path,
) -> None:
    _type(qtbot, window.form.duration, "a year or so")
    window.form.flush()
    draft = tmp_path / "draft.json"
    assert window.save_to(draft)
    jane = examples_dir() / "jane-doe.json"
    done = subprocess.run([sys.executable, "-m", "ldn_cds", "assess", str(draft), str(jane),
                           "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith(f"{draft}: a draft, not a finished case (1 answer missing or "
                                f"invalid)")
    assert "Traceback" not in done.stderr
    assert [json.loads(line)["file"] for line in done.stdout.splitlines()] == [str(jane)]


def test_a_newer_draft_format_is_refused_with_the_dialog(
    window: MainWindow, tmp_path: Path, modal_boxes: list[str],
) -> None:
    future = tmp_path / "future.json"
    future.write_text(json.dumps({DRAFT_KEY: 9, "case": {}}), "utf-8")
    before = window.controller.data()
    assert window.open_path(future) is False
    assert modal_boxes == ["future.json cannot be opened as a draft."]
    assert window.controller.data() == before
