"""The window's files: owner-only and atomic; a file that cannot be opened shows the dialog."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from ldn_cds.gui.main_window import MainWindow


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_saved_case_and_recovery_draft_are_owner_only(
    window: MainWindow, tmp_path: Path, example_files: list[Path]
) -> None:
    window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))
    target = tmp_path / "saved" / "jane.json"
    assert window.save_to(target)
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
    window.form.name.setText("Jane Q. Doe")
    window.form.flush()
    window.write_draft()
    assert _mode(window.draft_path) == 0o600
    assert _mode(window.draft_path.parent) == 0o700
    assert not [p for p in window.draft_path.parent.iterdir() if p.name.endswith(".tmp")]


def test_unopenable_files_show_the_dialog_and_change_nothing(
    window: MainWindow, tmp_path: Path, modal_boxes: list[str], example_files: list[Path]
) -> None:
    jane = next(p for p in example_files if p.name == "jane-doe.json")
    window.open_path(jane)
    before = window.controller.data()
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    dup = tmp_path / "dup.json"
    dup.write_text(jane.read_text("utf-8").replace(
        '"liver": "none"', '"liver": "acute_hepatitis", "liver": "none"'), "utf-8")
    for path in (fifo, dup, Path("/dev/zero")):
        modal_boxes.clear()
        assert window.open_path(path) is False
        assert len(modal_boxes) == 1, path
        assert window.controller.data() == before
        assert window.controller.path == jane


def test_opening_twice_the_same_name_does_not_keep_a_temporary(
    window: MainWindow, tmp_path: Path, qtbot: Any, example_files: list[Path]
) -> None:
    window.open_path(example_files[0])
    target = tmp_path / "case.json"
    assert window.save_to(target)
    assert window.save_to(target)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")
            or p.name.endswith(".tmp")] == []


def test_recent_files_are_stored_as_absolute_paths(
    window: MainWindow, tmp_path: Path, example_files: list[Path],
    monkeypatch: Any,
) -> None:
    target = tmp_path / "rel" / "case.json"
    window.open_path(example_files[0])
    monkeypatch.chdir(tmp_path)
    assert window.save_to(Path("rel/case.json"))
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts[0] == str(target)


def test_saving_over_a_read_only_file_asks_first(
    window: MainWindow, tmp_path: Path, example_files: list[Path], modal_boxes: list[str],
    monkeypatch: Any,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    window.open_path(example_files[0])
    target = tmp_path / "locked.json"
    target.write_text("{}", "utf-8")
    target.chmod(0o444)
    modal_boxes.clear()
    assert window.save_to(target) is False  # the fixture answers anything but Yes
    assert modal_boxes == ["Replace a read-only file?"]
    assert target.read_text("utf-8") == "{}"
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.save_to(target) is True
    assert target.read_text("utf-8") != "{}"


def test_save_pdfs_never_silently_replaces_existing_ones(
    window: MainWindow, tmp_path: Path, example_files: list[Path], modal_boxes: list[str],
) -> None:
    window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))
    first = window.save_pdfs(tmp_path)
    assert len(first) == 2
    other_patient = first[0].read_bytes()
    first[0].write_bytes(b"another patient's summary")
    modal_boxes.clear()
    assert window.save_pdfs(tmp_path) == []
    assert modal_boxes == ["Replace existing PDFs?"]
    assert first[0].read_bytes() == b"another patient's summary"
    assert other_patient
