"""Dose plan tab: the prescriber's choices (written into ``case.plan``) and the dated plan."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.assessment import Assessment
from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.models import DoseForm
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.messages import clinic_words, section_message
from ldn_cds.gui.widgets.fields import (
    ChoiceField,
    DateField,
    ErrorLabel,
    FieldBox,
    NumberField,
    TextField,
)

DEBOUNCE_MS = 50
_PLAN_LABELS = {"plan": "Prescriber's choices", "plan.ceiling_override": "Above-ceiling dose"}


def _table(headers: Sequence[str], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


def _fit_height(table: QTableWidget) -> None:
    height = table.horizontalHeader().height() + 2 * table.frameWidth() + 2
    for row in range(table.rowCount()):
        height += table.rowHeight(row)
    if table.horizontalScrollBar().isVisible():
        height += table.horizontalScrollBar().height()
    table.setFixedHeight(height)


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            table.setItem(r, c, item)
    table.resizeRowsToContents()
    _fit_height(table)


class DosePlanView(QWidget):
    """Pickers for protocol, form, start date and maintenance; the dated steps and quantities."""

    planChanged = Signal(dict)

    def __init__(self, *, ruleset: RuleSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ruleset = ruleset
        self._filling = False
        self._plan: DosePlan | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        limits = ruleset.dosing.limits

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget(scroll)
        col = QVBoxLayout(body)
        col.setContentsMargins(6, 6, 6, 6)
        col.setSpacing(10)

        choices = QGroupBox("Prescriber's choices", body)
        form = QFormLayout(choices)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.protocol = ChoiceField([(p.id, p.name) for p in ruleset.dosing.protocols],
                                    name="Titration protocol",
                                    unknown_label="Rule set's choice")
        self.form = ChoiceField([(DoseForm.CAPSULE.value, "Capsules"),
                                 (DoseForm.LIQUID.value, "Liquid (1 mg/mL)")],
                                name="Dose form", unknown_label="Protocol's default")
        self.start_on = DateField(name="Requested start date")
        self.start_on.setPlaceholderText("earliest permitted start")
        self.maintenance = NumberField(
            name="Maintenance days to dispense", integer=True,
            placeholder=f"default {limits.default_maintenance_days}")
        self.target = NumberField(name="Target dose in mg", integer=False,
                                  placeholder=f"default {limits.default_target_mg:g}")
        self.ceiling_mg = NumberField(name="Ceiling override, maximum mg", integer=False,
                                      placeholder=f"ceiling {limits.ceiling_mg:g}")
        self.ceiling_reason = TextField(name="Ceiling override reason",
                                        placeholder="why, in your words")
        self._boxes: dict[str, FieldBox] = {}
        for label, path, field in (
            ("&Protocol", "plan.protocol", self.protocol),
            ("Dose &form", "plan.form", self.form),
            ("Start on", "plan.start_on", self.start_on),
            ("Maintenance days", "plan.maintenance_days", self.maintenance),
            ("Target dose (mg)", "plan.target_mg", self.target),
            ("Above-ceiling max (mg)", "plan.ceiling_override.max_mg", self.ceiling_mg),
            ("Above-ceiling reason", "plan.ceiling_override.reason", self.ceiling_reason),
        ):
            box = FieldBox(field)
            caption = QLabel(label)
            caption.setBuddy(field)
            form.addRow(caption, box)
            self._boxes[path] = box
            field.changed.connect(self._on_field_changed)
        self.error = ErrorLabel(choices)
        form.addRow(self.error)
        col.addWidget(choices)

        self.summary = QLabel(body)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.summary)
        self.steps_title = QLabel("<b>Titration steps</b>", body)
        col.addWidget(self.steps_title)
        self.steps = _table(("From", "Until", "Days", "Dose", "Per dose"), "Dose steps", body)
        col.addWidget(self.steps)
        self.dispense_title = QLabel("<b>Quantity to dispense</b>", body)
        col.addWidget(self.dispense_title)
        self.dispense = _table(("What", "Quantity per fill", "Days per fill", "Refills",
                                "Covers days"), "Quantity to dispense", body)
        col.addWidget(self.dispense)
        col.addStretch(1)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    # -- choices -------------------------------------------------------------------------------

    def collect(self) -> dict[str, Any]:
        plan: dict[str, Any] = {}
        for key, field in (("protocol", self.protocol), ("form", self.form),
                           ("start_on", self.start_on), ("maintenance_days", self.maintenance),
                           ("target_mg", self.target)):
            value = field.value()
            if value is not None:
                plan[key] = value
        max_mg, reason = self.ceiling_mg.value(), self.ceiling_reason.value()
        if max_mg is not None or reason is not None:
            plan["ceiling_override"] = {"max_mg": max_mg, "reason": reason}
        return plan

    def set_plan(self, plan: dict[str, Any] | None) -> None:
        plan = plan or {}
        self._filling = True
        try:
            self.protocol.set_value(plan.get("protocol"))
            self.form.set_value(plan.get("form"))
            self.start_on.set_value(plan.get("start_on"))
            self.maintenance.set_value(plan.get("maintenance_days"))
            target = plan.get("target_mg")
            self.target.set_value(None if target is None else f"{target:g}")
            ceiling = plan.get("ceiling_override") or {}
            max_mg = ceiling.get("max_mg")
            self.ceiling_mg.set_value(None if max_mg is None else f"{max_mg:g}")
            self.ceiling_reason.set_value(ceiling.get("reason"))
        finally:
            self._filling = False
        self._timer.stop()

    def _on_field_changed(self) -> None:
        if not self._filling:
            self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        self.planChanged.emit(self.collect())

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> None:
        by_box: dict[str, list[str]] = {}
        other: list[str] = []
        for path, message in problems:
            if not path.startswith("plan"):
                continue
            if path in self._boxes:
                by_box.setdefault(path, []).append(clinic_words(message))
            else:
                label = _PLAN_LABELS.get(path)
                other.append(section_message(label, path, message))
        for path, box in self._boxes.items():
            box.error.show_messages(by_box.get(path, []))
        self.error.show_messages(other)

    def show_dosing_error(self, message: str) -> None:
        self.error.show_messages([message] if message else [])

    # -- plan ----------------------------------------------------------------------------------

    def show_assessment(self, result: Assessment) -> None:
        plan = result.dose_plan
        if plan == self._plan and plan is not None:
            return
        self._plan = plan
        if plan is None:
            self.summary.setText(f"<b>No dose plan.</b> {escape(result.dose_plan_note or '')}")
            _fill(self.steps, [])
            _fill(self.dispense, [])
            for widget in (self.steps, self.dispense, self.steps_title, self.dispense_title):
                widget.hide()
            return
        for widget in (self.steps, self.dispense, self.steps_title, self.dispense_title):
            widget.show()
        chosen = "chosen by you" if plan.chosen_by == "prescriber" else "rule set's choice"
        lines = [
            f"<b>{escape(plan.protocol_name)}</b> ({escape(chosen)}): "
            f"{escape(plan.default_reason)}",
            f"{escape(plan.protocol_description)}",
            f"<b>Form:</b> {escape(plan.form.value)} · <b>Timing:</b> {escape(plan.timing)} — "
            f"{escape(plan.timing_reason)}",
            f"<b>Start:</b> {plan.start_on.isoformat()} at {plan.start_mg:g} mg · "
            f"<b>Target:</b> {plan.target_mg:g} mg by {plan.target_reached_on.isoformat()} · "
            f"<b>Ceiling:</b> {plan.max_mg:g} mg",
            f"<b>Review on:</b> {plan.review_on.isoformat()} — {escape(plan.review_basis)}",
            f"<b>Supply to:</b> {plan.supply_through.isoformat()} (quantities and refills "
            "reach the review)",
        ]
        if plan.form.value == "liquid" and plan.fill_days_max:
            lines.append(f"Liquid: keep refrigerated; each fill lasts at most "
                         f"{plan.fill_days_max} days (its beyond-use date).")
        if plan.start_note:
            lines.append(f"<span style='color:#7a4d00'>⚠ {escape(plan.start_note)}</span>")
        if plan.ceiling_override is not None:
            lines.append(f"<b>Above-ceiling override:</b> {plan.ceiling_override.max_mg:g} mg — "
                         f"{escape(plan.ceiling_override.reason)}")
        self.summary.setText("<br>".join(lines))
        rows = []
        for step in plan.steps:
            if step.capsules_per_dose is not None and step.capsule_strength_mg is not None:
                per = f"{step.capsules_per_dose} × {step.capsule_strength_mg:g} mg capsule"
            elif step.ml_per_dose is not None:
                per = f"{step.ml_per_dose:g} mL"
            else:
                per = ""
            rows.append([
                step.start.isoformat(),
                "maintenance" if step.until is None else step.until.isoformat(),
                "" if step.days is None else str(step.days),
                f"{step.dose_mg:g} mg",
                per,
            ])
        _fill(self.steps, rows)
        _fill(self.dispense, [
            [line.description, f"{line.quantity:g} {line.unit}", str(line.days),
             str(line.refills), f"{line.day_from}-{line.day_to}"]
            for line in plan.dispense
        ])
