"""File -> Import FHIR bundle...: the report comes before the form is filled; the filled case
is new and unsaved, and every question the record did not answer stays "Not asked"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog

from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.widgets.fhir_report_dialog import FhirReportDialog

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
MORPHINE = DATA / "contained-morphine-er.json"


@pytest.fixture
def report_dialogs(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every report dialog shown, answered with ``answer`` (Accepted unless changed)."""
    shown: list[FhirReportDialog] = []
    state = {"answer": QDialog.DialogCode.Accepted}

    def run(dialog: FhirReportDialog) -> int:
        shown.append(dialog)
        return int(state["answer"].value)

    monkeypatch.setattr(FhirReportDialog, "exec", run)
    return shown, state


def choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(path), "FHIR bundles (*.json)"))


def test_the_file_menu_has_import_after_open(window: MainWindow) -> None:
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert texts.index("&Import FHIR bundle…") == texts.index("&Open…") + 1


def test_import_shows_the_report_then_fills_a_new_unsaved_case(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch, report_dialogs: Any) -> None:
    shown, _ = report_dialogs
    filled_before_report: list[Any] = []
    original = FhirReportDialog.exec

    def spy(dialog: FhirReportDialog) -> int:
        filled_before_report.append(window.form.name.value())
        return original(dialog)

    monkeypatch.setattr(FhirReportDialog, "exec", spy)
    choose(monkeypatch, MORPHINE)
    window.act_import_fhir.trigger()
    assert filled_before_report == [None]  # the report came first
    (dialog,) = shown
    rows = dialog.rows()
    assert ("Encounter", "e1", "not mapped",
            "Encounter resources are not read by the import") in rows
    assert any(r[0] == "MedicationRequest" and r[1] == "m12" and r[2] == "not mapped"
               for r in rows)
    assert "not known" in dialog.reminder.text()
    # the head says which items are in the form (with a caveat) and which are not
    caveats = sum(r[2] == "mapped, with a caveat" for r in rows)
    not_mapped = sum(r[2] == "not mapped" for r in rows)
    assert caveats
    assert not_mapped
    head = dialog.head.text()
    assert f"{not_mapped} items not mapped: <b>not in the form</b>" in head
    assert f"{caveats} item{'s' if caveats > 1 else ''} mapped with a caveat: <b>in the form" \
        in head
    # the form holds what the record holds
    form = window.form
    assert form.name.value() == "Sara Olsen"
    assert form.record_id.value() == "K-10"
    assert form.dob.value() == "1955-09-09"
    assert form.sex.value() == "female"
    assert form.opioid_status.value() == "current"
    (med,) = form.opioid_table.value() or []
    assert med["drug"] == "morphine sulfate 15 MG Extended Release Oral Tablet"
    assert med["daily_dose"] == 30
    # every safety question the bundle did not answer stays "Not asked"
    for field in (form.pregnant, form.hypersensitivity, form.liver, form.surgery):
        assert field.value() is None
        assert field.currentText() == "Not asked"
    # a new, unsaved case
    assert window.controller.path is None
    assert window.controller.dirty
    assert window.isWindowModified()


def test_cancel_leaves_the_form_as_it_was(window: MainWindow, monkeypatch: pytest.MonkeyPatch,
                                          report_dialogs: Any) -> None:
    shown, state = report_dialogs
    state["answer"] = QDialog.DialogCode.Rejected
    window.on_new()
    assert window.import_fhir_path(MORPHINE) is False
    assert len(shown) == 1
    assert window.form.name.value() is None
    assert not window.controller.dirty


@pytest.mark.parametrize("content", ["{not json", json.dumps({"resourceType": "Patient"})])
def test_a_bad_file_says_so_naming_the_file(window: MainWindow, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            modal_boxes: list[str], report_dialogs: Any,
                                            content: str) -> None:
    shown, _ = report_dialogs
    bad = tmp_path / "broken-bundle.json"
    bad.write_text(content, encoding="utf-8")
    choose(monkeypatch, bad)
    window.act_import_fhir.trigger()
    assert shown == []
    assert any("broken-bundle.json" in text for text in modal_boxes)
    assert window.form.name.value() is None


