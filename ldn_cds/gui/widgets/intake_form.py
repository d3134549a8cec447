"""Intake form: every field of the case format, in sections, with inline validation.

The form only collects what the physician enters into a JSON-like dict and shows the
validation messages the controller sends back; it never decides anything clinical.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.dates import PATTERN
from ldn_cds.core.facts import mme_line_for
from ldn_cds.core.medicines import OPIOID_ROLES
from ldn_cds.core.models import (
    DoseUnit,
    LdnStatus,
    Liver,
    OpioidStatus,
    OpioidUseDisorder,
    PainType,
    Release,
    Renal,
    Sex,
    TestResult,
    ThyroidCause,
    Use,
    parse_case,
)
from ldn_cds.core.plausibility import dose_warning
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.messages import clinic_words, row_message, section_message
from ldn_cds.gui.widgets.entry_conditions import ConditionsField, OtherConditions
from ldn_cds.gui.widgets.entry_medicines import MedicineCompleter, MedicineListCompleter
from ldn_cds.gui.widgets.fields import (
    CheckListField,
    ChoiceField,
    DateField,
    ErrorLabel,
    FieldBox,
    ListField,
    NumberField,
    TextField,
    YesNoField,
    guard_wheel,
    humanize,
    locale_order,
)

DEBOUNCE_MS = 50
_RECOGNISED_STYLE = "color: palette(dark);"
_UNRESOLVED_STYLE = "color: #7a4d00; font-weight: bold;"
_STATUS_MARK = {"recognised": "✓", "confirmed_not_opioid": "✓", "ambiguous": "⚠",
                "not_recognised": "⚠"}


def recognised_text(status: str, entry: str, recognised_as: str, *, opioid: bool = False) -> str:
    """``✓ Recognised as: ...`` / ``⚠ Not recognised: ...`` (display only).

    ``opioid``: the core found an opioid ingredient in an entry of the other medicines, which
    is marked as a warning rather than ticked.
    """
    mark = _STATUS_MARK.get(status, "•")
    if opioid and status == "recognised":
        return f"⚠ Recognised as {recognised_as}: contains an opioid"
    if status == "not_recognised":
        return f"{mark} '{entry}' not recognised: confirm it is not an opioid"
    if status == "ambiguous":
        return f"{mark} '{entry}' is ambiguous: {recognised_as}"
    if status == "confirmed_not_opioid":
        return f"{mark} '{entry}': you confirmed it contains no opioid"
    return f"{mark} Recognised as {recognised_as}"


class MedicinesRecognised(QWidget):
    """Under the other-medicines list: each entry with what it was recognised as.

    An entry that is not recognised (or ambiguous) offers "Confirm no opioid", which adds the
    entry, as written, to the case's ``confirmed_not_opioids``.
    """

    confirmRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Other medicines: recognised as")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._shown: list[tuple[str, str, str, bool]] = []
        self.labels: list[QLabel] = []
        self.confirm_buttons: dict[str, QPushButton] = {}
        self.hide()

    def show_entries(self, entries: Sequence[tuple[str, str, str, bool]]) -> None:
        """``(entry, status, recognised_as, opioid)`` per other medicine, in list order."""
        entries = list(entries)
        if entries == self._shown:
            return
        self._shown = entries
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.labels, self.confirm_buttons = [], {}
        for entry, status, recognised_as, opioid in entries:
            line = QWidget(self)
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            label = QLabel(recognised_text(status, entry, recognised_as, opioid=opioid), line)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            unresolved = status in ("not_recognised", "ambiguous")
            label.setStyleSheet(_UNRESOLVED_STYLE if unresolved or opioid
                                else _RECOGNISED_STYLE)
            label.setAccessibleName(f"{entry}: {label.text()}")
            row.addWidget(label, 1)
            self.labels.append(label)
            if unresolved and entry not in self.confirm_buttons:
                button = QPushButton("Confirm no opioid", line)
                button.setAccessibleName(f"Confirm that {entry} contains no opioid")
                button.setToolTip("Adds this entry, as written, to 'Confirmed no opioid'")
                button.clicked.connect(lambda _=False, e=entry: self.confirmRequested.emit(e))
                row.addWidget(button)
                self.confirm_buttons[entry] = button
            self._layout.addWidget(line)
        self.setVisible(bool(entries))

# Derived facts named in "missing information" -> the field the physician fills in.
_FACT_FIELDS = {
    "patient.age_years": "patient.date_of_birth",
    "patient.pregnancy_applies": "patient.sex",
    "opioids.in_washout": "opioids.medications",
    "opioids.stopped_details_missing": "opioids.medications",
    "opioids.listed_but_status_none": "opioids.status",
    "opioids.oud_treatment": "history.opioid_use_disorder",
    "opioids.buprenorphine_oud_dose": "opioids.medications",
    "opioids.depot": "opioids.medications",
    "opioids.list_not_opioid": "opioids.medications",
    "opioids.list_unrecognised": "opioids.medications",
    "opioids.as_needed_only": "opioids.medications",
    "other_medications.unrecognised": "confirmed_not_opioids",
    "other_medications.naltrexone_dose_unknown": "other_medications",
    "answers.contradict_medicines": "other_medications",
    "ldn.already_on": "ldn.status",
    "ldn.previous_dose_applies": "ldn.dose_mg",
    "history.surgery_in_titration": "history.planned_surgery_on",
    "history.hashimoto": "history.hypothyroidism_cause",
    "history.after_thyroidectomy": "history.hypothyroidism_cause",
}

_ALIASES = {"pain.other_conditions": "pain.conditions"}
"""Paths shown beside another field's box (free-text conditions live in the conditions)."""

