"""Medicine names complete from the rule set's medication vocabulary, showing what each is.

The popup lists every brand and ingredient that contains what was typed (case-insensitive),
each with what the vocabulary recognises it as ("Norco: hydrocodone + acetaminophen,
immediate release (opioid (full agonist))"), read from the core's matcher.  Completion is a
popup, never inline: what the user typed stays as typed until a row is chosen with the keys
or the mouse (no row is pre-selected).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit

from ldn_cds.core.medicines import recognise
from ldn_cds.core.ruleset import RuleSet

NAME_ROLE = Qt.ItemDataRole.UserRole + 11
_LABELS: dict[str, dict[str, tuple[str, bool]]] = {}


def _labels(ruleset: RuleSet) -> dict[str, tuple[str, bool]]:
    """name -> (what it is recognised as, is an opioid), for every vocabulary name."""
    cached = _LABELS.get(ruleset.sha256)
    if cached is None:
        vocab = ruleset.vocabulary
        names = {i.display for i in vocab.ingredients.values() if i.id != "unspecified_opioid"}
        names |= {p.name for p in vocab.products}
        cached = {}
        for name in names:
            rec = recognise(vocab, name)
            cached[name] = (rec.label, rec.is_opioid)
        _LABELS.clear()
        _LABELS[ruleset.sha256] = cached
    return cached


def medicine_model(ruleset: RuleSet, *, opioids_only: bool, parent: QObject) -> QStandardItemModel:
    """The completion list: the name to insert (``NAME_ROLE``) and what it is (display)."""
    model = QStandardItemModel(parent)
    for name, (label, opioid) in sorted(_labels(ruleset).items(), key=lambda i: i[0].lower()):
        if opioids_only and not opioid:
            continue
        item = QStandardItem(label if label.lower().startswith(name.lower()) else
                             f"{name}: {label}")
        item.setData(name, NAME_ROLE)
        item.setToolTip(f"Recognised as {label}")
        model.appendRow(item)
    return model


class MedicineCompleter(QCompleter):
    """Popup completion of one medicine name (an opioid row's drug)."""

    def __init__(self, ruleset: RuleSet, *, opioids_only: bool, parent: QObject) -> None:
        super().__init__(parent)
        self.setModel(medicine_model(ruleset, opioids_only=opioids_only, parent=self))
        self.setCompletionRole(NAME_ROLE)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setMaxVisibleItems(12)
        # the chosen row is applied here too: QLineEdit connects its own handler only while
        # it has the focus, and a combo box would look the popup's text up in its items
        self.activated[str].connect(self._apply)  # type: ignore[index]

    def _apply(self, text: str) -> None:
        edit = self.widget()
        if isinstance(edit, QLineEdit) and text:
            edit.setText(text)


class MedicineListCompleter(MedicineCompleter):
    """Completes the last comma-separated entry of a list of medicines."""

    def pathFromIndex(self, index: Any) -> str:  # noqa: N802 (Qt override)
        edit = self.widget()
        assert isinstance(edit, QLineEdit)
        head, _, _ = edit.text().rpartition(",")
        chosen = str(index.data(NAME_ROLE))
        return f"{head}, {chosen}" if head else chosen

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 (Qt override)
        return [path.rpartition(",")[2].strip()]