def test_the_window_does_not_load_the_fhir_code_at_start_up() -> None:
    code = ("import sys; import ldn_cds.gui.main_window; "
            "print(sorted(m for m in sys.modules if 'fhir' in m or m.startswith("
            "('reportlab', 'sqlalchemy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True, env={"QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"


def test_screenshots_of_the_report_and_the_filled_window(
        window: MainWindow, qtbot: Any, report_dialogs: Any) -> None:
    shown, _ = report_dialogs
    window.resize(1280, 860)
    assert window.import_fhir_path(MORPHINE)
    (dialog,) = shown
    dialog.show()
    qtbot.wait(50)
    assert dialog.grab().save("/tmp/fhir-report-dialog.png")
    dialog.close()
    qtbot.wait(200)
    assert window.grab().save("/tmp/fhir-filled-window.png")


def test_a_problem_list_fills_the_history_and_every_imported_answer_is_shown_and_kept(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch, report_dialogs: Any) -> None:
    """Found under Xvfb: Hashimoto's from the record was hidden (its row showed only after
    "on levothyroxine: Yes") and dropped from the case at the first edit."""
    choose(monkeypatch, DATA / "problem-list-safety-history.json")
    window.act_import_fhir.trigger()
    form = window.form
    assert form.oud.value() == "remission"
    assert form.renal.value() == "severe"
    assert form.depression.value() is True
    assert form.thyroid.value() is None  # levothyroxine: not in the record
    assert form.thyroid_cause.value() == "hashimoto"
    assert form.thyroid_cause.isVisibleTo(form)
    form.surgery.buttons[False].click()  # any edit
    form.flush()
    assert form.collect()["history"]["hypothyroidism_cause"] == "hashimoto"
    assert window.controller.data()["history"]["hypothyroidism_cause"] == "hashimoto"
    # the history rows a physician reads as answered come with "confirm"
    (dialog,) = report_dialogs[0]
    assert any(r[1] == "h1" and "answered from the record (confirm" in r[3]
               for r in dialog.rows())


def test_an_incomplete_record_is_said_in_the_report_and_stays_in_the_window(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch, report_dialogs: Any) -> None:
    """Found under Xvfb: "the search has more pages" was one grey row, and once the form was
    filled nothing said the medicine list might be incomplete."""
    shown, _ = report_dialogs
    choose(monkeypatch, DATA / "ldn-stopped-paged-search.json")
    window.act_import_fhir.trigger()
    (dialog,) = shown
    assert not dialog.incomplete.isHidden()
    assert "more pages" in dialog.incomplete.text()
    assert window.form.ldn_status.value() == "stopped"
    assert not window.import_bar.isHidden()
    assert "The record may be incomplete" in window.import_label.text()
    assert "more pages" in window.import_label.text()
    window.import_report_button.click()  # the report again, to read
    assert len(shown) == 2
    assert shown[1].fill_button.text() == "Close"
    window.import_dismiss.click()
    assert window.import_bar.isHidden()


def test_a_complete_import_has_no_incomplete_warning_and_a_new_case_hides_the_bar(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch, report_dialogs: Any) -> None:
    shown, _ = report_dialogs
    choose(monkeypatch, MORPHINE)
    window.act_import_fhir.trigger()
    assert shown[0].incomplete.isHidden()
    assert not window.import_bar.isHidden()
    assert "may be incomplete" not in window.import_label.text()
    bar = window.form.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert bar.value() > 0  # the form is taller than the window
    monkeypatch.setattr(window, "maybe_save", lambda: True)
    window.on_new()
    assert window.import_bar.isHidden()
    assert bar.value() == 0


def test_a_hospital_dose_reads_as_words_in_the_washout_line(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch, report_dialogs: Any) -> None:
    """Found under Xvfb: "last dose —, ..., ends — — assumed"."""
    choose(monkeypatch, DATA / "hospital-morphine-administration.json")
    window.act_import_fhir.trigger()
    window.form.flush()
    text = window.panel.washout_label.text()
    assert "morphine sulfate 4 mg/mL injection" in text
    assert "release not stated: the longer washout assumed" in text
    assert "last dose not recorded" in text
    assert "end not known without the last dose" in text
    assert "—" not in text
