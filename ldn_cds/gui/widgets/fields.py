"""Answer widgets with an explicit "not known" state.

No widget default stands in for an answer: every question starts at "Not asked" (None), dates
and numbers start empty, and a list distinguishes "not asked" (None) from "none" ([]).
Text that does not parse is passed on as entered, so the core's validation reports it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
    QRegularExpressionValidator,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QButtonGroup,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.dates import PATTERN, Order, TypedDate, order_of, read_date

NOT_ASKED = "Not asked"
ERROR_STYLE = "color: #a40000;"
WARNING_STYLE = "color: #7a4d00; font-weight: bold;"
NOTE_STYLE = "color: palette(dark);"


def humanize(value: str) -> str:
    """``acute_hepatitis`` -> ``Acute hepatitis`` (display only)."""
    text = value.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


class WheelGuard(QObject):
    """Ignores wheel events on a combo box, spin box or slider, focused or not.

    Scrolling the form over a field must never change an answer, also not one the
    physician clicked a moment ago (under Xvfb a clicked and closed "Kidney impairment:
    Severe" became "Mild" under the wheel, and its warning vanished).  The ignored event goes
    on to the parent (QApplication propagates an ignored wheel event), so the scroll area
    scrolls instead.  An open dropdown list still scrolls (its popup is another widget), and
    the keyboard changes a focused field.  Installed on each guarded widget.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget):
            assert isinstance(event, QWheelEvent)
            event.ignore()  # handled here, not accepted: QApplication passes it to the parent
            return True
        return False


_WHEEL_GUARD: WheelGuard | None = None


def guard_wheel(widget: QComboBox | QAbstractSpinBox | QWidget) -> None:
    """Make ``widget`` take focus only by click or Tab and ignore the wheel always."""
    global _WHEEL_GUARD
    if _WHEEL_GUARD is None:
        _WHEEL_GUARD = WheelGuard()
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_WHEEL_GUARD)


