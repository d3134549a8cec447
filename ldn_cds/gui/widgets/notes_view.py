"""Notes tab: prescription for the compounding pharmacy, record note, insurance notes."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.assessment import Assessment
from ldn_cds.core.notes import Notes
from ldn_cds.gui.widgets.findings_view import sources_html


class NotesView(QWidget):
    """Shows the core's notes; copies prescription and record note to the clipboard."""

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._notes: Notes | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        layout.addWidget(QLabel("<b>Prescription for the compounding pharmacy</b>", self))
        self.prescription = QPlainTextEdit(self)
        self.prescription.setReadOnly(True)
        self.prescription.setAccessibleName("Prescription text")
        lines = self.prescription.fontMetrics().lineSpacing()
        self.prescription.setMinimumHeight(lines * 5)
        self.prescription.setMaximumHeight(lines * 9)
        layout.addWidget(self.prescription, 1)
        buttons = QHBoxLayout()
        self.copy_prescription = QPushButton("Copy prescription", self)
        self.copy_prescription.clicked.connect(self._on_copy_prescription_clicked)
        self.copy_record = QPushButton("Copy note for record", self)
        self.copy_record.clicked.connect(self._on_copy_record_clicked)
        buttons.addWidget(self.copy_prescription)
        buttons.addWidget(self.copy_record)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setAccessibleName("Compounding and insurance notes")
        layout.addWidget(self.browser, 4)

    def show_assessment(self, result: Assessment) -> None:
        notes = result.notes
        if notes == self._notes and notes is not None:
            return
        self._notes = notes
        has = notes is not None
        for widget in (self.prescription, self.copy_prescription, self.copy_record):
            widget.setEnabled(has)
        if notes is None:
            self.empty.setText("<b>No prescription or insurance notes:</b> there is no dose plan "
                               f"({escape(result.dose_plan_note or result.verdict_text)}).")
            self.empty.show()
            self.prescription.setPlainText("")
            self.browser.setHtml("")
            return
        self.empty.hide()
        self.prescription.setPlainText(notes.prescription_text)
        parts = []
        for title, sections in (("Compounding", notes.compounding),
                                ("Insurance and cost", notes.insurance)):
            parts.append(f"<h3>{escape(title)}</h3>")
            for section in sections:
                lines = "".join(f"<li>{escape(line)}</li>" for line in section.lines)
                parts.append(f"<p><b>{escape(section.title)}</b></p><ul>{lines}</ul>"
                             f"<p><small>Evidence: {escape(', '.join(section.evidence))}<br>"
                             f"{sources_html(section.sources)}</small></p>")
        parts.append(f"<p><b>Cost:</b> {escape(notes.cost_range)}</p>")
        pa = notes.prior_authorization
        items = [("Diagnosis", pa.diagnosis), ("Duration", pa.duration),
                 ("Prior therapies", ", ".join(pa.prior_therapies) or "none recorded")]
        if pa.prior_therapies_note:
            items.append(("Note", pa.prior_therapies_note))
        body = "".join(f"<li><b>{escape(k)}:</b> {escape(v)}</li>" for k, v in items)
        for title, lines_ in (("Rationale", pa.rationale), ("Evidence", pa.evidence),
                              ("Monitoring plan", pa.monitoring_plan)):
            sub = "".join(f"<li>{escape(line)}</li>" for line in lines_)
            body += f"<li><b>{escape(title)}:</b><ul>{sub}</ul></li>"
        parts.append(f"<h3>Prior-authorization letter (content)</h3><ul>{body}</ul>")
        record = escape(notes.record_note).replace("\n", "<br>")
        parts.append(f"<h3>Note for the record</h3><p>{record}</p>")
        self.browser.setHtml("".join(parts))

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(what)

    def _on_copy_prescription_clicked(self) -> None:
        if self._notes is not None:
            self._copy(self._notes.prescription_text, "Prescription copied to the clipboard")

    def _on_copy_record_clicked(self) -> None:
        if self._notes is not None:
            self._copy(self._notes.record_note, "Note for the record copied to the clipboard")
