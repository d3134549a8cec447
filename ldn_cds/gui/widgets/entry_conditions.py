"""Pain conditions chosen from the coded list, with an explicit free-text "Other".

Typing searches the rule set's coded conditions (labels and synonyms, case-insensitive, see
:mod:`ldn_cds.core.conditions`); the popup lists the candidates and, last, "Other (free
text)".  Nothing is added without a choice: Enter adds only a name that resolves exactly
(``Fibromyalgia``, ``fibro``, ``MS``), otherwise it opens the list to choose from.  A free
text entry is kept as written in ``pain.other_conditions`` and shown as not checked by the
rules; a name that is neither coded nor free text (an older case file's ``fibro``) is kept
as it was and marked "not in the coded list".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.conditions import ConditionVocabulary, resolve, search
from ldn_cds.gui.widgets.fields import ChoiceField

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2
NEVER_PREFIX_ROLE = Qt.ItemDataRole.UserRole + 3
"""The completer's completion role: a text no typed prefix matches, so that the popup never
pre-selects a row (a choice is a key press or a click, never a default)."""
OTHER_PREFIX = "Other (free text): "
FREE_TEXT_NOTE = "free text, not checked by the rules"
UNCODED_NOTE = "not in the coded list, not checked by the rules"


class FlowLayout(QLayout):
    """Lays its items out left to right and wraps them: never wider than its space."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt override)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt override)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt override)
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt override)
        """Narrow: a long item wraps its text rather than widening the form."""
        height = max((item.sizeHint().height() for item in self._items), default=0)
        return QSize(min(160, max((i.sizeHint().width() for i in self._items), default=0)),
                     height)

    def _place(self, rect: QRect, *, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        gap = self.spacing()
        for item in self._items:
            hint = item.sizeHint()
            width = max(1, min(hint.width(), rect.width()))
            height = (item.heightForWidth(width) if item.hasHeightForWidth()
                      else hint.height())
            if x > rect.x() and x + width > rect.right() + 1:
                x, y, line = rect.x(), y + line + gap, 0
            if move:
                item.setGeometry(QRect(x, y, width, height))
            x += width + gap
            line = max(line, height)
        return y + line - rect.y()


class Chip(QFrame):
    """One chosen condition: its text (wrapping when long, never cut off) and a remove button."""

    def __init__(self, text: str, *, flagged: bool, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("conditionChip")
        colour = "#b36b00" if flagged else "palette(mid)"
        self.setStyleSheet(f"QFrame#conditionChip {{ border: 1px solid {colour};"
                           " border-radius: 9px; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 2, 1)
        layout.setSpacing(2)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        if flagged:
            self.label.setStyleSheet("color: #7a4d00;")
        self.button = QToolButton(self)
        self.button.setText("\u2715")
        self.button.setAutoRaise(True)
        self.button.setToolTip(f"Remove {text}")
        self.button.setAccessibleName(f"Remove condition: {text}")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)

    def text(self) -> str:
        return f"{self.label.text()}  \u2715"

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        extra = 0 if layout is None else (layout.contentsMargins().left()
                                          + layout.contentsMargins().right() + 2)
        width = (self.label.fontMetrics().horizontalAdvance(self.label.text())
                 + self.button.sizeHint().width() + extra + 4)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else -1
        return QSize(width, height if height > 0 else super().sizeHint().height())


class ConditionsField(QWidget):
    """Not asked / None recorded / Listed, the chosen conditions as removable chips, and a
    search field with the coded list as its completer."""

    changed = Signal()

    def __init__(self, vocab: ConditionVocabulary, *, name: str = "Pain conditions",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vocab = vocab
        self.setAccessibleName(name)
        self.codes: list[str] = []
        self.others: list[str] = []
        self._answered_none = False
        self.chips: list[Chip] = []
        self.mode = ChoiceField([("none", "None recorded"), ("listed", "Listed:")],
                                name=f"{name}: answer", parent=self)
        self.search = QLineEdit(self)
        self.search.setAccessibleName(f"{name}: search the coded list")
        self.search.setPlaceholderText("type to search, e.g. fibro, CRPS, MS")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(
            "Type part of a condition and choose it from the list (arrow keys and Enter, or a "
            "click). A condition that is not in the list can be added as 'Other (free text)': "
            "it is kept, but no rule checks it.")
        self.model = QStandardItemModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCompletionRole(NEVER_PREFIX_ROLE)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(10)
        self.completer.setWidget(self.search)  # not setCompleter: nothing is typed for the user
        self.completer.activated[QModelIndex].connect(  # type: ignore[index]
            self._on_activated)
        self.chip_box = QWidget(self)
        self.chip_box.setAccessibleName(f"{name}: chosen")
        self.chip_flow = FlowLayout(self.chip_box)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.mode)
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.chip_box)
        self.setFocusProxy(self.mode)
        self.mode.changed.connect(self._on_mode_changed)
        self.search.textEdited.connect(self._on_text_edited)
        self.search.returnPressed.connect(self._on_return)
        self._refresh()

    # -- the popup ---------------------------------------------------------------------------

    def _fill_model(self, text: str) -> None:
        self.model.clear()
        for cand in search(self.vocab, text):
            shown = cand.label if not cand.matched else f"{cand.label}  ({cand.matched})"
            item = QStandardItem(shown)
            item.setData("code", KIND_ROLE)
            item.setData(cand.code, VALUE_ROLE)
            item.setData("\x00" + cand.code, NEVER_PREFIX_ROLE)
            item.setToolTip(f"Coded condition '{cand.code}': the rules read it")
            self.model.appendRow(item)
        typed = " ".join(text.split())
        if typed:
            item = QStandardItem(f"{OTHER_PREFIX}\u201c{typed}\u201d")
            item.setData("other", KIND_ROLE)
            item.setData(typed, VALUE_ROLE)
            item.setData("\x00other", NEVER_PREFIX_ROLE)
            item.setToolTip("Kept as written, and flagged on the result: no rule checks it")
            self.model.appendRow(item)

    def _on_text_edited(self, text: str) -> None:
        self._fill_model(text)
        if self.model.rowCount():
            self.completer.setCompletionPrefix("")
            self.completer.complete(self.search.rect())
            self._popup().setCurrentIndex(QModelIndex())  # no row chosen until the user picks
        else:
            self._popup().hide()

    def _on_return(self) -> None:
        text = self.search.text()
        if not text.strip():
            return
        code = resolve(self.vocab, text)
        if code is not None:  # an exact name: "Fibromyalgia", "fibro", "MS"
            self.add_code(code)
            self._clear_search()
        else:  # a beginning or an unknown name: the user chooses (or takes "Other")
            self._on_text_edited(text)

    def _on_activated(self, index: QModelIndex) -> None:
        kind, value = index.data(KIND_ROLE), index.data(VALUE_ROLE)
        if kind == "code":
            self.add_code(str(value))
        elif kind == "other":
            self.add_other(str(value))
        self._clear_search()

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # QCompleter always has one
        return popup

    def _clear_search(self) -> None:
        self._popup().hide()
        self.search.clear()
        self.model.clear()
        QTimer.singleShot(0, self.search.clear)  # after the completer's own handling

    # -- the chosen conditions ---------------------------------------------------------------

    def add_code(self, code: str) -> None:
        if code not in self.codes:
            self.codes.append(code)
        self._listed()

    def add_other(self, text: str) -> None:
        code = resolve(self.vocab, text)
        if code is not None:  # "Other" typed as an exact coded name is that condition
            self.add_code(code)
            return
        if text not in self.others:
            self.others.append(text)
        self._listed()

    def remove(self, kind: str, value: str) -> None:
        if kind == "code" and value in self.codes:
            self.codes.remove(value)
        elif kind == "other" and value in self.others:
            self.others.remove(value)
        self._refresh()
        self.search.setFocus()
        self.changed.emit()

    def _listed(self) -> None:
        if self.mode.value() != "listed":
            self.mode.blockSignals(True)
            self.mode.set_value("listed")
            self.mode.blockSignals(False)
        self._refresh()
        self.changed.emit()

    def _on_mode_changed(self) -> None:
        if self.mode.value() != "listed" and (self.codes or self.others):
            self.codes, self.others = [], []
        self._refresh()
        self.changed.emit()

    def chip_texts(self) -> list[str]:
        return [chip.text() for chip in self.chips]

    def _refresh(self) -> None:
        for chip in self.chips:
            self.chip_flow.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.chips = []
        entries: list[tuple[str, str, str, bool]] = []
        for code in self.codes:
            if self.vocab.entry(code) is not None:
                entries.append(("code", code, self.vocab.label(code), False))
            else:
                entries.append(("code", code, f"{code} ({UNCODED_NOTE})", True))
        entries += [("other", text, f"\u201c{text}\u201d ({FREE_TEXT_NOTE})", True)
                    for text in self.others]
        for kind, value, text, flagged in entries:
            chip = Chip(text, flagged=flagged, parent=self.chip_box)
            chip.button.clicked.connect(lambda _=False, k=kind, v=value: self.remove(k, v))
            self.chip_flow.addWidget(chip)
            self.chips.append(chip)
        self.chip_box.setVisible(bool(self.chips))
        self.search.setEnabled(self.mode.value() != "none")

    # -- values ------------------------------------------------------------------------------

    def value(self) -> list[str] | None:
        """``pain.conditions``: None (not asked), [] (none) or the codes listed."""
        mode = self.mode.value()
        if mode == "none":
            return []
        if mode == "listed" or self.codes or self.others:
            return list(self.codes)
        return None

    def set_value(self, value: Sequence[str] | None) -> None:
        self.codes = [] if value is None else [str(v) for v in value]
        self._answered_none = value is not None and not value
        self._set_mode()

    def other_value(self) -> list[str] | None:
        """``pain.other_conditions``: the free-text entries, or None when there are none."""
        return list(self.others) or None

    def set_other_value(self, value: Sequence[str] | None) -> None:
        self.others = [] if value is None else [str(v) for v in value]
        self._set_mode()

    def _set_mode(self) -> None:
        self.mode.blockSignals(True)
        if self.codes or self.others:
            self.mode.set_value("listed")
        else:
            self.mode.set_value("none" if self._answered_none else None)
        self.mode.blockSignals(False)
        self._refresh()


class OtherConditions:
    """``pain.other_conditions`` as a field of the form (it lives in :class:`ConditionsField`)."""

    def __init__(self, field: ConditionsField) -> None:
        self.field = field

    def value(self) -> list[str] | None:
        return self.field.other_value()

    def set_value(self, value: Any) -> None:
        self.field.set_other_value(value)
