"""The import report of a FHIR bundle, shown before the form is filled (File -> Import FHIR
bundle...): what was not mapped (or mapped with a caveat), each with resource type, id and
reason, and the reminder that what the record does not hold stays "Not asked"."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from ldn_cds.core.fhir_import import ImportResult

REMINDER = ("Anything the bundle does not hold stays <b>Not asked</b>: absent in the record "
            "means <i>not known</i>, never “no”. Review every field and answer the safety "
            "questions before relying on the assessment.")


def _count_line(count: int, text: str) -> str:
    if not count:
        return ""
    return f"{count} {'item' if count == 1 else 'items'} {text}"


class FhirReportDialog(QDialog):
    """Import report with "Fill the form" / "Cancel"; accepted = fill the form."""

    def __init__(self, path: Path, result: ImportResult,
                 parent: QWidget | None = None, *, review: bool = False) -> None:
        """``review``: shown again after the form was filled (only a Close button)."""
        super().__init__(parent)
        self.setWindowTitle(f"Import FHIR bundle: {path.name}")
        self.setObjectName("fhirReportDialog")
        layout = QVBoxLayout(self)
        report = result.report
        not_mapped = sum(1 for item in report if not item.mapped)
        self.head = head = QLabel(f"<b>{escape(path.name)}</b>:<br>" + "<br>".join(
            line for line in (_count_line(n, text) for n, text in (
                (not_mapped, "not mapped: <b>not in the form</b>; enter what matters from "
                             "the record."),
                (len(report) - not_mapped, "mapped with a caveat: <b>in the form</b>; check "
                                           "the value against the record."))) if line)
            if report
            else f"<b>{escape(path.name)}</b>")
        head.setWordWrap(True)
        layout.addWidget(head)
        incomplete = [item.reason for item in report
                      if item.resource_type == "Bundle" and not item.mapped]
        self.incomplete = QLabel(
            "<b>⚠ The record may be incomplete:</b><ul style='margin:0'>"
            + "".join(f"<li>{escape(r)}</li>" for r in incomplete) + "</ul>")
        self.incomplete.setObjectName("fhirIncomplete")
        self.incomplete.setWordWrap(True)
        self.incomplete.setStyleSheet("QLabel#fhirIncomplete { background: #fff4ce; "
                                      "border-left: 4px solid #c19c00; padding: 6px; }")
        self.incomplete.setVisible(bool(incomplete))
        layout.addWidget(self.incomplete)
        self.table = QTableWidget(len(report), 4, self)
        self.table.setHorizontalHeaderLabels(["Resource", "Id", "Status", "Reason"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        for row, item in enumerate(report):
            cells = [item.resource_type, item.id or "(no id)",
                     "mapped, with a caveat" if item.mapped else "not mapped", item.reason]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, col, cell)
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        if not report:
            layout.addWidget(QLabel("Everything in the bundle was mapped."))
        if result.problems:
            problems = QLabel("<b>The record contradicts itself</b> (the form will show "
                              "where): " + "; ".join(escape(p) for p in result.problems))
            problems.setWordWrap(True)
            layout.addWidget(problems)
        self.reminder = QLabel(REMINDER)
        self.reminder.setWordWrap(True)
        layout.addWidget(self.reminder)
        buttons = QDialogButtonBox(self)
        if review:
            self.fill_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        else:
            self.fill_button = buttons.addButton("Fill the form",
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.fill_button.setDefault(True)
        self.fill_button.setFocus()
        layout.addWidget(buttons)
        self.resize(900, 480)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # row heights once the reason column has its width (before, every row is too tall)
        QTimer.singleShot(0, self.table.resizeRowsToContents)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table as text (resource, id, status, reason), for tests and copying."""
        out = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, col) for col in range(4)]
            a, b, c, d = (cell.text() if cell is not None else "" for cell in cells)
            out.append((a, b, c, d))
        return out
