"""Dialogs: override, settings, print preview, about, rule-set browser, shortcuts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import ldn_cds
from ldn_cds.core.assessment import Finding
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.core.sources import source_out
from ldn_cds.gui.settings import ClinicSettings
from ldn_cds.gui.widgets.fields import guard_wheel
from ldn_cds.gui.widgets.findings_view import sources_html

ACKNOWLEDGED = ("acknowledged", "Acknowledged: reviewed, no change to the plan")

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+N", "New case"),
    ("Ctrl+O", "Open a case file"),
    ("Ctrl+S", "Save the case"),
    ("Ctrl+Shift+S", "Save the case as…"),
    ("Ctrl+P", "Preview and print the handout and summary"),
    ("Ctrl+E", "Save the PDFs…"),
    ("Ctrl+,", "Settings"),
    ("Ctrl+1 … Ctrl+4", "Assessment, Dose plan, Notes, Why? tabs"),
    ("Ctrl+L", "Go to the intake form"),
    ("F1", "Keyboard shortcuts (this list)"),
    ("Ctrl+Q", "Quit"),
    ("Alt+underlined letter", "Go to that field of the form"),
    ("Tab / Shift+Tab", "Next / previous field"),
)


class OverrideDialog(QDialog):
    """Acknowledge or override one finding with a coded reason and free text."""

    def __init__(
        self, finding: Finding, *, by: str, on: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Acknowledge or override a finding")
        self.finding = finding
        self._on = on
        layout = QVBoxLayout(self)
        summary = QLabel(f"<b>{escape(finding.title)}</b><br>{escape(finding.summary)}", self)
        summary.setWordWrap(True)
        layout.addWidget(summary)
        form = QFormLayout()
        self.reason = QComboBox(self)
        self.reason.setAccessibleName("Reason")
        guard_wheel(self.reason)
        self.reason.addItem(ACKNOWLEDGED[1], ACKNOWLEDGED[0])
        for reason in finding.override_reasons:
            self.reason.addItem(reason.display, reason.code)
        self.comment = QPlainTextEdit(self)
        self.comment.setAccessibleName("Comment")
        self.comment.setPlaceholderText("Your reasoning (printed on the clinician summary)")
        self.comment.setTabChangesFocus(True)
        self.by = QLineEdit(by, self)
        self.by.setAccessibleName("Prescriber")
        reason_label = QLabel("&Reason", self)
        reason_label.setBuddy(self.reason)
        comment_label = QLabel("&Comment", self)
        comment_label.setBuddy(self.comment)
        by_label = QLabel("&By", self)
        by_label.setBuddy(self.by)
        form.addRow(reason_label, self.reason)
        form.addRow(comment_label, self.comment)
        form.addRow(by_label, self.by)
        layout.addLayout(form)
        if finding.override is not None:
            index = self.reason.findData(finding.override.reason_code)
            if index >= 0:
                self.reason.setCurrentIndex(index)
            self.comment.setPlainText(finding.override.comment)
            if finding.override.by:
                self.by.setText(finding.override.by)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 300)
        fit_to_screen(self)

    def override(self) -> dict[str, Any]:
        """The override as case data (``case.overrides[]``)."""
        out: dict[str, Any] = {
            "rule_id": self.finding.rule_id,
            "reason_code": str(self.reason.currentData()),
            "comment": self.comment.toPlainText().strip(),
            "on": self._on.isoformat(),
        }
        if self.by.text().strip():
            out["by"] = self.by.text().strip()
        return out


class SettingsDialog(QDialog):
    """Clinic header, prescriber, paper, large print and dose-plan defaults."""

    def __init__(
        self, settings: ClinicSettings, *, ruleset: RuleSet, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.clinic_name = QLineEdit(settings.clinic_name, self)
        self.clinic_address = QLineEdit(settings.clinic_address, self)
        self.clinic_phone = QLineEdit(settings.clinic_phone, self)
        self.prescriber = QLineEdit(settings.prescriber, self)
        self.paper = QComboBox(self)
        guard_wheel(self.paper)
        self.paper.addItem("US Letter", "letter")
        self.paper.addItem("A4", "a4")
        self.paper.setCurrentIndex(max(0, self.paper.findData(settings.paper)))
        self.large_print = QCheckBox("Print the patient handout in large type", self)
        self.large_print.setChecked(settings.large_print)
        self.protocol = QComboBox(self)
        guard_wheel(self.protocol)
        self.protocol.addItem("Rule set decides (recommended)", "")
        for protocol in ruleset.dosing.protocols:
            self.protocol.addItem(protocol.name, protocol.id)
        self.protocol.setCurrentIndex(max(0, self.protocol.findData(settings.default_protocol)))
        self.maintenance = QLineEdit(
            "" if settings.default_maintenance_days is None
            else str(settings.default_maintenance_days), self)
        self.maintenance.setPlaceholderText(
            f"rule set default ({ruleset.dosing.limits.default_maintenance_days} days)")
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #a40000;")
        self.error.hide()
        for label, widget in (
            ("Clinic &name", self.clinic_name), ("Clinic &address", self.clinic_address),
            ("Clinic &phone", self.clinic_phone), ("P&rescriber", self.prescriber),
            ("Paper si&ze", self.paper), ("", self.large_print),
            ("Default pro&tocol", self.protocol), ("Default &maintenance days", self.maintenance),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            widget.setAccessibleName(label.replace("&", "") or "Large print handout")
            form.addRow(caption, widget)
        layout.addLayout(form)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 340)
        fit_to_screen(self)

    def settings(self) -> ClinicSettings:
        text = self.maintenance.text().strip()
        return ClinicSettings(
            clinic_name=self.clinic_name.text().strip(),
            clinic_address=self.clinic_address.text().strip(),
            clinic_phone=self.clinic_phone.text().strip(),
            prescriber=self.prescriber.text().strip(),
            paper=str(self.paper.currentData()),
            large_print=self.large_print.isChecked(),
            default_protocol=str(self.protocol.currentData()),
            default_maintenance_days=int(text) if text.isdigit() else None,
        )

    def _on_buttons_accepted(self) -> None:
        text = self.maintenance.text().strip()
        if text and not (text.isdigit() and int(text) <= 365):
            self.error.setText("⚠ Maintenance days: a whole number from 0 to 365, or empty.")
            self.error.show()
            self.maintenance.setFocus()
            return
        self.accept()


def about_html(ruleset: RuleSet) -> str:
    return (
        f"<h2>ldn-cds {escape(ldn_cds.__version__)}</h2>"
        "<p>Clinical decision support for low-dose naltrexone (LDN) in chronic pain.</p>"
        f"<p><b>Intended use.</b> {escape(ruleset.texts.intended_use)}</p>"
        f"<p><b>Rule set:</b> {escape(ruleset.manifest.title)}<br>"
        f"{escape(ruleset.manifest.id)} version {escape(ruleset.version)}, released "
        f"{ruleset.manifest.released_on.isoformat()}<br>"
        f"SHA-256 <code>{escape(ruleset.sha256)}</code></p>"
    )


class AboutDialog(QDialog):
    def __init__(self, *, ruleset: RuleSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About ldn-cds")
        layout = QVBoxLayout(self)
        self.text = QLabel(about_html(ruleset), self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(600, 360)
        fit_to_screen(self)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>"
                       for k, v in SHORTCUTS)
        layout = QVBoxLayout(self)
        self.text = QLabel(f"<table cellpadding='3'>{rows}</table>", self)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self)


def rule_html(ruleset: RuleSet, rule_id: str) -> str:
    rule = ruleset.rule(rule_id)
    sources = sources_html([source_out(ruleset, ref) for ref in rule.sources])
    reasons = "".join(f"<li>{escape(r.display)} <small>({escape(r.code)})</small></li>"
                      for r in rule.override_reasons)
    parts = [
        f"<h3>{escape(rule.title)}</h3>",
        f"<p><small>{escape(rule.id)} v{escape(rule.version)} · {escape(rule.kind)} · "
        f"indicator {escape(rule.indicator.value)} · effect {escape(rule.effect.value)} · if "
        f"unknown {escape(rule.effect_if_unknown.value)} · file "
        f"{escape(ruleset.rule_files.get(rule.id, ''))}</small></p>",
        f"<p><b>Rule:</b> {escape(rule.statement)}</p>",
        f"<p><b>Card:</b> {escape(rule.summary)}</p>",
        f"<p>{escape(rule.detail)}</p>",
        f"<p><b>Inputs:</b> {escape(', '.join(rule.inputs) or 'none')}</p>",
        f"<p><b>Evidence:</b> {escape(', '.join(e.value for e in rule.evidence))}</p>",
        f"<p><b>Sources:</b><br>{sources}</p>",
    ]
    if rule.sources_disagree:
        parts.append(f"<p><b>Sources disagree:</b> {escape(rule.sources_disagree)}</p>")
    if reasons:
        parts.append(f"<p><b>Override reasons:</b></p><ul>{reasons}</ul>")
    return "".join(parts)


class RuleSetBrowser(QDialog):
    """Every rule with its statement, sources and evidence grade."""

    def __init__(self, *, ruleset: RuleSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ruleset = ruleset
        self.setWindowTitle(f"Rule set {ruleset.manifest.id} {ruleset.version}")
        layout = QVBoxLayout(self)
        header = QLabel(
            f"<b>{escape(ruleset.manifest.title)}</b><br>version {escape(ruleset.version)} · "
            f"sha256 {escape(ruleset.sha256)} · {len(ruleset.rules)} rules", self)
        header.setWordWrap(True)
        header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(header)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter rules…")
        self.search.setAccessibleName("Filter rules")
        self.search.textChanged.connect(self._on_search_changed)
        layout.addWidget(self.search)
        split = QSplitter(self)
        self.rules = QListWidget(split)
        self.rules.setAccessibleName("Rules")
        for rule in ruleset.rules:
            item = QListWidgetItem(f"{rule.title}  [{rule.indicator.value}]")
            item.setData(Qt.ItemDataRole.UserRole, rule.id)
            self.rules.addItem(item)
        self.detail = QTextBrowser(split)
        self.detail.setOpenExternalLinks(True)
        self.detail.setAccessibleName("Rule detail")
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.rules.currentItemChanged.connect(self._on_rules_current_changed)
        self.rules.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(980, 640)
        fit_to_screen(self)

    def _on_rules_current_changed(self, current: QListWidgetItem | None, _prev: Any) -> None:
        if current is not None:
            self.detail.setHtml(rule_html(self.ruleset, str(current.data(
                Qt.ItemDataRole.UserRole))))

    def _on_search_changed(self, text: str) -> None:
        needle = text.lower().strip()
        for row in range(self.rules.count()):
            item = self.rules.item(row)
            rule = self.ruleset.rule(str(item.data(Qt.ItemDataRole.UserRole)))
            hay = f"{rule.id} {rule.title} {rule.statement}".lower()
            item.setHidden(bool(needle) and needle not in hay)


class PreviewDialog(QDialog):
    """Shows the real PDFs; prints the chosen ones through the system print dialog."""

    def __init__(
        self,
        documents: Sequence[Any],
        *,
        on_save: Callable[[], None] | None = None,
        parent: QWidget | None = None,
        on_printed: Callable[[list[Any]], None] | None = None,
    ) -> None:
        from PySide6.QtPdfWidgets import QPdfView

        from ldn_cds.gui.printing import LoadedPdf, make_printer

        super().__init__(parent)
        self.setWindowTitle("Preview and print")
        self.on_printed = on_printed
        self.documents = list(documents)
        self.printer = make_printer(title=self.documents[0].title if self.documents else "")
        """Kept referenced for the dialog's lifetime (a dropped QPrinter crashes PySide6)."""
        self._loaded = [LoadedPdf(doc.data) for doc in self.documents]
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.views = []
        self.checks: dict[str, QCheckBox] = {}
        for doc, pdf in zip(self.documents, self._loaded, strict=True):
            view = QPdfView(self.tabs)
            view.setDocument(pdf.document)
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            view.setAccessibleName(f"Preview: {doc.title}")
            self.views.append(view)
            label = "Patient handout" if doc.kind == "handout" else "Clinician summary"
            self.tabs.addTab(view, f"{label} ({pdf.page_count()} p.)")
            check = QCheckBox(f"Print the {label.lower()}", self)
            check.setChecked(True)
            self.checks[doc.kind] = check
        layout.addWidget(self.tabs, 1)
        bar = QHBoxLayout()
        for check in self.checks.values():
            bar.addWidget(check)
        bar.addStretch(1)
        if on_save is not None:
            save = QPushButton("Save PDFs…", self)
            save.clicked.connect(on_save)
            bar.addWidget(save)
        self.print_button = QPushButton("&Print…", self)
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self._on_print_clicked)
        bar.addWidget(self.print_button)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        bar.addWidget(close)
        layout.addLayout(bar)
        self.resize(900, 900)
        fit_to_screen(self)

    def selected(self) -> list[Any]:
        return [doc for doc in self.documents if self.checks[doc.kind].isChecked()]

    def print_to(self, printer: Any) -> int:
        from ldn_cds.gui.printing import paint_documents

        return paint_documents(printer, self.selected())

    def _on_print_clicked(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog
        from PySide6.QtWidgets import QMessageBox

        from ldn_cds.gui.printing import print_from_dialog, print_system, print_system_problem

        chosen = self.selected()
        if not chosen:
            QMessageBox.information(self, "Print", "Choose at least one document to print.")
            return
        problem = print_system_problem(print_system())
        if problem is not None:
            QMessageBox.warning(self, "Cannot print",
                                f"Nothing was printed: {problem} (Save PDFs…).")
            return
        dialog = QPrintDialog(self.printer, self)
        dialog.setWindowTitle("Print LDN documents")
        fit_to_screen(dialog)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            how, jobs = print_from_dialog(chosen, self.printer)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Print", f"Printing failed: {exc}")
            return
        where = self.printer.outputFileName() if how == "a PDF file" else \
            self.printer.printerName()
        separately = " (one job each)" if jobs > 1 else ""
        QMessageBox.information(
            self, "Print", f"Sent {_documents_in_words(chosen)} to {where} as {jobs} "
                           f"print job{'s' if jobs != 1 else ''}{separately}, through {how}.")
        if self.on_printed is not None:
            self.on_printed(chosen)
        self.accept()


def _documents_in_words(documents: Sequence[Any]) -> str:
    names = ["the patient handout" if d.kind == "handout" else "the clinician summary"
             for d in documents]
    return " and ".join(names)


def fit_to_screen(dialog: QWidget) -> None:
    """Keep a dialog and its buttons on the screen: no larger than the screen's available
    area (less room for a window frame).

    At 150 % on a 1920x1080 screen the available area is about 1280x690 logical pixels; a
    dialog sized for a larger screen would put its buttons below the edge.
    """
    from PySide6.QtGui import QGuiApplication

    parent = dialog.parentWidget()
    screen = (parent.screen() if parent is not None else None) or dialog.screen() \
        or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    most_w = area.width() - FRAME_ALLOWANCE[0]
    most_h = area.height() - FRAME_ALLOWANCE[1]
    dialog.setMaximumSize(most_w, most_h)  # Qt centres it on its parent, within the screen
    dialog.resize(min(dialog.width(), most_w), min(dialog.height(), most_h))


FRAME_ALLOWANCE = (16, 40)
"""Room left for the window manager's frame and title bar (logical pixels)."""
