"""The case window records assessments and printed documents in the registry."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ldn_cds.store import open_registry

pytestmark = pytest.mark.gui


def _jane(example_files: list[Path]) -> Path:
    return next(p for p in example_files if p.name == "jane-doe.json")


def test_saved_pdfs_are_recorded_with_their_hash(window: Any, example_files: list[Path],
                                                 tmp_path: Path, private_registry: str) -> None:
    window.open_path(_jane(example_files))
    paths = window.save_pdfs(tmp_path / "out")
    assert len(paths) == 2
    with open_registry(private_registry) as reg:
        [patient] = reg.patients("MRN-1")
        [assessment] = reg.assessments(patient.id)
        assert assessment["verdict"] == window.controller.assessment.verdict.value
        with reg.engine.connect() as conn:
            from sqlalchemy import text

            rows = conn.execute(text("SELECT kind, sha256, path FROM documents "
                                     "ORDER BY kind")).all()
        assert reg.verify_audit().ok
    assert [r.kind for r in rows] == ["handout", "summary"]
    for row in rows:
        assert row.sha256 == hashlib.sha256(Path(row.path).read_bytes()).hexdigest()
    # saving again records the new documents, not a second copy of the same assessment
    window.save_pdfs(tmp_path / "again")
    with open_registry(private_registry) as reg:
        assert len(reg.assessments(patient.id)) == 1


def test_patients_menu_saves_and_ctrl_shift_r_opens_the_registry(
        qtbot: Any, window: Any, example_files: list[Path], private_registry: str) -> None:
    window.open_path(_jane(example_files))
    window.registry_link.act_save.trigger()
    assert "saved to the patient registry" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    registry_window = window.registry_link.registry_window
    assert registry_window is not None
    qtbot.addWidget(registry_window)
    assert registry_window.isVisible()
    names = [registry_window.patients.item(r, 0).text()
             for r in range(registry_window.patients.rowCount())]
    assert names == ["Jane Doe"]
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Patients" in menus


def test_a_registry_that_cannot_open_never_stops_the_pdfs(
        window: Any, example_files: list[Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, modal_boxes: list[str]) -> None:
    newer = tmp_path / "newer.sqlite3"
    with open_registry(f"sqlite:///{newer}"):
        pass
    import sqlite3

    con = sqlite3.connect(newer)
    con.execute("UPDATE ldn_meta SET value = '9'")
    con.commit()
    con.close()
    window.registry_link.url = f"sqlite:///{newer}"
    window.open_path(_jane(example_files))
    paths = window.save_pdfs(tmp_path / "out")
    assert len(paths) == 2
    assert all(p.is_file() for p in paths)
    assert "Patient registry" in modal_boxes  # the warning box (its title) was shown


def test_summary_gains_the_follow_up_section_once_visits_exist(
        window: Any, example_files: list[Path], private_registry: str) -> None:
    import io
    from datetime import timedelta

    import pypdf

    from ldn_cds.core.followup import FollowUp

    window.open_path(_jane(example_files))
    before = window._documents()
    summary_text = "".join(p.extract_text() for p in pypdf.PdfReader(
        io.BytesIO(before[1].data)).pages)
    assert "Follow-up on LDN" not in summary_text
    window.registry_link.act_save.trigger()
    plan = window.controller.assessment.dose_plan
    with open_registry(private_registry) as reg:
        pid = reg.patients("MRN-1")[0].id
        reg.add_followup(pid, FollowUp(on=plan.start_on + timedelta(days=30), dose_mg=3.0,
                                       pain_score=5))
    # printed a month after the start (the summary judges the response on the printing day)
    window.registry_link.today = lambda: plan.start_on + timedelta(days=31)
    after = window._documents()
    reader = pypdf.PdfReader(io.BytesIO(after[1].data))
    Path("/tmp/summary-followup.pdf").write_bytes(after[1].data)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Follow-up on LDN" in text
    assert "latest 5" in text
    assert len(reader.pages) == len(pypdf.PdfReader(io.BytesIO(before[1].data)).pages) + 1
