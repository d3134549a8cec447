"""The main window follows the core: same verdicts, live updates, overrides, case files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ldn_cds.casefile import assess_file
from ldn_cds.core.assessment import Verdict, assess
from ldn_cds.core.models import parse_case
from ldn_cds.core.rulecheck import example_case
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.widgets.fields import YesNoField
from tests.conftest import ON, load_example

pytestmark = pytest.mark.gui


def _rule_examples(ruleset: RuleSet) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for rule in ruleset.rules:
        for i, patch in enumerate(rule.examples.fires[:1] + rule.examples.cannot_evaluate[:1]):
            out.append((f"{rule.id}-{i}", example_case(ruleset, patch)))
    return out


def test_open_example_gives_the_cli_verdict(window: MainWindow, example_files: list[Path],
                                            ruleset: RuleSet) -> None:
    assert example_files
    for path in example_files:
        assert window.open_path(path)
        _case, expected, problems = assess_file(path, ruleset, None)
        assert not problems
        result = window.controller.assessment
        assert result is not None
        assert result.verdict is expected.verdict
        assert result.earliest_start_on == expected.earliest_start_on
        assert window.panel.banner.verdict is expected.verdict
        assert window.panel.banner.title.text() == expected.verdict_text
        assert len(window.panel.cards) == len(expected.findings)


def test_every_example_round_trips_through_the_widgets(window: MainWindow,
                                                       example_files: list[Path]) -> None:
    """Open, then re-read every field from the widgets: the same case comes back."""
    for path in example_files:
        assert window.open_path(path), path
        window.form.flush()
        window.plan_view.flush()
        assert window.controller.problems == [], path
        assert window.controller.case == load_example(path), path
        assert not window.controller.dirty, path


def test_rule_example_cases_give_the_core_verdict(window: MainWindow, ruleset: RuleSet,
                                                  qtbot: Any) -> None:
    """Each case is loaded into the form, then re-read from the widgets and re-assessed."""
    examples = _rule_examples(ruleset)
    assert len(examples) >= 10
    verdicts = set()
    for name, data in examples:
        case = parse_case(data)
        expected = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
        window.controller.load_data(data, path=None, dirty=False)
        # round trip through the widgets: what the form shows is what is assessed
        window.form.flush()
        window.plan_view.flush()
        result = window.controller.assessment
        assert window.controller.problems == [], name
        assert result is not None, name
        assert result.verdict is expected.verdict, name
        assert [f.rule_id for f in result.findings] == [f.rule_id for f in expected.findings]
        verdicts.add(result.verdict)
    assert len(verdicts) >= 4


def _pick(combo: Any, value: Any) -> None:
    if isinstance(combo, YesNoField):  # segmented buttons: click the answer
        combo.buttons[value].click()
        assert combo.value() is value
        return
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def test_filling_the_widgets_by_hand_gives_the_cli_verdict(
    window: MainWindow, qtbot: Any, example_files: list[Path], ruleset: RuleSet
) -> None:
    path = next(p for p in example_files if p.name == "jane-doe.json")
    _case, expected, _ = assess_file(path, ruleset, None)
    window.on_new()
    form = window.form
    form.assessed_on.clear()
    qtbot.keyClicks(form.assessed_on, "2026-11-23")
    qtbot.keyClicks(form.name, "Jane Doe")
    qtbot.keyClicks(form.record_id, "MRN-1")
    qtbot.keyClicks(form.dob, "1968-04-02")
    _pick(form.sex, "female")
    _pick(form.pregnant, False)
    _pick(form.breastfeeding, False)
    qtbot.mouseClick(form.pain_types.boxes["neuropathic"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(form.conditions.search, "diabetic_neuropathy")
    qtbot.keyClick(form.conditions.search, Qt.Key.Key_Return)  # an exact name: no choice needed
    qtbot.keyClicks(form.duration, "14")
    _pick(form.score, 7)
    _pick(form.opioid_status, "stopped")
    qtbot.mouseClick(form.opioid_table.add_button, Qt.MouseButton.LeftButton)
    row = form.opioid_table.rows[0]
    row.drug.setCurrentText("oxycodone")
    _pick(row.release, "immediate")
    qtbot.keyClicks(row.dose, "20")
    _pick(row.unit, "mg/day")
    qtbot.keyClicks(row.last, "2026-11-10")
    assert row.mme.text() == "30"  # MME as typed, from the core's factor table
    for field, value in ((form.hypersensitivity, False), (form.liver, "none"),
                         (form.renal, "none"), (form.oud, "none"), (form.surgery, False),
                         (form.thyroid, False), (form.immuno, False), (form.depression, False),
                         (form.suicidal, False)):
        _pick(field, value)
    _pick(form.other_meds.mode, "listed")
    qtbot.keyClicks(form.other_meds.edit, "levothyroxine")
    form.flush()
    result = window.controller.assessment
    assert window.controller.problems == []
    assert result is not None
    assert result.verdict is expected.verdict
    assert result.mme_per_day == expected.mme_per_day
    assert window.controller.case == parse_case(
        json.loads(path.read_text(encoding="utf-8")))


def test_editing_a_field_updates_the_banner(window: MainWindow, qtbot: Any,
                                            example_files: list[Path]) -> None:
    window.open_path(example_files[0])
    assert window.panel.banner.verdict is not Verdict.CONTRAINDICATED
    _pick(window.form.hypersensitivity, True)
    qtbot.waitUntil(lambda: window.panel.banner.verdict is Verdict.CONTRAINDICATED,
                    timeout=2000)
    assert "do not start" in window.panel.banner.title.text().lower()
    assert window.panel.banner.tag.text()  # words, not only colour
    assert window.isWindowModified()


def test_unknown_safety_answers_list_missing_information(window: MainWindow, qtbot: Any) -> None:
    window.on_new()
    result = window.controller.assessment
    assert result is not None
    assert result.verdict is Verdict.NEEDS_INFORMATION
    assert window.panel.missing_list.count() == len(result.missing_information) > 0
    # every safety question defaults to "Not asked"
    for field in (window.form.sex, window.form.pregnant, window.form.hypersensitivity,
                  window.form.liver, window.form.opioid_status, window.form.surgery):
        assert field.value() is None
        assert field.currentText() == "Not asked"
    assert window.form.dob.value() is None
    # selecting a question focuses its field
    items = [window.panel.missing_list.item(i) for i in range(window.panel.missing_list.count())]
    item = next(i for i in items
                if i.data(Qt.ItemDataRole.UserRole) == "history.naltrexone_hypersensitivity")
    window.activateWindow()
    window.panel.missing_list.itemClicked.emit(item)
    assert window.form.hypersensitivity.hasFocus() or \
        window.focusWidget() is window.form.hypersensitivity
    age = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == "patient.age_years")
    window.panel.missing_list.itemClicked.emit(age)
    assert window.focusWidget() is window.form.dob


def test_pregnancy_questions_hidden_for_male(window: MainWindow) -> None:
    form = window.form
    window.on_new()
    assert form.pregnant.isVisibleTo(window)
    _pick(form.sex, "male")
    assert not form.pregnant.isVisibleTo(window)
    assert not form.breastfeeding.isVisibleTo(window)
    assert "pregnant" not in form.collect().get("patient", {})
    _pick(form.sex, "other")
    assert form.pregnant.isVisibleTo(window)


def test_invalid_input_is_shown_inline_and_never_assessed(window: MainWindow, qtbot: Any,
                                                          example_files: list[Path]) -> None:
    window.open_path(example_files[0])
    before = window.controller.assessment
    window.form.dob.setText("1968-02-31")
    window.form.flush()
    assert window.controller.case is None
    assert window.controller.assessment is before  # nothing invalid reached the core
    error = window.form._boxes["patient.date_of_birth"].error
    assert error.isVisibleTo(window)  # its line is reserved: visible, empty without a problem
    assert "calendar date" in error.text()
    assert "Cannot assess" in window.panel.banner.title.text()
    window.form.dob.setText("1968-02-28")
    window.form.flush()
    assert not error.text()
    assert window.controller.assessment is not before


def test_opioid_row_errors_beside_the_row(window: MainWindow, qtbot: Any) -> None:
    window.on_new()
    table = window.form.opioid_table
    qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
    row = table.rows[0]
    row.drug.setCurrentText("fentanyl")
    _pick(row.release, "transdermal")
    row.dose.setText("25")
    _pick(row.unit, "mg/day")
    window.form.flush()
    assert row.error.isVisibleTo(window)
    assert "mcg/h" in row.error.text()
    _pick(row.unit, "mcg/h")
    window.form.flush()
    assert not row.error.text()
    assert row.mme.text() not in ("—", "")
    qtbot.mouseClick(row.remove, Qt.MouseButton.LeftButton)
    assert table.rows == []


def test_plan_pickers_write_the_case_plan(window: MainWindow, example_files: list[Path],
                                          ruleset: RuleSet) -> None:
    window.open_path(example_files[0])
    view = window.plan_view
    _pick(view.protocol, "standard")
    _pick(view.form, "capsule")
    view.maintenance.setText("60")
    view.flush()
    case = window.controller.case
    assert case is not None
    assert case.plan.protocol == "standard"
    assert case.plan.form is not None
    assert case.plan.form.value == "capsule"
    assert case.plan.maintenance_days == 60
    plan = window.controller.assessment.dose_plan  # type: ignore[union-attr]
    assert plan is not None
    assert plan.protocol_id == "standard"
    assert view.steps.rowCount() == len(plan.steps)
    # an impossible choice is shown inline, never a crash
    view.target.setText("9")
    view.flush()
    assert window.controller.dosing_error
    assert not view.error.isHidden()


def test_override_round_trips_through_save_and_open(
    window: MainWindow, make_window: Any, tmp_path: Path, example_files: list[Path],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    window.open_path(example_files[0])
    result = window.controller.assessment
    assert result is not None
    assert result.findings
    finding = result.findings[0]
    reason = finding.override_reasons[0].code if finding.override_reasons else "acknowledged"

    def fake_exec(dialog: Any) -> int:
        dialog.reason.setCurrentIndex(dialog.reason.findData(reason))
        dialog.comment.setPlainText("Discussed with the patient")
        dialog.by.setText("Dr Test")
        return 1

    from ldn_cds.gui.widgets.dialogs import OverrideDialog

    monkeypatch.setattr(OverrideDialog, "exec", fake_exec)
    card = window.panel.card_for(finding.rule_id)
    assert card is not None
    card.override_button.click()
    card = window.panel.card_for(finding.rule_id)
    assert card is not None
    assert card.finding.override is not None
    assert "Discussed with the patient" in card.override_label.text()
    target = tmp_path / "saved.json"
    assert window.save_to(target)
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert saved["overrides"][0]["rule_id"] == finding.rule_id
    assert saved["overrides"][0]["reason_code"] == reason
    assert saved["overrides"][0]["on"] == ON.isoformat()

    other = make_window()
    assert other.open_path(target)
    reopened = other.controller.assessment
    assert reopened is not None
    again = next(f for f in reopened.findings if f.rule_id == finding.rule_id)
    assert again.override is not None
    assert again.override.by == "Dr Test"
    card = other.panel.card_for(finding.rule_id)
    assert card is not None
    assert not card.override_label.isHidden()
    card.clear_button.click()
    assert other.controller.overrides() == []


def test_unsaved_changes_guard(window: MainWindow, monkeypatch: pytest.MonkeyPatch,
                               example_files: list[Path]) -> None:
    window.open_path(example_files[0])
    window.form.name.setText("Changed Name")
    window.form.flush()
    assert window.controller.dirty
    asked: list[str] = []

    def cancel(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        asked.append(args[1])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    window.on_new()
    assert asked == ["Unsaved changes"]
    assert window.form.name.text() == "Changed Name"  # cancel keeps the case
    assert not window.close()
    assert window.isVisible()

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    window.on_new()
    assert window.form.name.text() == ""
    assert not window.controller.dirty


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "invalid JSON"),
    ('{"schema_version": 2, "patient": {}}', "newer version"),
    ('{"schema_version": 1, "patient": {"sex": "yes"}}', "patient.sex"),
    ('{"schema_version": 1, "surprise": true}', "unknown field"),
    ("[1, 2]", "JSON object"),
])
def test_opening_a_broken_file_changes_nothing(
    window: MainWindow, tmp_path: Path, example_files: list[Path],
    monkeypatch: pytest.MonkeyPatch, content: str, words: str
) -> None:
    window.open_path(example_files[0])
    before = (window.controller.data(), window.controller.path, window.form.collect())
    shown: list[str] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append(" ".join([box.text(), box.informativeText(), box.detailedText()]))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    broken = tmp_path / "broken.json"
    broken.write_text(content, encoding="utf-8")
    assert not window.open_path(broken)
    assert len(shown) == 1
    assert words in shown[0]
    assert (window.controller.data(), window.controller.path, window.form.collect()) == before


def test_recovery_draft_is_offered_on_next_start(
    window: MainWindow, make_window: Any, monkeypatch: pytest.MonkeyPatch,
    example_files: list[Path]
) -> None:
    window.open_path(example_files[0])
    window.form.name.setText("Draft Patient")
    window.form.dob.setText("1968-0")  # not yet valid: the draft keeps what was typed
    window.form.flush()
    window.write_draft()
    assert window.draft_path is not None
    assert window.draft_path.is_file()
    assert window.draft is not None
    window.draft.release()  # as a crash does: the draft stays, its lock goes
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    other = make_window()
    other.after_show(None)
    assert other.form.name.text() == "Draft Patient"
    assert other.form.dob.text() == "1968-0"
    assert other.controller.dirty
    assert other.controller.path == example_files[0]


def test_settings_persist_and_apply_to_new_cases(make_window: Any, store: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from ldn_cds.gui.widgets.dialogs import SettingsDialog

    window = make_window()
    window.after_show(None)
    dialog = SettingsDialog(window.clinic, ruleset=window.ruleset, parent=window)
    dialog.clinic_name.setText("Example Pain Clinic")
    dialog.prescriber.setText("Dr Example")
    dialog.paper.setCurrentIndex(dialog.paper.findData("a4"))
    dialog.large_print.setChecked(True)
    dialog.protocol.setCurrentIndex(dialog.protocol.findData("sensitive"))
    dialog.maintenance.setText("45")
    window.apply_settings(dialog.settings())
    reopened = make_window()
    assert reopened.clinic.clinic_name == "Example Pain Clinic"
    assert reopened.clinic.paper == "a4"
    assert reopened.clinic.large_print
    reopened.after_show(None)
    case = reopened.controller.case
    assert case is not None
    assert case.plan.protocol == "sensitive"
    assert case.plan.maintenance_days == 45
    assert reopened.plan_view.protocol.value() == "sensitive"


def test_geometry_and_recent_files_are_remembered(make_window: Any, example_files: list[Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    window.after_show(None)
    window.resize(700, 500)
    window.open_path(example_files[0])
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.close()
    again = make_window()
    assert again.size().width() == 700
    assert [a.text() for a in again.recent_menu.actions()] == [str(example_files[0])]


def test_help_dialogs(window: MainWindow, ruleset: RuleSet) -> None:
    import ldn_cds
    from ldn_cds.gui.widgets.dialogs import AboutDialog, RuleSetBrowser, ShortcutsDialog

    about = AboutDialog(ruleset=ruleset, parent=window)
    text = about.text.text()
    assert ruleset.sha256 in text
    assert ruleset.version in text
    assert ldn_cds.__version__ in text
    assert "licensed prescriber" in text
    browser = RuleSetBrowser(ruleset=ruleset, parent=window)
    assert browser.rules.count() == len(ruleset.rules)
    browser.rules.setCurrentRow(3)
    assert ruleset.rules[3].statement[:30] in browser.detail.toPlainText()
    browser.search.setText("pregnan")
    visible = [browser.rules.item(i) for i in range(browser.rules.count())
               if not browser.rules.item(i).isHidden()]
    assert 0 < len(visible) < len(ruleset.rules)
    keys = ShortcutsDialog(window).text.text()
    for key in ("Ctrl+N", "Ctrl+O", "Ctrl+S", "Ctrl+P", "F1"):
        assert key in keys


def test_shortcuts_and_accessible_names(window: MainWindow) -> None:
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

    shortcuts = {a.shortcut().toString() for a in window.actions()}
    assert {"Ctrl+N", "Ctrl+O", "Ctrl+S", "Ctrl+P", "F1"} <= shortcuts
    window.form.opioid_table.add_row()
    for kind in (QLineEdit, QComboBox, QCheckBox):
        for widget in window.form.findChildren(kind):
            if widget.parent() is not None and isinstance(widget.parent(), QComboBox):
                continue  # the line edit inside an editable combo
            assert widget.accessibleName(), widget


def test_trace_and_notes_tabs(window: MainWindow, example_files: list[Path],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtGui import QGuiApplication

    window.open_path(example_files[0])
    result = window.controller.assessment
    assert result is not None
    assert result.notes is not None
    window.show()
    window.tabs.setCurrentWidget(window.trace_view)  # a hidden tab renders when shown
    assert window.trace_view.tree.topLevelItemCount() == len(result.trace)
    window.trace_view.filter.setCurrentIndex(window.trace_view.filter.findData("fired"))
    fired = [t for t in result.trace if t.outcome == "fired"]
    assert window.trace_view.tree.topLevelItemCount() == len(fired)
    window.notes_view.copy_prescription.click()
    assert QGuiApplication.clipboard().text() == result.notes.prescription_text
    window.notes_view.copy_record.click()
    assert QGuiApplication.clipboard().text() == result.notes.record_note


def test_form_covers_every_case_field(window: MainWindow) -> None:
    """Every field of the case format has a widget (plan fields on the dose-plan tab)."""
    from ldn_cds.core.models import Case

    form_paths = set(window.form._fields())
    plan_paths = {p.split(".")[1] for p in window.plan_view._boxes}
    for name, field in Case.model_fields.items():
        if name in ("schema_version", "overrides"):
            continue
        sub = getattr(field.annotation, "model_fields", None)
        if name == "plan":
            assert set(sub) == plan_paths
        elif sub:
            for key in sub:
                assert f"{name}.{key}" in form_paths, f"{name}.{key}"
        else:
            assert name in form_paths, name


def test_fields_without_a_widget_are_kept(window: MainWindow) -> None:
    window.form.set_data({"schema_version": 1, "patient": {"name": "A", "future_field": 1}})
    assert window.form.collect()["patient"] == {"name": "A", "future_field": 1}


@pytest.mark.gui
def test_hidden_trace_tab_shows_the_latest_assessment(window: MainWindow,
                                                     example_files: list[Path]) -> None:
    """The trace is rebuilt when its tab is shown, never left showing an older case."""
    window.show()
    window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))
    window.tabs.setCurrentWidget(window.panel)  # trace tab hidden
    window.open_path(next(p for p in example_files if p.name == "pregnant.json"))
    result = window.controller.assessment
    assert result is not None
    window.tabs.setCurrentWidget(window.trace_view)
    tree = window.trace_view.tree
    shown = [tree.topLevelItem(i).text(2) for i in range(tree.topLevelItemCount())]
    assert shown == [t.effect.value.replace("_", " ") for t in result.trace]
    assert "contraindicated" in shown


def test_dose_plan_tab_shows_refills_and_supply(window: MainWindow,
                                                example_files: list[Path]) -> None:
    """The supply reaches the review (rule set 2.0.0): refills, covered days, fridge."""
    path = next(p for p in example_files if p.name == "fibromyalgia-sensitive.json")
    assert window.open_path(path)
    result = window.controller.assessment
    assert result is not None
    assert result.dose_plan is not None
    table = window.plan_view.dispense
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[-2:] == ["Refills", "Covers days"]
    assert table.rowCount() == len(result.dose_plan.dispense)
    last = result.dose_plan.dispense[-1]
    row = table.rowCount() - 1
    assert table.item(row, 3).text() == str(last.refills)
    assert table.item(row, 4).text() == f"{last.day_from}-{last.day_to}"
    summary = window.plan_view.summary.text()
    assert f"Supply to:</b> {result.dose_plan.supply_through.isoformat()}" in summary
    assert "keep refrigerated" in summary
