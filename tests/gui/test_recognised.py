"""Each medicine entry shows what it was recognised as; unrecognised ones can be confirmed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ldn_cds.core.assessment import Verdict
from ldn_cds.gui.main_window import MainWindow


def _open(window: MainWindow, tmp_path: Path, example_files: list[Path],
          others: list[str]) -> None:
    jane = next(p for p in example_files if p.name == "jane-doe.json")
    data = json.loads(jane.read_text("utf-8"))
    data["other_medications"] = others
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), "utf-8")
    assert window.open_path(path)


def test_rows_and_other_medicines_show_what_they_were_recognised_as(
    window: MainWindow, tmp_path: Path, example_files: list[Path]
) -> None:
    _open(window, tmp_path, example_files, ["levothyroxine", "Tylenol #3 prn"])
    row = window.form.opioid_table.rows[0]
    assert row.recognised.isVisibleTo(window)  # a reserved line
    assert "Recognised as" in row.recognised.text()
    assert "oxycodone" in row.recognised.text().lower()
    view = window.form.other_meds_recognised
    assert view.isVisibleTo(window)
    texts = [label.text() for label in view.labels]
    assert len(texts) == 2
    assert "levothyroxine" in texts[0].lower()
    assert "not an opioid" in texts[0]
    assert "codeine" in texts[1]
    assert texts[1].startswith("⚠")  # an opioid among the other medicines is never ticked
    assert "contains an opioid" in texts[1]
    assert view.confirm_buttons == {}


def test_confirm_no_opioid_adds_the_entry_as_written(
    window: MainWindow, qtbot: Any, tmp_path: Path, example_files: list[Path]
) -> None:
    _open(window, tmp_path, example_files, ["levothyroxine", "Zorblax 10 mg"])
    result = window.controller.assessment
    assert result is not None
    assert result.verdict is Verdict.NEEDS_INFORMATION
    view = window.form.other_meds_recognised
    assert "not recognised" in view.labels[1].text()
    button = view.confirm_buttons["Zorblax 10 mg"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Zorblax 10 mg" in (
        window.controller.data().get("confirmed_not_opioids") or []), timeout=2000)
    assert window.form.confirmed.value() == ["Zorblax 10 mg"]
    result = window.controller.assessment
    assert result is not None
    assert result.verdict is not Verdict.NEEDS_INFORMATION
    qtbot.waitUntil(lambda: "you confirmed" in view.labels[1].text(), timeout=2000)
    assert view.confirm_buttons == {}


def test_a_label_is_never_shown_beside_an_entry_it_does_not_describe(
    window: MainWindow, tmp_path: Path, example_files: list[Path]
) -> None:
    _open(window, tmp_path, example_files, ["levothyroxine"])
    row = window.form.opioid_table.rows[0]
    row.drug.setCurrentText("morphine")  # typed, not yet assessed
    result = window.controller.assessment
    assert result is not None
    window.form.show_medicines(result.medicines)  # the older assessment (oxycodone)
    assert not row.recognised.text()


def test_ldn_and_confirmed_answers_reach_the_case(window: MainWindow) -> None:
    """They were collected by the form but dropped before the case (INTAKE_KEYS)."""
    window.on_new()
    window.form.ldn_status.set_value("current")
    window.form.confirmed.set_value(["Zorblax"])
    window.form.flush()
    data = window.controller.data()
    assert data["ldn"] == {"status": "current"}
    assert data["confirmed_not_opioids"] == ["Zorblax"]
