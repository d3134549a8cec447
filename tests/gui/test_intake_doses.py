"""An implausible opioid daily dose is flagged beside the row and on the result, never changed.

Tramadol 100,000 mg/day was accepted and shown as 20,000 MME/day (issue 9).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ldn_cds.core.entry_checks import DOSE_ABOVE_LABEL_MAXIMUM
from ldn_cds.gui.main_window import MainWindow


def test_tramadol_100000_mg_gets_an_inline_warning_with_the_label_maximum(
    window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    form = window.form
    form.opioid_status.set_value("current")
    qtbot.mouseClick(form.opioid_table.add_button, Qt.MouseButton.LeftButton)
    row = form.opioid_table.rows[0]
    edit = row.drug.lineEdit()
    assert edit is not None
    qtbot.keyClicks(edit, "tramadol")
    row.unit.set_value("mg/day")
    qtbot.keyClicks(row.dose, "100000")
    text = row.error.text()
    assert "100,000 mg/day is above the label maximum for tramadol (400 mg/day" in text
    assert "check the dose" in text
    assert row.dose.text() == "100000"  # shown, never changed
    form.flush()
    result = window.controller.assessment
    assert result is not None
    assert DOSE_ABOVE_LABEL_MAXIMUM in {f.rule_id for f in result.findings}
    assert window.panel.card_for(DOSE_ABOVE_LABEL_MAXIMUM) is not None
    # corrected to a usual dose, the warning goes
    row.dose.selectAll()
    qtbot.keyClicks(row.dose, "100")
    assert row.error.text() == ""
    form.flush()
    result = window.controller.assessment
    assert result is not None
    assert DOSE_ABOVE_LABEL_MAXIMUM not in {f.rule_id for f in result.findings}


def test_an_opioid_without_a_label_maximum_gets_no_invented_warning(
    window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    form = window.form
    qtbot.mouseClick(form.opioid_table.add_button, Qt.MouseButton.LeftButton)
    row = form.opioid_table.rows[0]
    edit = row.drug.lineEdit()
    assert edit is not None
    qtbot.keyClicks(edit, "oxycodone")
    row.unit.set_value("mg/day")
    qtbot.keyClicks(row.dose, "900")
    assert "label maximum" not in row.error.text()
    assert row.mme.text() == "1350"
