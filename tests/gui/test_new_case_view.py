"""An empty new case leads with the questions to ask, not a wall of 'cannot evaluate' cards."""

from __future__ import annotations

from pathlib import Path

from ldn_cds.gui.main_window import MainWindow


def test_new_case_folds_the_checks_that_cannot_be_evaluated(window: MainWindow) -> None:
    window.on_new()
    panel = window.panel
    result = window.controller.assessment
    assert result is not None
    blocking = [m for m in result.missing_information if m.blocks_decision]
    assert blocking
    assert panel.missing_list.isVisibleTo(window)
    visible_rows = panel.missing_list.height() // max(1, panel.missing_list.sizeHintForRow(0))
    assert visible_rows >= len(blocking)  # every question needed for a decision is in view
    unevaluated = [c for c in panel.cards if c.finding.status == "cannot_evaluate"]
    assert unevaluated
    assert not any(c.isVisibleTo(window) for c in unevaluated)
    assert all(c.isVisibleTo(window) for c in panel.cards if c not in unevaluated)
    toggle = panel.unevaluated_toggle
    assert toggle.isVisibleTo(window)
    assert f"{len(unevaluated)} checks" in toggle.text()
    toggle.click()
    assert all(c.isVisibleTo(window) for c in unevaluated)
    toggle.click()
    assert not any(c.isVisibleTo(window) for c in unevaluated)


def test_a_complete_case_shows_every_card(window: MainWindow, example_files: list[Path]) -> None:
    window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))
    panel = window.panel
    assert not panel.unevaluated_toggle.isVisibleTo(window)
    assert all(c.isVisibleTo(window) for c in panel.cards)


def test_age_is_shown_beside_the_birth_date(window: MainWindow, example_files: list[Path]) -> None:
    window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))
    assert window.form.age_label.text() == "age 58 on 2026-11-23"  # born 1968-04-02
    window.on_new()
    assert window.form.age_label.text() == ""
    window.form.dob.setText("2000-11-24")
    window.form.flush()
    assert window.form.age_label.text() == "age 25 on 2026-11-23"