_CASE_MESSAGES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^patient\.date_of_birth is after assessed_on"), "patient.date_of_birth",
     "The date of birth is after the assessment date: check both dates"),
    (re.compile(r"^opioids\.medications: last_dose_on (?P<date>\S+) for (?P<drug>.+) is after "
                r"assessed_on (?P<on>\S+)"), "opioid-row",
     "{date} is after the assessment date ({on}): a last dose cannot be in the future"),
    (re.compile(r"^ldn\.last_dose_on (?P<date>\S+) is after assessed_on (?P<on>\S+)"),
     "ldn.last_dose_on",
     "{date} is after the assessment date ({on}): a last dose cannot be in the future"),
    (re.compile(r"^pregnant is true but sex is 'male'"), "patient.pregnant",
     "Pregnant is Yes but the sex is Male: correct the sex or the pregnancy answer"),
)
"""Messages of the whole case (or a section) that belong to one field: (message pattern,
field path, the words shown beside it)."""

_OPIOID_STATUS_LABELS = {
    OpioidStatus.NONE: "None (no opioid in the relevant past)",
    OpioidStatus.CURRENT: "Current (taking opioids now)",
    OpioidStatus.STOPPED: "Stopped (recently)",
    OpioidStatus.UNKNOWN: "Unknown (asked, not known)",
}


def _enum_options(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, humanize(member.value)) for member in enum]


def _known_drugs(ruleset: RuleSet) -> list[str]:
    """Opioid ingredients and products of the medication vocabulary (for completion)."""
    vocab = ruleset.vocabulary
    names = {i.display for i in vocab.ingredients.values()
             if i.role in OPIOID_ROLES and i.id != "unspecified_opioid"}
    names |= {p.name for p in vocab.products if p.role in OPIOID_ROLES}
    return sorted(names, key=str.lower)


class OpioidRow:
    """One opioid medication: drug, release, daily dose, unit, last dose, MME."""

    def __init__(self, owner: OpioidTable, drugs: Sequence[str]) -> None:
        n = owner.row_count() + 1
        self.drug = QComboBox(owner)
        self.drug.setEditable(True)
        self.drug.addItem("")
        self.drug.addItems(list(drugs))
        self.drug.setCurrentIndex(0)
        self.drug.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # popup completion, each name with what it is; never inline (typed text stays typed).
        # On the line edit itself: the combo box would look the popup's text up in its items.
        drug_edit = self.drug.lineEdit()
        assert drug_edit is not None  # editable
        drug_edit.setCompleter(MedicineCompleter(owner.ruleset, opioids_only=True,
                                                 parent=self.drug))
        self.drug.setAccessibleName(f"Opioid {n}: drug")
        guard_wheel(self.drug)
        self.drug.setMinimumContentsLength(8)
        self.drug.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        line = self.drug.lineEdit()
        if line is not None:
            line.setPlaceholderText("generic or brand")
        self.release = ChoiceField(_enum_options(Release), name=f"Opioid {n}: release",
                                   unknown_label="—", parent=owner)
        self.dose = NumberField(name=f"Opioid {n}: daily dose", integer=False,
                                placeholder="dose", parent=owner)
        self.unit = ChoiceField([(u.value, u.value) for u in DoseUnit],
                                name=f"Opioid {n}: unit", unknown_label="—", parent=owner)
        self.use = ChoiceField([(Use.DAILY.value, "daily"), (Use.AS_NEEDED.value, "as needed")],
                               name=f"Opioid {n}: taken daily or as needed",
                               unknown_label="—", parent=owner)
        self.last = DateField(name=f"Opioid {n}: last dose date", parent=owner)
        self.mme = QLabel("—", owner)
        self.mme.setAccessibleName(f"Opioid {n}: morphine milligram equivalents per day")
        self.mme.setMinimumWidth(owner.fontMetrics().horizontalAdvance("000.0"))
        self.mme.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.remove = QToolButton(owner)
        self.remove.setText("✕")
        self.remove.setToolTip(f"Remove opioid {n}")
        self.remove.setAccessibleName(f"Remove opioid {n}")
        for field in (self.dose, self.last):
            field.setClearButtonEnabled(False)
        self.dose.setMinimumWidth(owner.fontMetrics().horizontalAdvance("00000") + 16)
        self.dose.setMaximumWidth(owner.fontMetrics().horizontalAdvance("0000000") + 16)
        self.last.setMinimumWidth(owner.fontMetrics().horizontalAdvance("0000-00-00") + 16)
        self.error = ErrorLabel(owner, reserve=True)
        self.last.noteChanged.connect(lambda text: self.error.set_note("date", text))
        self.release.changed.connect(self._label_last_date)
        self.unit.changed.connect(self._label_last_date)
        self._label_last_date()
        self.recognised = QLabel(owner)
        self.recognised.setAccessibleName(f"Opioid {n}: recognised as")
        self.recognised.setWordWrap(True)
        self.recognised.setTextFormat(Qt.TextFormat.PlainText)
        self.recognised.setStyleSheet(_RECOGNISED_STYLE)
        # a line reserved for "recognised as", so that its text never moves the rows below
        self.recognised.setMinimumHeight(owner.fontMetrics().lineSpacing())
        for widget in (self.release, self.unit, self.dose, self.use, self.last):
            widget.changed.connect(owner.on_row_edited)
        self.drug.currentTextChanged.connect(owner.on_row_edited)
        self.remove.clicked.connect(lambda: owner.remove_row(self))

    def widgets(self) -> list[QWidget]:
        return [self.drug, self.release, self.dose, self.unit, self.use, self.last, self.mme,
                self.remove]

    def _label_last_date(self) -> None:
        """For a patch the date asked is the day the last patch was removed (and for a depot,
        the last injection): the field says so."""
        n = self.drug.accessibleName().split(":")[0]
        if self.release.value() == Release.TRANSDERMAL.value or self.unit.value() == "mcg/h":
            words = "date the last patch was removed"
        elif self.release.value() == Release.DEPOT.value:
            words = "date of the last injection"
        else:
            words = "last dose date"
        self.last.setPlaceholderText(words)
        self.last.setAccessibleName(f"{n}: {words}")
        self.last.setToolTip(words[:1].upper() + words[1:] + ": YYYY-MM-DD or "
                             + PATTERN[locale_order()] + ", or pick it from the calendar.")

    def show_dose_warning(self, text: str, tip: str = "") -> None:
        """The daily dose is above the label maximum (from the core): beside the row, and
        the label it comes from in the field's tooltip."""
        self.error.set_note("dose", text, warning=True)
        self.dose.setToolTip(tip or text)

    def is_blank(self) -> bool:
        """Nothing typed or chosen yet (a row just added): not part of the case."""
        return not self.drug.currentText().strip() and all(
            field.value() is None
            for field in (self.release, self.dose, self.unit, self.use, self.last))

    def value(self) -> dict[str, Any]:
        row: dict[str, Any] = {"drug": self.drug.currentText().strip()}
        for key, field in (("release", self.release), ("daily_dose", self.dose),
                           ("unit", self.unit), ("use", self.use),
                           ("last_dose_on", self.last)):
            value = field.value()
            if value is not None:
                row[key] = value
        return row

    def set_value(self, med: dict[str, Any]) -> None:
        self.drug.setCurrentText(str(med.get("drug", "")))
        self.release.set_value(med.get("release"))
        dose = med.get("daily_dose")
        self.dose.set_value(None if dose is None else f"{dose:g}" if isinstance(
            dose, float) else dose)
        self.unit.set_value(med.get("unit"))
        self.use.set_value(med.get("use"))
        self.last.set_value(med.get("last_dose_on"))