class ChoiceField(QComboBox):
    """A closed set of answers; the first entry is the unknown state (None).

    The mouse wheel never changes it (see :func:`guard_wheel`); the keyboard does.
    """

    changed = Signal()

    def __init__(
        self,
        options: Sequence[tuple[Any, str]],
        *,
        name: str,
        unknown_label: str = NOT_ASKED,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.addItem(unknown_label, None)
        for value, label in options:
            self.addItem(label, value)
        self.setAccessibleName(name)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        guard_wheel(self)
        self.currentIndexChanged.connect(self._on_index_changed)

    def _on_index_changed(self, _index: int) -> None:
        self.changed.emit()

    def value(self) -> Any:
        return self.currentData()

    def set_value(self, value: Any) -> None:
        index = self.findData(value) if value is not None else 0
        if index < 0:  # a value this list does not know: show it rather than lose it
            self.addItem(str(value), value)
            index = self.count() - 1
        self.setCurrentIndex(index)


class YesNoField(QWidget):
    """Yes / No / Not asked as three segmented buttons: the answer is visible at a glance.

    Never a checkbox whose unchecked state means "no", and never a dropdown that the mouse
    wheel can change: buttons change only on a click or a key press.  "Not asked" (None) is
    a visible state of its own.
    """

    changed = Signal()
    OPTIONS: tuple[tuple[bool | None, str], ...] = ((True, "Yes"), (False, "No"),
                                                    (None, NOT_ASKED))

    def __init__(self, *, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[bool | None, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for value, label in self.OPTIONS:
            button = QToolButton(self)
            button.setText(label)
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setAccessibleName(f"{name}: {label}")
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(NOT_ASKED) + 16
                                   if value is None else
                                   button.fontMetrics().horizontalAdvance("Yes") + 24)
            button.setStyleSheet(
                "QToolButton { padding: 2px 8px; border: 1px solid palette(mid); }"
                "QToolButton:checked { background: palette(highlight);"
                " color: palette(highlighted-text); font-weight: bold; }")
            self.group.addButton(button)
            self.buttons[value] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.buttons[None].setChecked(True)
        self.setFocusProxy(self.buttons[None])
        self.group.buttonToggled.connect(self._on_toggled)

    def _on_toggled(self, button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.setFocusProxy(button)
            self.changed.emit()

    def value(self) -> bool | None:
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return None

    def set_value(self, value: Any) -> None:
        key = value if value in (True, False) and isinstance(value, bool) else None
        self.buttons[key].setChecked(True)

    def currentText(self) -> str:  # noqa: N802 (same name as the combo boxes it replaced)
        button = self.group.checkedButton()
        return button.text() if button is not None else NOT_ASKED


class TextField(QLineEdit):
    changed = Signal()

    def __init__(self, *, name: str, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.textChanged.connect(self._on_text_changed)

    def _on_text_changed(self, _text: str) -> None:
        self.changed.emit()

    def value(self) -> Any:
        text = self.text().strip()
        return text or None

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else str(value))


def locale_order() -> Order:
    """Day/month order of the current locale (``QLocale()``): MDY, DMY or YMD."""
    return order_of(QLocale().dateFormat(QLocale.FormatType.ShortFormat))


def _calendar_icon(size: int) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor("#505050"))
    pen.setWidthF(max(1.0, size / 14))
    painter.setPen(pen)
    m = size // 8
    painter.drawRect(m, m + size // 8, size - 2 * m - 1, size - 2 * m - size // 8 - 1)
    painter.fillRect(m, m + size // 8, size - 2 * m, size // 5, QColor("#505050"))
    cell = (size - 2 * m) // 4
    for row in range(2):
        for col in range(3):
            x = m + cell // 2 + col * cell
            y = m + size // 8 + size // 5 + cell // 3 + row * cell
            painter.fillRect(x, y, max(1, cell // 2), max(1, cell // 2), QColor("#505050"))
    painter.end()
    return QIcon(pixmap)


class CalendarPopup(QCalendarWidget):
    """The calendar of a date field: a click or Enter picks a date; Escape picks nothing."""

    picked = Signal(QDate)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Popup)
        self.setGridVisible(True)
        self.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.activated.connect(self._pick)
        self.clicked.connect(self._pick)

    def _pick(self, value: QDate) -> None:
        self.hide()
        self.picked.emit(value)


class DateField(TextField):
    """A date typed as YYYY-MM-DD or in the locale's order, or picked from a calendar.

    Empty means not known: no default date, and opening the calendar sets nothing until a
    day is picked.  How a typed date was read is shown beside it (``noteChanged``); see
    :mod:`ldn_cds.core.dates` for what is ambiguous and how it is resolved.  Text that is not
    a date is passed on as typed, so that the core's validation names the field.
    """

    noteChanged = Signal(str)

    def __init__(self, *, name: str, parent: QWidget | None = None) -> None:
        order = locale_order()
        pattern_text = PATTERN[order]
        super().__init__(name=name, placeholder=pattern_text, parent=parent)
        self.setValidator(QRegularExpressionValidator(
            QRegularExpression(r"^[0-9./\-]{0,10}$"), self))
        self.setMaxLength(10)
        self.setToolTip(f"Date as YYYY-MM-DD or {pattern_text} (this computer's order), or "
                        "pick it from the calendar; leave empty if not known."
                        if order != "YMD" else
                        "Date as YYYY-MM-DD, or pick it from the calendar; leave empty if not "
                        "known.")
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0000-00-00") + 56)
        self.calendar_action = QAction(_calendar_icon(16), "Choose from a calendar", self)
        self.calendar_action.setToolTip("Choose the date from a calendar")
        self.addAction(self.calendar_action, QLineEdit.ActionPosition.TrailingPosition)
        self.calendar_action.triggered.connect(self.open_calendar)
        self.calendar: CalendarPopup | None = None
        self._note = ""
        self.textChanged.connect(self._on_date_text)

    def reading(self) -> TypedDate:
        return read_date(self.text(), locale_order())

    def value(self) -> Any:
        text = self.text().strip()
        if not text:
            return None
        found = self.reading().value
        return found.isoformat() if found is not None else text

    def note(self) -> str:
        return self._note

    def _on_date_text(self, text: str) -> None:
        reading = read_date(text, locale_order())
        note = reading.problem or ("" if _is_iso(text) else reading.note)
        if note != self._note:
            self._note = note
            self.noteChanged.emit(note)

    def open_calendar(self) -> None:
        if self.calendar is None:
            self.calendar = CalendarPopup(self)
            self.calendar.picked.connect(self._picked)
        current = self.reading().value
        if current is not None:
            self.calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        self.calendar.move(self.mapToGlobal(self.rect().bottomLeft()))
        self.calendar.show()
        self.calendar.setFocus()

    def _picked(self, value: QDate) -> None:
        self.setText(date(value.year(), value.month(), value.day()).isoformat())
        self.setFocus()


def _is_iso(text: str) -> bool:
    return bool(re.match(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$", text))


class NumberField(TextField):
    """A number; empty means not known.  Unparseable text goes to validation as entered."""

    def __init__(
        self, *, name: str, integer: bool, placeholder: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(name=name, placeholder=placeholder, parent=parent)
        self._integer = integer
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("000000") + 24)

    def value(self) -> Any:
        text = self.text().strip()
        if not text:
            return None
        try:
            return int(text) if self._integer else float(text.replace(",", "."))
        except ValueError:
            return text


class ListField(QWidget):
    """A list answer: Not asked (None) / None ([]) / Listed (comma-separated names)."""

    changed = Signal()

    def __init__(
        self,
        *,
        name: str,
        none_label: str = "None",
        suggestions: Sequence[str] = (),
        placeholder: str = "names, separated by commas",
        completer: QCompleter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.mode = ChoiceField([("none", none_label), ("listed", "Listed:")],
                                name=f"{name}: answer", parent=self)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(f"{name}: names")
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        if completer is None and suggestions:
            completer = _ListCompleter(sorted(set(suggestions)), self.edit)
        if completer is not None:
            completer.setParent(self.edit)
            self.edit.setCompleter(completer)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode)
        layout.addWidget(self.edit, 1)
        self.setFocusProxy(self.mode)
        self.mode.changed.connect(self._on_mode_changed)
        self.edit.textEdited.connect(self._on_text_edited)

    def _on_mode_changed(self) -> None:
        self.edit.setEnabled(self.mode.value() != "none")
        self.changed.emit()

    def _on_text_edited(self, text: str) -> None:
        if text.strip() and self.mode.value() != "listed":
            self.mode.set_value("listed")  # emits changed
        else:
            self.changed.emit()

    def value(self) -> list[str] | None:
        mode = self.mode.value()
        if mode == "none":
            return []
        items = [part.strip() for part in self.edit.text().split(",") if part.strip()]
        if mode == "listed":
            return items
        return items or None

    def set_value(self, value: Sequence[str] | None) -> None:
        if value is None:
            self.mode.set_value(None)
            self.edit.clear()
        elif not value:
            self.mode.set_value("none")
            self.edit.clear()
        else:
            self.mode.set_value("listed")
            self.edit.setText(", ".join(value))
        self.edit.setEnabled(self.mode.value() != "none")


class _ListCompleter(QCompleter):
    """Completes the last comma-separated item."""

    def __init__(self, words: list[str], parent: QLineEdit) -> None:
        super().__init__(words, parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)

    def pathFromIndex(self, index: Any) -> str:  # noqa: N802 (Qt override)
        edit = self.widget()
        assert isinstance(edit, QLineEdit)
        head, _, _ = edit.text().rpartition(",")
        chosen = str(super().pathFromIndex(index))
        return f"{head}, {chosen}" if head else chosen

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 (Qt override)
        return [path.rpartition(",")[2].strip()]


class CheckListField(QWidget):
    """Several named options; nothing checked means not recorded (None)."""

    changed = Signal()

    def __init__(
        self, options: Sequence[tuple[str, str]], *, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.boxes: dict[str, QCheckBox] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for value, label in options:
            box = QCheckBox(label, self)
            box.setAccessibleName(f"{name}: {label}")
            box.toggled.connect(self._on_toggled)
            self.boxes[value] = box
            layout.addWidget(box)
        layout.addStretch(1)
        first = next(iter(self.boxes.values()), None)
        if first is not None:
            self.setFocusProxy(first)

    def _on_toggled(self, _checked: bool) -> None:
        self.changed.emit()

    def value(self) -> list[str] | None:
        chosen = [value for value, box in self.boxes.items() if box.isChecked()]
        return chosen or None

    def set_value(self, value: Sequence[str] | None) -> None:
        chosen = set(value or ())
        for key, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(key in chosen)
            box.blockSignals(False)


class ErrorLabel(QLabel):
    """An inline validation message below its field.

    ``reserve``: the label always takes one line, empty when there is no problem, so that a
    message appearing never moves the widgets below it (the next click lands where the user
    aimed).  Several messages share the line ("  ·  "); only text longer than the line wraps
    onto a second one.  Without ``reserve`` the label is hidden while empty (section and
    form-level messages, which belong to no one field).

    Besides errors it shows notes (how a typed date was read) and warnings (a dose above the
    label maximum) when there is no error; an error always takes precedence.
    """

    def __init__(self, parent: QWidget | None = None, *, reserve: bool = False) -> None:
        super().__init__(parent)
        self.reserve = reserve
        self._messages: list[str] = []
        self._notes: dict[str, tuple[str, bool]] = {}
        self.setWordWrap(True)
        self.setStyleSheet(ERROR_STYLE)
        self.setTextFormat(Qt.TextFormat.PlainText)
        if reserve:
            self.setMinimumHeight(self.fontMetrics().lineSpacing())
        else:
            self.hide()

    def show_messages(self, messages: Sequence[str]) -> None:
        self._messages = list(messages)
        self._render()

    def set_note(self, key: str, text: str, *, warning: bool = False) -> None:
        """A note (or, ``warning``, a warning) from the field itself; "" removes it."""
        if text:
            self._notes[key] = (text, warning)
        else:
            self._notes.pop(key, None)
        self._render()

    @property
    def messages(self) -> list[str]:
        return list(self._messages)

    def _render(self) -> None:
        joiner = "  ·  " if self.reserve else "\n"
        if self._messages:
            self.setStyleSheet(ERROR_STYLE)
            self.setText(joiner.join(f"⚠ {m}" for m in self._messages))
            self.setAccessibleName("Error: " + " ".join(self._messages))
            self.show()
        elif self._notes:
            warning = any(w for _, w in self._notes.values())
            self.setStyleSheet(WARNING_STYLE if warning else NOTE_STYLE)
            self.setText(joiner.join(("⚠ " if w else "") + t for t, w in self._notes.values()))
            self.setAccessibleName(("Warning: " if warning else "Note: ") + self.text())
            self.show()
        else:
            self.clear()
            self.setAccessibleName("")
            self.setVisible(self.reserve)


class FieldBox(QWidget):
    """A field with its inline error message below it, in a line reserved for it."""

    def __init__(self, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.error = ErrorLabel(self, reserve=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(field)
        layout.addWidget(self.error)
        self.setFocusProxy(field)
        if isinstance(field, DateField):
            field.noteChanged.connect(lambda text: self.error.set_note("date", text))
