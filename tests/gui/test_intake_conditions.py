"""Conditions are chosen from the coded list with the keyboard; free text is kept and flagged.

Typing "fibro" once dropped the fibromyalgia caution and changed the protocol, and
"Fibromyalgia" was rejected as "must be a snake_case name" (issue 9).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

from ldn_cds.core.entry_checks import FREE_TEXT_CONDITION
from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.widgets.entry_conditions import ConditionsField


def _popup(field: ConditionsField) -> QAbstractItemView:
    popup = field.completer.popup()
    assert popup is not None
    return popup


def _rows(field: ConditionsField) -> list[str]:
    model = _popup(field).model()
    return [str(model.index(i, 0).data()) for i in range(model.rowCount())]


def _type(qtbot: Any, field: ConditionsField, text: str) -> None:
    field.search.setFocus()
    qtbot.keyClicks(field.search, text)
    qtbot.waitUntil(lambda: _popup(field).isVisible() or not _rows(field), timeout=2000)


def _choose(qtbot: Any, field: ConditionsField, row: int) -> None:
    popup = _popup(field)
    for _ in range(row + 1):
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)


def _conditions(window: MainWindow) -> tuple[Any, Any]:
    pain = window.form.collect().get("pain", {})
    return pain.get("conditions"), pain.get("other_conditions")


def test_fibro_chosen_from_the_popup_is_fibromyalgia_and_keeps_its_caution(
    window: MainWindow, qtbot: Any, example_files: Any,
) -> None:
    path = next(p for p in example_files if p.name == "jane-doe.json")
    assert window.open_path(path)
    field = window.form.conditions
    for chip in list(field.chips):  # remove the case's condition with the mouse
        qtbot.mouseClick(chip.button, Qt.MouseButton.LeftButton)
    _type(qtbot, field, "fibro")
    assert _rows(field) == ["Fibromyalgia  (fibro)", "Other (free text): \u201cfibro\u201d"]
    assert not _popup(field).currentIndex().isValid()  # nothing chosen for the user
    assert _conditions(window) == ([], None)  # typing alone adds nothing
    _choose(qtbot, field, 0)
    assert [c.text() for c in field.chips] == ["Fibromyalgia  \u2715"]
    qtbot.waitUntil(lambda: field.search.text() == "", timeout=1000)
    assert _conditions(window) == (["fibromyalgia"], None)
    window.form.flush()
    result = window.controller.assessment
    assert result is not None
    assert "evidence-fibromyalgia" in {f.rule_id for f in result.findings}
    assert FREE_TEXT_CONDITION not in {f.rule_id for f in result.findings}


def test_enter_adds_only_an_exact_name_and_otherwise_asks_for_a_choice(
    window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    field = window.form.conditions
    _type(qtbot, field, "Fibromyalgia")
    qtbot.keyClick(field.search, Qt.Key.Key_Return)
    assert field.codes == ["fibromyalgia"]
    _type(qtbot, field, "MS")
    qtbot.keyClick(field.search, Qt.Key.Key_Return)
    assert field.codes == ["fibromyalgia", "multiple_sclerosis"]
    _type(qtbot, field, "arthritis")  # not rheumatoid arthritis unless chosen
    assert _rows(field) == ["Rheumatoid arthritis",
                            "Other (free text): \u201carthritis\u201d"]
    qtbot.keyClick(_popup(field), Qt.Key.Key_Return)  # Enter without a choice
    assert field.codes == ["fibromyalgia", "multiple_sclerosis"]
    assert field.others == []
    assert field.search.text() == "arthritis"  # what was typed stays typed
    qtbot.keyClick(_popup(field), Qt.Key.Key_Escape)
    assert _conditions(window) == (["fibromyalgia", "multiple_sclerosis"], None)


def test_look_alikes_offer_only_free_text(window: MainWindow, qtbot: Any) -> None:
    window.on_new()
    field = window.form.conditions
    for typed in ("msk", "crp", "symptoms"):
        field.search.clear()
        _type(qtbot, field, typed)
        assert _rows(field) == [f"Other (free text): \u201c{typed}\u201d"], typed
    qtbot.keyClick(_popup(field), Qt.Key.Key_Escape)
    assert field.codes == []


def test_other_free_text_is_kept_as_written_and_flagged_on_the_result(
    window: MainWindow, qtbot: Any, example_files: Any,
) -> None:
    path = next(p for p in example_files if p.name == "jane-doe.json")
    assert window.open_path(path)
    field = window.form.conditions
    _type(qtbot, field, "Post-herpetic neuralgia")
    assert _rows(field) == ["Other (free text): \u201cPost-herpetic neuralgia\u201d"]
    _choose(qtbot, field, 0)
    chip = field.chips[-1].text()
    assert "Post-herpetic neuralgia" in chip
    assert "not checked by the rules" in chip
    assert _conditions(window) == (["diabetic_neuropathy"], ["Post-herpetic neuralgia"])
    window.form.flush()
    result = window.controller.assessment
    assert result is not None
    card = next(f for f in result.findings if f.rule_id == FREE_TEXT_CONDITION)
    assert "'Post-herpetic neuralgia'" in card.summary
    assert window.panel.card_for(FREE_TEXT_CONDITION) is not None  # shown in the window
    # removing it with the keyboard-reachable chip takes it off the case and the result
    qtbot.mouseClick(field.chips[-1].button, Qt.MouseButton.LeftButton)
    assert _conditions(window) == (["diabetic_neuropathy"], None)


def test_an_exact_coded_name_typed_as_other_is_the_coded_condition(
    window: MainWindow, qtbot: Any,
) -> None:
    window.on_new()
    field = window.form.conditions
    _type(qtbot, field, "crohn's")
    rows = _rows(field)
    assert rows[0].startswith("Crohn's disease")
    _choose(qtbot, field, len(rows) - 1)  # the user picks "Other" for an exact coded name
    assert field.codes == ["crohns_disease"]
    assert field.others == []


def test_a_reopened_case_keeps_uncoded_names_and_free_text_unchanged(
    window: MainWindow,
) -> None:
    data = {"schema_version": 1, "pain": {"conditions": ["fibro", "crps"],
                                          "other_conditions": ["Tietze syndrome"]}}
    window.form.set_data(data)
    field = window.form.conditions
    texts = [c.text() for c in field.chips]
    assert texts[0].startswith("fibro (not in the coded list")
    assert texts[1].startswith("Complex regional pain syndrome (CRPS)")
    assert "Tietze syndrome" in texts[2]
    assert "free text" in texts[2]
    assert _conditions(window) == (["fibro", "crps"], ["Tietze syndrome"])


def test_not_asked_none_recorded_and_listed_stay_distinct(window: MainWindow) -> None:
    window.on_new()
    field = window.form.conditions
    assert _conditions(window) == (None, None)  # not asked
    field.mode.set_value("none")
    assert _conditions(window) == ([], None)
    assert not field.search.isEnabled()
    window.form.set_data({"schema_version": 1, "pain": {"conditions": []}})
    assert field.mode.value() == "none"
    window.form.set_data({"schema_version": 1, "pain": {"other_conditions": ["x"]}})
    assert _conditions(window) == ([], ["x"])