class OpioidTable(QWidget):
    """Editable table of opioid medications with MME per row (from the core's mme_lines)."""

    changed = Signal()
    HEADERS = ("Drug", "Release", "Daily dose", "Unit", "")
    HEADERS_2 = ("Taken", "Last dose date", "", "", "MME/day")
    """Each row takes two lines (drug, release, dose, unit; taken, last dose, MME), so that the
    table fits the form at 1280 px and at 150% scale without scrolling sideways."""
    COLUMNS = len(HEADERS)

    def __init__(self, *, ruleset: RuleSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Opioid medications")
        self._ruleset = ruleset
        self.ruleset = ruleset
        self._drugs = _known_drugs(ruleset)
        self.rows: list[OpioidRow] = []
        self._collected: list[OpioidRow] = []  # the rows in the case, in order (no blank rows)
        self._empty_is_none_list = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(2)
        self.header_labels: list[QLabel] = []
        for line, headers in enumerate((self.HEADERS, self.HEADERS_2)):
            for col, text in enumerate(headers):
                if not text:
                    continue
                label = QLabel(f"<b>{text}</b>" if line == 0 else text, self)
                if text == "MME/day":
                    label.setToolTip("Morphine milligram equivalents per day (CDC 2022 factors)")
                elif text.startswith("Last dose"):
                    label.setToolTip("Date of the last dose; for a patch, the date the last "
                                     "patch was removed; for a depot, the last injection")
                self.header_labels.append(label)
                self.grid.addWidget(label, line, col, 1, 3 if col == 1 and line == 1 else 1)
        self.grid.setColumnStretch(0, 1)
        outer.addLayout(self.grid)
        self.empty_label = QLabel("No opioid listed.", self)
        self.empty_label.setStyleSheet("color: palette(mid);")
        outer.addWidget(self.empty_label)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add opioid", self)
        self.add_button.setAccessibleName("Add an opioid medication")
        self.add_button.clicked.connect(self._on_add_clicked)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)

    def row_count(self) -> int:
        return len(self.rows)

    def _on_add_clicked(self) -> None:
        row = self.add_row()
        row.drug.setFocus()
        self.changed.emit()

    def add_row(self) -> OpioidRow:
        row = OpioidRow(self, self._drugs)
        self.rows.append(row)
        self._relayout()
        return row

    def remove_row(self, row: OpioidRow) -> None:
        self.rows.remove(row)
        for widget in [*row.widgets(), row.recognised, row.error]:
            self.grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self._relayout()
        self.add_button.setFocus()
        self.changed.emit()

    def _relayout(self) -> None:
        for i, row in enumerate(self.rows):
            r = 2 + 4 * i
            for col, widget in enumerate((row.drug, row.release, row.dose, row.unit, row.remove)):
                self.grid.addWidget(widget, r, col)
            self.grid.addWidget(row.use, r + 1, 0)
            self.grid.addWidget(row.last, r + 1, 1, 1, 3)
            self.grid.addWidget(row.mme, r + 1, 4)
            self.grid.addWidget(row.recognised, r + 2, 0, 1, self.COLUMNS)
            self.grid.addWidget(row.error, r + 3, 0, 1, self.COLUMNS)
            row.recognised.show()  # reserved lines (now, not when the event loop next runs)
            row.error.show()
        self.empty_label.setVisible(not self.rows)
        previous: QWidget | None = None
        for row in self.rows:
            for widget in [row.drug, row.release, row.dose, row.unit, row.use, row.last,
                           row.remove]:
                if previous is not None:
                    QWidget.setTabOrder(previous, widget)
                previous = widget
        if previous is not None:
            QWidget.setTabOrder(previous, self.add_button)

    def on_row_edited(self, *_args: Any) -> None:
        self.update_mme()
        self.changed.emit()

    def update_mme(self) -> None:
        """MME per row as typed: each row is validated alone and passed to the core."""
        for row in self.rows:
            text, tip, dose_text, dose_tip = "—", "", "", ""
            try:
                case = parse_case({"schema_version": 1, "opioids": {"medications": [row.value()]}})
            except ValueError:
                tip = "Complete the row to compute MME."
            else:
                meds = case.opioids.medications or []
                warning = dose_warning(self._ruleset, meds[0])
                dose_text = "" if warning is None else warning.text
                dose_tip = "" if warning is None else f"{warning.text}. {warning.source_text}"
                line = mme_line_for(self._ruleset, meds[0])
                if line.mme is not None:
                    text = f"{line.mme:g}"
                    tip = f"factor {line.factor:g}"
                else:
                    tip = line.note or ""
                    text = "n/a" if line.factor is None else "—"
            row.mme.setText(text)
            row.mme.setToolTip(tip)
            row.show_dose_warning(dose_text, dose_tip)

    def value(self) -> list[dict[str, Any]] | None:
        """The medications entered; a row with nothing typed yet is left out (no error for it)."""
        self._collected = [row for row in self.rows if not row.is_blank()]
        if not self._collected:
            return [] if self._empty_is_none_list else None
        return [row.value() for row in self._collected]

    def set_value(self, meds: Sequence[dict[str, Any]] | None) -> None:
        for row in list(self.rows):
            for widget in [*row.widgets(), row.recognised, row.error]:
                self.grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        self.rows = []
        self._empty_is_none_list = meds is not None and len(meds) == 0
        for med in meds or ():
            self.add_row().set_value(med)
        self._relayout()
        self.update_mme()

    def field_for(self, path: str) -> QWidget | None:
        """``[0].daily_dose`` -> that row's widget."""
        if not path.startswith("["):
            return None
        index_text, _, rest = path[1:].partition("]")
        try:
            row = self._collected[int(index_text)]
        except (ValueError, IndexError):
            return None
        key = rest.lstrip(".")
        return {"drug": row.drug, "release": row.release, "daily_dose": row.dose,
                "unit": row.unit, "use": row.use,
                "last_dose_on": row.last}.get(key, row.drug)

    def collected_rows(self) -> list[OpioidRow]:
        """The rows in the case, in order (blank rows are not in it)."""
        return list(self._collected)

    def show_row_problems(self, problems: dict[int, list[str]]) -> None:
        """Problems by index in the case (blank rows are not in it) beside their row."""
        by_row = {id(row): problems.get(i, []) for i, row in enumerate(self._collected)}
        for row in self.rows:
            row.error.show_messages(by_row.get(id(row), []))

    def show_recognised(self, by_index: dict[int, tuple[str, str]]) -> None:
        """Beside each row, what its drug was recognised as (index in the case -> entry, text).

        Shown only while the row still holds the entry that was assessed.
        """
        for row in self.rows:
            row.recognised.clear()
        for i, row in enumerate(r for r in self.rows if not r.is_blank()):
            entry, text = by_index.get(i, ("", ""))
            if text and row.drug.currentText().strip() == entry:
                row.recognised.setText(text)

    def first_incomplete(self) -> QWidget:
        for row in self.rows:
            if row.last.value() is None:
                return row.last
        return self.rows[0].drug if self.rows else self.add_button


