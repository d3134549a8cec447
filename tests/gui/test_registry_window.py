"""The registry window, used with the mouse and keyboard on a real SQLite registry."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from ldn_cds.core.followup import FollowUp, SideEffect
from ldn_cds.gui.registry_window import RegistryWindow
from ldn_cds.gui.widgets.followup_dialog import FollowUpDialog
from ldn_cds.resources import default_ruleset
from ldn_cds.store import open_registry
from tests.store.helpers import assessed, save

pytestmark = pytest.mark.gui
TODAY = date(2027, 3, 1)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    _case, result = assessed("jane-doe")
    start = date.fromisoformat(result["dose_plan"]["start_on"])
    with open_registry(url) as reg:
        save(reg, "jane-doe")
        save(reg, "tramadol-current", record_id="A-77", name="José Álvarez")
        save(reg, "crohns-candidate", record_id="C-3", name="Kim Lee")
        jane = reg.patients("MRN-1")[0].id
        reg.add_followup(jane, FollowUp(on=start + timedelta(days=28), dose_mg=3.0,
                                        pain_score=6, side_effects=(SideEffect.VIVID_DREAMS,)))
        reg.add_followup(jane, FollowUp(on=start + timedelta(days=84), dose_mg=4.5,
                                        pain_score=4))
    return url


@pytest.fixture
def win(qtbot: Any, url: str) -> RegistryWindow:
    window = RegistryWindow(lambda: open_registry(url), default_ruleset(), today=lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    return window


def _names(win: RegistryWindow) -> list[str]:
    return [win.patients.item(r, 0).text() for r in range(win.patients.rowCount())]


def test_search_as_you_type_filters_the_list(qtbot: Any, win: RegistryWindow) -> None:
    assert len(_names(win)) == 3
    assert win.no_match.isHidden()
    qtbot.keyClicks(win.search, "zzz")
    assert _names(win) == []
    assert not win.no_match.isHidden()
    assert win.no_match.text() == "No patient matches “zzz”."
    win.search.clear()
    qtbot.keyClicks(win.search, "LVAR")
    assert _names(win) == ["José Álvarez"]
    win.search.clear()
    win.search.insert("álv")  # typed through an input method (QTest types ASCII only)
    assert _names(win) == ["José Álvarez"]
    win.search.clear()
    qtbot.keyClicks(win.search, "mrn-1")
    assert _names(win) == ["Jane Doe"]


def test_choosing_a_patient_shows_response_chart_and_visits(qtbot: Any,
                                                            win: RegistryWindow) -> None:
    qtbot.keyClicks(win.search, "MRN-1")
    rect = win.patients.visualItemRect(win.patients.item(0, 0))
    qtbot.mouseClick(win.patients.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = win.patient_view
    assert "Jane Doe" in view.header.text()
    assert "(age 58)" in view.header.text()
    summary = view.summary.text()
    assert "Baseline pain 7" in summary
    assert "latest 4" in summary
    assert "-42.9%" in summary
    assert "Meaningful response" in summary
    assert view.followups.rowCount() == 2
    assert view.followups.item(0, 4).text() == "vivid dreams"
    assert view.chart.series_names[:3] == ["Pain", "30% less pain (4.9)",
                                           "50% less pain (3.5)"]
    assert "LDN dose taken" in view.chart.series_names
    assert "Planned dose" in view.chart.series_names
    win.resize(1280, 800)
    win.grab().save(str(Path("/tmp") / "registry-window.png"))


def test_add_and_edit_a_follow_up_with_the_keyboard(qtbot: Any, win: RegistryWindow,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    url: str) -> None:
    win.select_patient(next(r.id for r in open_registry(url).patients("C-3")))
    entered: list[FollowUpDialog] = []

    def fill(self: FollowUpDialog) -> int:
        entered.append(self)
        self.pain.setFocus()
        self.pain.lineEdit().selectAll()
        qtbot.keyClicks(self.pain.lineEdit(), "5")
        self.effects[SideEffect.INSOMNIA].click()
        self.stopped.click()
        qtbot.keyClicks(self.reason, "could not sleep")
        qtbot.mouseClick(self.findChild(QDialogButtonBox).button(
            QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        return int(self.result() == 1)

    monkeypatch.setattr(FollowUpDialog, "exec", fill)
    # before the first visit there is nothing to edit or print
    assert not win.patient_view.edit_button.isEnabled()
    assert not win.patient_view.pdf_button.isEnabled()
    win.patient_view.add_followup()
    assert entered[0].windowTitle() == "Add follow-up: Kim Lee"  # whose visit this is
    assert win.patient_view.followups.rowCount() == 1
    assert win.patient_view.edit_button.isEnabled()
    row = [win.patient_view.followups.item(0, c).text() for c in range(7)]
    assert row[2] == "5"
    assert row[4] == "insomnia"
    assert row[6] == "yes: could not sleep"
    assert row[1] == "-"               # dose not recorded: never a default
    with open_registry(url) as reg:
        assert reg.verify_audit().ok


def test_the_wheel_never_changes_a_follow_up_answer(qtbot: Any) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    dialog = FollowUpDialog(TODAY, FollowUp(on=TODAY, pain_score=6, pgic=2))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.note.setFocus()
    before = dialog.visit()
    for widget in (dialog.pain, dialog.dose, dialog.pgic, dialog.adherence, dialog.on):
        centre = QPointF(widget.rect().center())
        event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(),
                            QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(widget, event)
    assert dialog.visit() == before


def test_a_bad_follow_up_says_why_and_stays_open(qtbot: Any) -> None:
    dialog = FollowUpDialog(TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.effects[SideEffect.OTHER].click()
    dialog.effects[SideEffect.OTHER].click()   # ticked and unticked: no stray text kept
    dialog.accept()
    assert dialog.result_visit is not None
    assert dialog.result_visit.side_effects == ()
    assert dialog.result_visit.pain_score is None


def test_outcomes_tab_and_de_identified_export(qtbot: Any, win: RegistryWindow,
                                               tmp_path: Path) -> None:
    win.tabs.setCurrentIndex(1)
    labels = [win.outcomes.table.item(r, 0).text() for r in range(win.outcomes.table.rowCount())]
    values = [win.outcomes.table.item(r, 1).text() for r in range(win.outcomes.table.rowCount())]
    assert "Prescribed LDN" in labels
    assert any("37.8%" in v for v in values)
    out = win.outcomes.export(deidentified=True, path=tmp_path / "x.csv")
    assert out is not None
    text = out.read_text()
    assert "Jane Doe" not in text
    assert "MRN-1" not in text
    assert "1968-04-02" not in text
    assert out.stat().st_mode & 0o077 == 0
    win.resize(1280, 800)
    win.grab().save("/tmp/registry-outcomes.png")


def test_a_registry_that_cannot_open_is_a_message_not_a_traceback(qtbot: Any,
                                                                   tmp_path: Path) -> None:
    bad = tmp_path / "other.db"
    import sqlite3

    con = sqlite3.connect(bad)
    con.execute("create table x (id integer)")
    con.commit()
    con.close()
    window = RegistryWindow(lambda: open_registry(f"sqlite:///{bad}"), default_ruleset(),
                            today=lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    assert window.message.isVisible()
    assert "not an ldn-cds registry" in window.message.text()
    assert window.patients.rowCount() == 0
