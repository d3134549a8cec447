"""Recovery drafts: one per open case, locked; another window never takes or deletes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from ldn_cds.gui.main_window import MainWindow


def _edit(window: MainWindow, name: str) -> None:
    window.form.name.setText(name)
    window.form.flush()
    window.write_draft()


def _drafts(folder: Path) -> list[Path]:
    return sorted(folder.glob("draft-*.json"))


def test_two_windows_keep_two_drafts_and_a_third_takes_neither(
    make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modal_boxes: list[str],
) -> None:
    first, second = make_window(), make_window()
    first.after_show(None)
    second.after_show(None)
    _edit(first, "Alice Able")
    _edit(second, "Bob Baker")
    folder = tmp_path / "appdata"
    drafts = _drafts(folder)
    assert len(drafts) == 2
    assert {p.name.split("-")[1] for p in drafts} == {"alice", "bob"}  # named after the case
    modal_boxes.clear()
    third = make_window()
    third.after_show(None)
    assert modal_boxes == []  # nothing offered: both drafts belong to open windows
    assert len(_drafts(folder)) == 2
    _edit(first, "Alice Able-Smith")  # still writes its own draft, not the other's
    assert second.draft_path is not None
    assert "Bob Baker" in second.draft_path.read_text("utf-8")


def test_the_same_case_open_in_two_windows_gets_two_drafts(
    make_window: Any, tmp_path: Path, example_files: list[Path]
) -> None:
    first, second = make_window(), make_window()
    for window in (first, second):
        window.after_show(None)
        window.open_path(example_files[0])
    _edit(first, "First Edit")
    _edit(second, "Second Edit")
    assert first.draft_path != second.draft_path
    assert first.draft_path is not None
    assert second.draft_path is not None
    assert "First Edit" in first.draft_path.read_text("utf-8")
    assert "Second Edit" in second.draft_path.read_text("utf-8")
    second.remove_draft()  # e.g. the second window saved: the first draft stays
    assert first.draft_path.is_file()


def test_a_crashed_window_draft_is_offered_by_patient_and_time_in_words(
    make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashed = make_window()
    crashed.after_show(None)
    _edit(crashed, "Cleo Cole")
    assert crashed.draft is not None
    crashed.draft.release()
    asked: list[str] = []

    def question(*args: Any, **kwargs: Any) -> Any:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    other = make_window()
    other.after_show(None)
    assert len(asked) == 1
    assert "the case of Cleo Cole" in asked[0]
    assert "today at" in asked[0]
    assert other.form.name.text() == "Cleo Cole"
    assert other.draft is not None
    assert other.draft.held  # restored and locked by the new window
    _edit(other, "Cleo Cole")
    assert len(_drafts(tmp_path / "appdata")) == 1


def test_a_declined_draft_is_removed_and_a_clean_close_removes_only_its_own(
    make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashed = make_window()
    crashed.after_show(None)
    _edit(crashed, "Dan Dole")
    assert crashed.draft is not None
    crashed.draft.release()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    other = make_window()
    other.after_show(None)
    assert _drafts(tmp_path / "appdata") == []
    keeper = make_window()
    keeper.after_show(None)
    _edit(keeper, "Eve Eads")
    _edit(other, "Fay Fox")
    other.controller.load_data({"schema_version": 1}, path=None, dirty=False)  # saved/closed
    remaining = _drafts(tmp_path / "appdata")
    assert len(remaining) == 1
    assert "Eve Eads" in remaining[0].read_text("utf-8")
