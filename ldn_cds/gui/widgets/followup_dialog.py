"""Dialog to add or edit one follow-up visit. Nothing defaults to an answer: pain, dose,
impression of change and adherence start as "not recorded"; the visit date starts at today
(the day the physician records it) and is shown, not hidden."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.followup import (
    PGIC_WORDS,
    SIDE_EFFECT_WORDS,
    Adherence,
    FollowUp,
    SideEffect,
)
from ldn_cds.gui.widgets.fields import guard_wheel

NOT_RECORDED = "not recorded"
ADHERENCE_WORDS = {Adherence.ALL: "all doses", Adherence.MOST: "most doses",
                   Adherence.SOME: "some doses", Adherence.NONE: "none"}


class FollowUpDialog(QDialog):
    def __init__(self, today: date, visit: FollowUp | None = None,
                 parent: QWidget | None = None, patient: str | None = None) -> None:
        super().__init__(parent)
        title = "Edit follow-up" if visit else "Add follow-up"
        self.setWindowTitle(f"{title}: {patient}" if patient else title)
        self.result_visit: FollowUp | None = None
        form = QFormLayout()
        self.on = QDateEdit(QDate(today.year, today.month, today.day))
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.pain = QSpinBox()
        self.pain.setRange(-1, 10)
        self.pain.setSpecialValueText(NOT_RECORDED)
        self.pain.setValue(-1)
        self.dose = QDoubleSpinBox()
        self.dose.setRange(0, 50)
        self.dose.setDecimals(1)
        self.dose.setSingleStep(0.5)
        self.dose.setSuffix(" mg/day")
        self.dose.setSpecialValueText(NOT_RECORDED)
        self.pgic = QComboBox()
        self.pgic.addItem(NOT_RECORDED, None)
        for score, words in PGIC_WORDS.items():
            self.pgic.addItem(f"{score}: {words}", score)
        self.adherence = QComboBox()
        self.adherence.addItem(NOT_RECORDED, None)
        for level, words in ADHERENCE_WORDS.items():
            self.adherence.addItem(words, level.value)
        for widget in (self.on, self.pain, self.dose, self.pgic, self.adherence):
            guard_wheel(widget)
        effects = QWidget()
        grid = QGridLayout(effects)
        grid.setContentsMargins(0, 0, 0, 0)
        self.effects: dict[SideEffect, QCheckBox] = {}
        for i, effect in enumerate(SideEffect):
            box = QCheckBox(SIDE_EFFECT_WORDS[effect])
            self.effects[effect] = box
            grid.addWidget(box, i // 3, i % 3)
        self.effect_other = QLineEdit()
        self.effect_other.setPlaceholderText("what the other side effect was")
        self.stopped = QCheckBox("LDN was stopped")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why it was stopped")
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(60)
        form.addRow("Visit &date", self.on)
        form.addRow("&Pain now (0-10)", self.pain)
        form.addRow("LDN d&ose", self.dose)
        form.addRow("&Impression of change", self.pgic)
        form.addRow("Side effects", effects)
        form.addRow("Other side effect", self.effect_other)
        form.addRow("&Adherence", self.adherence)
        form.addRow("", self.stopped)
        form.addRow("Stop &reason", self.reason)
        form.addRow("&Note", self.note)
        self.error = QLabel()
        self.error.setObjectName("followupError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a40000;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.stopped.toggled.connect(self.reason.setEnabled)
        self.effects[SideEffect.OTHER].toggled.connect(self.effect_other.setEnabled)
        self.reason.setEnabled(False)
        self.effect_other.setEnabled(False)
        if visit is not None:
            self.show_visit(visit)

    def show_visit(self, visit: FollowUp) -> None:
        self.on.setDate(QDate(visit.on.year, visit.on.month, visit.on.day))
        self.pain.setValue(-1 if visit.pain_score is None else visit.pain_score)
        self.dose.setValue(0 if visit.dose_mg is None else visit.dose_mg)
        self.pgic.setCurrentIndex(max(0, self.pgic.findData(visit.pgic)))
        self.adherence.setCurrentIndex(max(0, self.adherence.findData(
            None if visit.adherence is None else visit.adherence.value)))
        for effect, box in self.effects.items():
            box.setChecked(effect in visit.side_effects)
        self.effect_other.setText(visit.side_effect_other or "")
        self.stopped.setChecked(visit.stopped)
        self.reason.setText(visit.stop_reason or "")
        self.note.setPlainText(visit.note or "")

    def visit(self) -> FollowUp:
        """The visit as entered; raises ValidationError with the problems."""
        qd = self.on.date()
        values: dict[str, Any] = {
            "on": date(qd.year(), qd.month(), qd.day()),
            "pain_score": None if self.pain.value() < 0 else self.pain.value(),
            "dose_mg": None if self.dose.value() == 0 else self.dose.value(),
            "pgic": self.pgic.currentData(),
            "adherence": self.adherence.currentData(),
            "side_effects": tuple(e for e, box in self.effects.items() if box.isChecked()),
            "side_effect_other": (self.effect_other.text().strip() or None)
            if self.effects[SideEffect.OTHER].isChecked() else None,
            "stopped": self.stopped.isChecked(),
            "stop_reason": (self.reason.text().strip() or None)
            if self.stopped.isChecked() else None,
            "note": self.note.toPlainText().strip() or None,
        }
        return FollowUp.model_validate(values)

    def accept(self) -> None:
        try:
            self.result_visit = self.visit()
        except ValidationError as exc:
            self.error.setText("; ".join(str(e["msg"]).removeprefix("Value error, ")
                                         for e in exc.errors()))
            return
        super().accept()