class IntakeForm(QWidget):
    """All intake sections in a scroll area.  Emits ``intakeChanged(dict)`` after edits."""

    intakeChanged = Signal(dict)

    def __init__(self, *, ruleset: RuleSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Intake form")
        self.ruleset = ruleset
        self._filling = False
        self._extra: dict[str, dict[str, Any]] = {}
        self._boxes: dict[str, FieldBox] = {}
        self._captions: dict[str, str] = {}
        self._section_errors: dict[str, ErrorLabel] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget(self.scroll_area)
        self._inner = inner
        column = QVBoxLayout(inner)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(10)
        self.top_error = ErrorLabel(inner)
        column.addWidget(self.top_error)
        column.addWidget(self._build_case_section(inner))
        column.addWidget(self._build_patient_section(inner))
        column.addWidget(self._build_pain_section(inner))
        column.addWidget(self._build_opioid_section(inner))
        column.addWidget(self._build_history_section(inner))
        column.addWidget(self._build_lists_section(inner))
        column.addStretch(1)
        self.scroll_area.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)
        self._update_visibility()

    # -- building ------------------------------------------------------------------------------

    def _group(self, title: str, path: str, parent: QWidget) -> tuple[QGroupBox, QFormLayout]:
        group = QGroupBox(title, parent)
        group.setAccessibleName(f"{title} section")
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(2)  # each field's reserved error line spaces the rows
        error = ErrorLabel(group)
        form.addRow(error)
        self._section_errors[path] = error
        return group, form

    def _add(self, form: QFormLayout, label: str, path: str, field: QWidget) -> FieldBox:
        box = FieldBox(field)
        caption = QLabel(label)
        caption.setBuddy(field)
        caption.setWordWrap(False)
        form.addRow(caption, box)
        self._boxes[path] = box
        self._captions[path] = label.replace("&", "")
        changed = getattr(field, "changed", None)
        if changed is not None:
            changed.connect(self._on_field_changed)
        if not field.accessibleName():
            field.setAccessibleName(label.replace("&", ""))
        return box

    def _build_case_section(self, parent: QWidget) -> QGroupBox:
        group, form = self._group("Assessment", "assessed_on", parent)
        self.assessed_on = DateField(name="Assessment date")
        self._add(form, "Assessment &date", "assessed_on", self.assessed_on)
        return group

    def _build_patient_section(self, parent: QWidget) -> QGroupBox:
        group, form = self._group("Patient", "patient", parent)
        self.patient_form = form
        self.name = TextField(name="Patient name")
        self.record_id = TextField(name="Record number")
        self.dob = DateField(name="Date of birth")
        self.sex = ChoiceField(_enum_options(Sex), name="Sex")
        self.pregnant = YesNoField(name="Pregnant now")
        self.breastfeeding = YesNoField(name="Breastfeeding now")
        self.postmenopausal = YesNoField(name="Post-menopausal")
        self._add(form, "&Name", "patient.name", self.name)
        self._add(form, "Record &number", "patient.record_id", self.record_id)
        dob_row = QWidget()
        dob_layout = QHBoxLayout(dob_row)
        dob_layout.setContentsMargins(0, 0, 0, 0)
        dob_layout.addWidget(self.dob, 1)
        self.age_label = QLabel(dob_row)
        self.age_label.setAccessibleName("Age on the assessment date")
        self.age_label.setTextFormat(Qt.TextFormat.PlainText)
        dob_layout.addWidget(self.age_label)
        dob_row.setFocusProxy(self.dob)
        dob_row.setAccessibleName("Date of birth")
        self.dob.changed.connect(self._on_field_changed)
        dob_box = self._add(form, "Date of &birth", "patient.date_of_birth", dob_row)
        self.dob.noteChanged.connect(lambda text: dob_box.error.set_note("date", text))
        self._add(form, "&Sex", "patient.sex", self.sex)
        self._add(form, "&Pregnant now", "patient.pregnant", self.pregnant)
        self._add(form, "Breast&feeding now", "patient.breastfeeding", self.breastfeeding)
        self._add(form, "Post-menopausal", "patient.postmenopausal", self.postmenopausal)
        return group

    def _build_pain_section(self, parent: QWidget) -> QGroupBox:
        group, form = self._group("Pain", "pain", parent)
        self.pain_types = CheckListField(_enum_options(PainType), name="Pain types")
        self.conditions = ConditionsField(self.ruleset.conditions, name="Pain conditions")
        self.duration = NumberField(name="Pain duration in months", integer=True,
                                    placeholder="months")
        self.score = ChoiceField([(i, str(i)) for i in range(11)],
                                 name="Pain score now, 0 to 10", unknown_label="Not recorded")
        self._add(form, "Pain &types", "pain.types", self.pain_types)
        self._add(form, "&Conditions", "pain.conditions", self.conditions)
        self._add(form, "D&uration (months)", "pain.duration_months", self.duration)
        self._add(form, "Pain score no&w (0-10)", "pain.score_now", self.score)
        return group

    def _build_opioid_section(self, parent: QWidget) -> QGroupBox:
        group, form = self._group("Opioids", "opioids", parent)
        self.opioid_status = ChoiceField(list(_OPIOID_STATUS_LABELS.items()),
                                         name="Opioid use")
        self.opioid_table = OpioidTable(ruleset=self.ruleset)
        self.opioid_table.changed.connect(self._on_field_changed)
        self.urine_screen = ChoiceField(_enum_options(TestResult), name="Urine drug screen",
                                        unknown_label="Not done / not known")
        self.naloxone = ChoiceField(_enum_options(TestResult), name="Naloxone challenge",
                                    unknown_label="Not done / not known")
        self._add(form, "&Opioid use", "opioids.status", self.opioid_status)
        box = FieldBox(self.opioid_table)
        form.addRow(box)
        self._boxes["opioids.medications"] = box
        self.withdrawal = YesNoField(name="Signs of acute opioid withdrawal now")
        self._add(form, "Acute &withdrawal signs now", "opioids.acute_withdrawal",
                  self.withdrawal)
        self._add(form, "Urine drug screen", "opioids.urine_drug_screen", self.urine_screen)
        self._add(form, "Naloxone challenge", "opioids.naloxone_challenge", self.naloxone)
        return group

    def _build_history_section(self, parent: QWidget) -> QGroupBox:
        group, form = self._group("History", "history", parent)
        self.history_form = form
        self.hypersensitivity = YesNoField(name="Naltrexone hypersensitivity")
        self.liver = ChoiceField(_enum_options(Liver), name="Liver disease")
        self.renal = ChoiceField(_enum_options(Renal), name="Kidney impairment")
        self.oud = ChoiceField(
            [(OpioidUseDisorder.NONE.value, "None"),
             (OpioidUseDisorder.REMISSION.value, "In remission"),
             (OpioidUseDisorder.ON_MAINTENANCE.value, "On maintenance treatment")],
            name="Opioid use disorder")
        self.surgery = YesNoField(name="Surgery or procedure planned")
        self.surgery_on = DateField(name="Planned surgery date")
        self.thyroid = YesNoField(name="Hypothyroidism on levothyroxine")
        self.immuno = YesNoField(name="Immunosuppressed or transplant")
        self.thyroid_cause = ChoiceField(
            [(ThyroidCause.HASHIMOTO.value, "Hashimoto's thyroiditis"),
             (ThyroidCause.THYROIDECTOMY.value, "Thyroidectomy"),
             (ThyroidCause.OTHER.value, "Other")], name="Cause of hypothyroidism")
        self.depression_old = YesNoField(name="Depression or suicidality (case format 1.0)")
        self.depression = YesNoField(name="Depression")
        self.suicidal = YesNoField(name="Thoughts of self-harm now (suicidal ideation)")
        self.insomnia = YesNoField(name="Insomnia or vivid dreams")
        self.sensitivities = YesNoField(name="Sensitive to many medicines")
        self._add(form, "Allergy to na&ltrexone", "history.naltrexone_hypersensitivity",
                  self.hypersensitivity)
        self._add(form, "Li&ver disease", "history.liver", self.liver)
        self._add(form, "&Kidney impairment", "history.renal", self.renal)
        self._add(form, "Opioid use &disorder", "history.opioid_use_disorder", self.oud)
        self._add(form, "Surgery pl&anned", "history.surgery_planned", self.surgery)
        self._add(form, "Planned surgery date", "history.planned_surgery_on", self.surgery_on)
        self._add(form, "Hypothyroidism on levothyro&xine",
                  "history.hypothyroidism_on_levothyroxine", self.thyroid)
        self._add(form, "Cause of hypothyroidism", "history.hypothyroidism_cause",
                  self.thyroid_cause)
        self._add(form, "I&mmunosuppressed / transplant", "history.immunosuppressed",
                  self.immuno)
        self._add(form, "Depression or suicidality (1.0)", "history.depression_or_suicidality",
                  self.depression_old)
        self._add(form, "Depressio&n", "history.depression", self.depression)
        self._add(form, "Suicidal ideation no&w", "history.suicidal_ideation", self.suicidal)
        self._add(form, "Insomnia or vivid dreams", "history.insomnia_or_vivid_dreams",
                  self.insomnia)
        self._add(form, "Sensitive to many medicines", "history.multiple_drug_sensitivities",
                  self.sensitivities)
        return group

    def _build_lists_section(self, parent: QWidget) -> QGroupBox:
        group, form = self._group("Other medicines and prior therapies", "lists", parent)
        self.other_meds = ListField(name="Other medicines", placeholder="e.g. levothyroxine, "
                                    "contrave", completer=MedicineListCompleter(
                                        self.ruleset, opioids_only=False, parent=self))
        self.prior = ListField(name="Prior pain therapies", none_label="None tried",
                               placeholder="e.g. gabapentin, duloxetine")
        self.confirmed = ListField(name="Medicines confirmed to contain no opioid",
                                   none_label="None confirmed",
                                   placeholder="an entry of other medicines, as written")
        self.ldn_status = ChoiceField(
            [(LdnStatus.NONE.value, "Never / not now"), (LdnStatus.CURRENT.value, "Taking LDN"),
             (LdnStatus.STOPPED.value, "Stopped LDN")], name="LDN already taken")
        self.ldn_dose = NumberField(name="Previous LDN dose in mg", integer=False,
                                    placeholder="mg")
        self.ldn_last = DateField(name="Last LDN dose")
        self._add(form, "Other m&edicines", "other_medications", self.other_meds)
        self.other_meds_recognised = MedicinesRecognised()
        self.other_meds_recognised.confirmRequested.connect(self.confirm_not_opioid)
        form.addRow("", self.other_meds_recognised)
        self._add(form, "Confirmed no opioid", "confirmed_not_opioids", self.confirmed)
        self._add(form, "Prior t&herapies", "prior_therapies", self.prior)
        self._add(form, "LDN already taken", "ldn.status", self.ldn_status)
        self._add(form, "Previous LDN dose (mg)", "ldn.dose_mg", self.ldn_dose)
        self._add(form, "Last LDN dose", "ldn.last_dose_on", self.ldn_last)
        self.lists_form = form
        return group

    # -- values --------------------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        return {
            "assessed_on": self.assessed_on,
            "patient.name": self.name, "patient.record_id": self.record_id,
            "patient.date_of_birth": self.dob, "patient.sex": self.sex,
            "patient.pregnant": self.pregnant, "patient.breastfeeding": self.breastfeeding,
            "patient.postmenopausal": self.postmenopausal,
            "pain.types": self.pain_types, "pain.conditions": self.conditions,
            "pain.other_conditions": OtherConditions(self.conditions),
            "pain.duration_months": self.duration, "pain.score_now": self.score,
            "opioids.status": self.opioid_status, "opioids.medications": self.opioid_table,
            "opioids.urine_drug_screen": self.urine_screen,
            "opioids.naloxone_challenge": self.naloxone,
            "opioids.acute_withdrawal": self.withdrawal,
            "history.naltrexone_hypersensitivity": self.hypersensitivity,
            "history.liver": self.liver, "history.renal": self.renal,
            "history.opioid_use_disorder": self.oud,
            "history.surgery_planned": self.surgery,
            "history.planned_surgery_on": self.surgery_on,
            "history.hypothyroidism_on_levothyroxine": self.thyroid,
            "history.immunosuppressed": self.immuno,
            "history.hypothyroidism_cause": self.thyroid_cause,
            "history.depression_or_suicidality": self.depression_old,
            "history.depression": self.depression,
            "history.suicidal_ideation": self.suicidal,
            "history.insomnia_or_vivid_dreams": self.insomnia,
            "history.multiple_drug_sensitivities": self.sensitivities,
            "other_medications": self.other_meds, "prior_therapies": self.prior,
            "confirmed_not_opioids": self.confirmed,
            "ldn.status": self.ldn_status, "ldn.dose_mg": self.ldn_dose,
            "ldn.last_dose_on": self.ldn_last,
        }

    def _pregnancy_rows_apply(self) -> bool:
        return bool(self.sex.value() != Sex.MALE.value)

    def collect(self) -> dict[str, Any]:
        """The intake as a JSON-like dict; unknown answers are left out (None)."""
        out: dict[str, Any] = {section: dict(values) for section, values in self._extra.items()}
        for path, field in self._fields().items():
            if path in ("patient.pregnant", "patient.breastfeeding",
                        "patient.postmenopausal") and not self._pregnancy_rows_apply():
                continue
            if path == "history.planned_surgery_on" and self.surgery.value() is not True:
                continue
            # a cause the record holds (Hashimoto's from a problem list) is kept and shown
            # even before the levothyroxine question is answered
            value = field.value()
            if value is None:
                continue
            section, _, key = path.partition(".")
            if key:
                out.setdefault(section, {})[key] = value
            else:
                out[section] = value
        return out

    def set_data(self, data: dict[str, Any]) -> None:
        """Fill every field from a JSON-like case (missing keys: not known)."""
        known = self._fields()
        self._extra = {}
        for section in ("patient", "pain", "opioids", "history", "ldn"):
            values = data.get(section)
            if isinstance(values, dict):
                extra = {k: v for k, v in values.items() if f"{section}.{k}" not in known}
                if extra:  # fields this form has no widget for are kept, never dropped
                    self._extra[section] = extra
        self._filling = True
        try:
            for path, field in known.items():
                section, _, key = path.partition(".")
                value = data.get(section)
                if key:
                    value = value.get(key) if isinstance(value, dict) else None
                field.set_value(value)
        finally:
            self._filling = False
        self._timer.stop()
        self._update_visibility()

    # -- edits ---------------------------------------------------------------------------------

    def _on_field_changed(self, *_args: Any) -> None:
        if self._filling:
            return
        self._update_visibility()
        self._timer.start()

    def flush(self) -> None:
        """Send the current intake now (the debounce timer calls this)."""
        self._timer.stop()
        self.intakeChanged.emit(self.collect())

    def _update_visibility(self) -> None:
        applies = self._pregnancy_rows_apply()
        self.patient_form.setRowVisible(self._boxes["patient.pregnant"], applies)
        self.patient_form.setRowVisible(self._boxes["patient.breastfeeding"], applies)
        self.patient_form.setRowVisible(self._boxes["patient.postmenopausal"], applies)
        self.history_form.setRowVisible(self._boxes["history.planned_surgery_on"],
                                        self.surgery.value() is True)
        self.history_form.setRowVisible(self._boxes["history.hypothyroidism_cause"],
                                        self.thyroid.value() is True
                                        or self.thyroid_cause.value() is not None)
        # the 1.0 combined question shows only when a case file answered it
        self.history_form.setRowVisible(self._boxes["history.depression_or_suicidality"],
                                        self.depression_old.value() is not None)
        on_ldn = self.ldn_status.value() in (LdnStatus.CURRENT.value, LdnStatus.STOPPED.value)
        self.lists_form.setRowVisible(self._boxes["ldn.dose_mg"], on_ldn)
        self.lists_form.setRowVisible(self._boxes["ldn.last_dose_on"],
                                      self.ldn_status.value() == LdnStatus.STOPPED.value)

    # -- problems and navigation ---------------------------------------------------------------

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> None:
        """Show each ``(path, message)`` beside its field, all at once, in clinic words.

        A problem of the whole case or of a section that names a field (a date after the
        assessment date, pregnant and male) is shown beside that field; only what belongs to
        no field goes above its section.  Each field's error line is reserved, so a message
        appearing never moves the fields below it.
        """
        by_box: dict[str, list[str]] = {}
        by_section: dict[str, list[str]] = {}
        rows: dict[int, list[str]] = {}
        top: list[str] = []
        for raw_path, raw_message in problems:
            path, message = self._route(raw_path, raw_message)
            if path.startswith("plan") or path.startswith("overrides"):
                continue
            if path.startswith("opioids.medications["):
                index_text, _, rest = path[len("opioids.medications["):].partition("]")
                key = rest.lstrip(".").split(".")[0].split("[")[0]
                if key == "last_dose_on":  # how the typed date could not be read, if so
                    message = self._date_problem(self.opioid_table.field_for(
                        f"[{index_text}].last_dose_on"), message)
                rows.setdefault(int(index_text), []).append(
                    row_message(key, message) if key else clinic_words(message))
                continue
            path = _ALIASES.get(path.split("[")[0], path)
            if path in self._boxes:
                message = self._date_problem(self._fields().get(path), message)
                by_box.setdefault(path, []).append(clinic_words(message))
            elif path in self._section_errors:
                by_section.setdefault(path, []).append(clinic_words(message))
            else:
                prefix = path.split("[")[0]
                if prefix in self._boxes:  # an item of a list: shown beside the list
                    by_box.setdefault(prefix, []).append(clinic_words(message))
                else:
                    top.append(section_message(self._captions.get(path), path, message))
        for path, box in self._boxes.items():
            box.error.show_messages(by_box.get(path, []))
        for path, section_label in self._section_errors.items():
            section_label.show_messages(by_section.get(path, []))
        self.opioid_table.show_row_problems(rows)
        self.top_error.show_messages(top)

    @staticmethod
    def _date_problem(field: Any, message: str) -> str:
        """For a typed date that could not be read, why (e.g. "13/04/1968 is not a date in
        MM/DD/YYYY; if you meant 13 April 1968, type 1968-04-13") instead of the parser's
        generic words."""
        if isinstance(field, DateField):
            problem = field.reading().problem
            if problem:
                return problem
        return message

    def _route(self, path: str, message: str) -> tuple[str, str]:
        """A case- or section-level message that names a field: that field, in clinic words."""
        for pattern, target, words in _CASE_MESSAGES:
            found = pattern.match(message)
            if found is None:
                continue
            values = found.groupdict()
            if target == "opioid-row":
                drug = values.get("drug", "")
                for i, row in enumerate(self.opioid_table.collected_rows()):
                    if row.drug.currentText().strip() == drug:
                        return (f"opioids.medications[{i}].last_dose_on",
                                words.format(**values))
                return "opioids.medications", words.format(**values)
            return target, words.format(**values)
        return path, message

    def show_age(self, trace: Sequence[Any], on: Any) -> None:
        """The age the rules used (read from the assessment's trace), beside the birth date."""
        age = next((t.inputs_read["patient.age_years"] for t in trace
                    if "patient.age_years" in t.inputs_read), None)
        shown = isinstance(age, int) and self.dob.value() is not None
        self.age_label.setText(f"age {age} on {on.isoformat()}" if shown else "")

    def show_medicines(self, medicines: Sequence[Any]) -> None:
        """What each medicine entry was recognised as (the assessment's ``medicines``)."""
        rows: dict[int, tuple[str, str]] = {}
        others: list[tuple[str, str, str, bool]] = []
        current = self.other_meds.value() or []
        for med in medicines:
            field = str(med.field)
            if field.startswith("opioids.medications["):
                index_text = field[len("opioids.medications["):].partition("]")[0]
                if index_text.isdigit():
                    rows[int(index_text)] = (med.entry, recognised_text(
                        med.status, med.entry, med.recognised_as))
            elif field.startswith("other_medications[") and med.entry in current:
                others.append((med.entry, med.status, med.recognised_as,
                               bool(med.opioid_ingredients)))
        self.opioid_table.show_recognised(rows)
        self.other_meds_recognised.show_entries(others)

    def confirm_not_opioid(self, entry: str) -> None:
        """Add ``entry`` (as written) to the medicines confirmed to contain no opioid."""
        confirmed = list(self.confirmed.value() or [])
        if entry not in confirmed:
            confirmed.append(entry)
        self.confirmed.set_value(confirmed)
        self._on_field_changed()
        self.flush()

    def widget_for(self, name: str) -> QWidget | None:
        """The widget for a case path or a rule input name (derived facts map to inputs)."""
        path = _FACT_FIELDS.get(name, name)
        if path.startswith("opioids.medications"):
            rest = path[len("opioids.medications"):]
            if rest:
                return self.opioid_table.field_for(rest)
            return self.opioid_table.first_incomplete()
        box = self._boxes.get(path)
        return None if box is None else box.field

    def focus_field(self, name: str) -> bool:
        """Scroll to and focus the field for ``name``; False when there is none."""
        widget = self.widget_for(name)
        if widget is None or not widget.isVisibleTo(self):
            if name in ("patient.pregnant", "patient.breastfeeding"):
                widget = self.sex
            elif name == "history.planned_surgery_on":
                widget = self.surgery
            else:
                return False
        self.scroll_area.ensureWidgetVisible(widget, 20, 60)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def sizeHint(self) -> Any:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        inner = self._inner.sizeHint()
        hint.setWidth(max(hint.width(), inner.width() + 24))
        return hint
