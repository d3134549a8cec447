"""The patient registry window: patient list with search and a due-for-review filter, the
patient's assessments, follow-ups and pain-over-time chart, and the practice outcomes.

The widgets call the store and the core and render what they return; the response, the
reference levels and the outcomes are computed in ``ldn_cds.core``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.followup import PGIC_WORDS, SIDE_EFFECT_WORDS, FollowUp
from ldn_cds.core.formatting import fmt_date, fmt_date_or, fmt_mg
from ldn_cds.core.outcomes import reference_levels, response_lines
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.widgets.followup_dialog import ADHERENCE_WORDS, FollowUpDialog


def _item(text: str, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    return table


def _age(born: date | None, on: date) -> str:
    if born is None:
        return "birth date unknown"
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f"{fmt_date(born)} (age {years})"


def _qdatetime(day: date, hour: int = 12, minute: int = 0) -> QDateTime:
    return QDateTime(QDate(day.year, day.month, day.day), QTime(hour, minute))


def _msecs(day: date) -> float:
    return float(_qdatetime(day).toMSecsSinceEpoch())


class PainChart(QChartView):
    """Pain (0-10) over time with the LDN dose on a second axis and the 30% / 50% lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.series_names: list[str] = []
        self.show_course([], None, None, ())

    def show_course(self, visits: list[FollowUp], baseline: int | None,
                    baseline_on: date | None,
                    levels: tuple[tuple[str, float], ...],
                    plan: DosePlan | None = None, today: date | None = None) -> None:
        chart = QChart()
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(chart.margins() * 0)
        points = [(v.on, v.pain_score) for v in visits if v.pain_score is not None]
        if baseline is not None and baseline_on is not None:
            points = [(baseline_on, baseline), *points]
        doses = [(v.on, v.dose_mg) for v in visits if v.dose_mg is not None]
        days = [d for d, _ in points] + [d for d, _ in doses]
        planned: list[tuple[date, float]] = []
        if plan is not None and days:
            end = max([*days, today or max(days)])
            for step in plan.steps:
                if step.start > end:
                    break
                until = step.until if step.until is not None and step.until < end else end
                planned += [(step.start, step.dose_mg), (until, step.dose_mg)]
            days += [d for d, _ in planned]
        self.series_names = []
        if not days:
            chart.setTitle("No pain scores recorded yet")
            self.setChart(chart)
            return
        first, last = min(days), max(days)
        if first == last:
            last = date.fromordinal(first.toordinal() + 7)
        x_axis = QDateTimeAxis()
        x_axis.setFormat("yyyy-MM-dd")
        x_axis.setRange(_qdatetime(first, 0), _qdatetime(last, 23, 59))
        x_axis.setTickCount(min(6, max(2, len(set(days)))))
        pain_axis = QValueAxis()
        pain_axis.setRange(0, 10)
        pain_axis.setTickCount(6)
        pain_axis.setLabelFormat("%d")
        pain_axis.setTitleText("Pain (0-10)")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(pain_axis, Qt.AlignmentFlag.AlignLeft)
        pain = QLineSeries()
        pain.setName("Pain")
        pain.setPointsVisible(True)
        pain.setPen(QPen(QColor("#1f4e79"), 2.5))
        for day, score in points:
            pain.append(_msecs(day), float(score))
        self._add(chart, pain, x_axis, pain_axis)
        styles = ((QColor("#2e7d32"), Qt.PenStyle.DashLine),
                  (QColor("#6a1b9a"), Qt.PenStyle.DotLine))
        for (label, level), (colour, style) in zip(levels, styles, strict=False):
            line = QLineSeries()
            line.setName(f"{label} ({level:g})")
            pen = QPen(colour, 1.8)
            pen.setStyle(style)
            line.setPen(pen)
            line.append(_msecs(first), level)
            line.append(_msecs(last), level)
            self._add(chart, line, x_axis, pain_axis)
        if doses or planned:
            dose_axis = QValueAxis()
            top = max(6.0, *(mg for _, mg in doses + planned))
            dose_axis.setRange(0, top)
            dose_axis.setTitleText("LDN dose (mg/day)")
            dose_axis.setLabelFormat("%.1f")
            chart.addAxis(dose_axis, Qt.AlignmentFlag.AlignRight)
            dose = QLineSeries()
            dose.setName("LDN dose taken")
            pen = QPen(QColor("#b26a00"), 2)
            dose.setPen(pen)
            dose.setPointsVisible(True)
            for day, mg in doses:
                dose.append(_msecs(day), mg)
            if planned:
                plan_line = QLineSeries()
                plan_line.setName("Planned dose")
                pen = QPen(QColor("#b26a00"), 1.2)
                pen.setStyle(Qt.PenStyle.DashDotLine)
                plan_line.setPen(pen)
                for day, mg in planned:
                    plan_line.append(_msecs(day), mg)
                self._add(chart, plan_line, x_axis, dose_axis)
            if doses:
                self._add(chart, dose, x_axis, dose_axis)
        self.setChart(chart)

    def _add(self, chart: QChart, series: QLineSeries, x_axis: Any, y_axis: Any) -> None:
        chart.addSeries(series)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        self.series_names.append(series.name())


class PatientView(QWidget):
    changed = Signal()

    def __init__(self, window: RegistryWindow) -> None:
        super().__init__()
        self.window_ = window
        self.patient_id: int | None = None
        self.patient_name: str | None = None
        self.header = QLabel("Choose a patient on the left.")
        self.header.setObjectName("patientHeader")
        self.header.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.summary = QLabel()
        self.summary.setObjectName("responseSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = PainChart()
        self.followups = _table(["Date", "Dose", "Pain", "Impression of change",
                                 "Side effects", "Adherence", "Stopped", "Note"])
        self.followups.doubleClicked.connect(lambda _index: self.edit_followup())
        self.add_button = QPushButton("&Add follow-up…")
        self.add_button.clicked.connect(self.add_followup)
        self.edit_button = QPushButton("&Edit follow-up…")
        self.edit_button.clicked.connect(self.edit_followup)
        self.pdf_button = QPushButton("Follow-up &PDF…")
        self.pdf_button.clicked.connect(lambda: self.save_pdf())
        self.assessments = _table(["Date", "Verdict", "Rule set", "Prescriber"])
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.summary)
        layout.addWidget(self.chart, 3)
        layout.addWidget(QLabel("Follow-up visits"))
        layout.addWidget(self.followups, 2)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Assessments"))
        layout.addWidget(self.assessments, 1)
        self._set_enabled(False)

    def _set_enabled(self, enabled: bool) -> None:
        self.add_button.setEnabled(enabled)
        self.edit_button.setEnabled(enabled)
        self.pdf_button.setEnabled(enabled)

    def save_pdf(self, path: Path | None = None) -> Path | None:
        """The patient's follow-up page as a PDF, recorded as a printed document."""
        import hashlib

        from ldn_cds.fileio import write_private_atomic
        from ldn_cds.pdf.registry_report import render_followup

        registry = self.window_.registry
        if registry is None or self.patient_id is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, "Save the follow-up page",
                                                  "ldn-followup.pdf", "PDF (*.pdf)")
            if not name:
                return None
            path = Path(name)
        pid = self.patient_id
        row = next(r for r in registry.patients() if r.id == pid)
        data = render_followup(row, registry.course(pid), self.window_.ruleset,
                               self.window_.today())
        try:
            write_private_atomic(path, data)
        except OSError as exc:
            self.window_.show_error(f"{path}: cannot write: {exc.strerror or exc}")
            return None
        self.window_.guard(lambda: registry.record_document(
            pid, "followup", hashlib.sha256(data).hexdigest(), path=str(path)))
        self.window_.statusBar().showMessage(f"Follow-up page saved to {path}", 8000)
        return path

    def show_patient(self, patient_id: int | None) -> None:
        self.patient_id = patient_id
        self.patient_name = None
        registry = self.window_.registry
        if patient_id is None or registry is None:
            self.header.setText("Choose a patient on the left.")
            self.summary.clear()
            self.followups.setRowCount(0)
            self.assessments.setRowCount(0)
            self.chart.show_course([], None, None, ())
            self._set_enabled(False)
            return
        today = self.window_.today()
        row = next((r for r in registry.patients() if r.id == patient_id), None)
        if row is None:
            self.show_patient(None)
            return
        self.patient_name = row.name or "(no name)"
        self.header.setText(f"{self.patient_name} · {row.record_id or '(no record id)'} · "
                            f"{_age(row.date_of_birth, today)}")
        course = registry.course(patient_id)
        result = course.response(today, self.window_.ruleset)
        self.summary.setText(self._summary(result))
        visits = list(course.followups)
        self.chart.show_course(visits, course.baseline_pain, course.baseline_on,
                               reference_levels(course.baseline_pain, self.window_.ruleset),
                               course.plan, today)
        self.followup_ids = [fid for fid, _v in registry.followups(patient_id)]
        self.followups.setRowCount(0)
        for fid, visit in registry.followups(patient_id):
            r = self.followups.rowCount()
            self.followups.insertRow(r)
            cells = [
                fmt_date(visit.on),
                "-" if visit.dose_mg is None else fmt_mg(visit.dose_mg),
                "-" if visit.pain_score is None else str(visit.pain_score),
                "-" if visit.pgic is None else f"{visit.pgic}: {PGIC_WORDS[visit.pgic]}",
                ", ".join(SIDE_EFFECT_WORDS[e] if e.value != "other"
                          else f"other: {visit.side_effect_other or '?'}"
                          for e in visit.side_effects) or "none reported",
                "-" if visit.adherence is None else ADHERENCE_WORDS[visit.adherence],
                f"yes: {visit.stop_reason or 'no reason recorded'}" if visit.stopped else "no",
                visit.note or "",
            ]
            for c, text in enumerate(cells):
                self.followups.setItem(r, c, _item(text, fid if c == 0 else None))
        self.assessments.setRowCount(0)
        for a in registry.assessments(patient_id):
            r = self.assessments.rowCount()
            self.assessments.insertRow(r)
            origin = "" if a["ruleset_origin"] is None else " (not the shipped rule set)"
            for c, text in enumerate([fmt_date(a["assessed_on"]),
                                      str(a["verdict"]).replace("_", " "),
                                      f"{a['ruleset_version']} · {a['ruleset_sha256'][:12]}"
                                      f"{origin}", a["prescriber"] or ""]):
                self.assessments.setItem(r, c, _item(text))
        self._set_enabled(True)
        # nothing to edit or print before the first visit
        self.edit_button.setEnabled(bool(self.followup_ids))
        self.pdf_button.setEnabled(bool(self.followup_ids))

    @staticmethod
    def _summary(result: Any) -> str:
        return "\n".join(response_lines(result))

    def _selected_followup(self) -> int | None:
        rows = self.followups.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.followups.item(rows[0].row(), 0)
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def add_followup(self) -> None:
        registry = self.window_.registry
        if self.patient_id is None or registry is None:
            return
        dialog = FollowUpDialog(self.window_.today(), parent=self,
                                patient=self.patient_name)
        if dialog.exec() and dialog.result_visit is not None:
            self.window_.guard(lambda: registry.add_followup(self.patient_id,
                                                             dialog.result_visit))
            self.show_patient(self.patient_id)
            self.changed.emit()

    def edit_followup(self) -> None:
        registry = self.window_.registry
        fid = self._selected_followup()
        if fid is None or registry is None or self.patient_id is None:
            return
        visit = dict(registry.followups(self.patient_id)).get(fid)
        dialog = FollowUpDialog(self.window_.today(), visit, parent=self,
                                patient=self.patient_name)
        if dialog.exec() and dialog.result_visit is not None:
            self.window_.guard(lambda: registry.update_followup(fid, dialog.result_visit))
            self.show_patient(self.patient_id)
            self.changed.emit()


class OutcomesView(QWidget):
    def __init__(self, window: RegistryWindow) -> None:
        super().__init__()
        self.window_ = window
        self.table = _table(["Measure", "Value"])
        export = QPushButton("Export &CSV…")
        export.clicked.connect(lambda: self.export(deidentified=False))
        export_deid = QPushButton("Export &de-identified CSV…")
        export_deid.clicked.connect(lambda: self.export(deidentified=True))
        pdf = QPushButton("Save as &PDF…")
        pdf.clicked.connect(lambda: self.save_pdf())
        buttons = QHBoxLayout()
        buttons.addWidget(pdf)
        buttons.addWidget(export)
        buttons.addWidget(export_deid)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        from ldn_cds.store.report import outcome_lines

        registry = self.window_.registry
        self.table.setRowCount(0)
        if registry is None:
            return
        for label, value in outcome_lines(registry.outcomes(self.window_.today(),
                                                            self.window_.ruleset)):
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, _item(label))
            self.table.setItem(r, 1, _item(value))
        self.table.resizeRowsToContents()

    def save_pdf(self, path: Path | None = None) -> Path | None:
        from ldn_cds.fileio import write_private_atomic
        from ldn_cds.pdf.registry_report import render_outcomes

        registry = self.window_.registry
        if registry is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, "Save practice outcomes",
                                                  "ldn-practice-outcomes.pdf", "PDF (*.pdf)")
            if not name:
                return None
            path = Path(name)
        out = registry.outcomes(self.window_.today(), self.window_.ruleset)
        from ldn_cds.store.report import outcome_lines

        try:
            write_private_atomic(path, render_outcomes(out, self.window_.ruleset,
                                                       outcome_lines(out)))
        except OSError as exc:
            self.window_.show_error(f"{path}: cannot write: {exc.strerror or exc}")
            return None
        self.window_.statusBar().showMessage(f"Practice outcomes saved to {path}", 8000)
        return path

    def export(self, *, deidentified: bool, path: Path | None = None) -> Path | None:
        import csv
        import io

        from ldn_cds.fileio import write_private_atomic

        registry = self.window_.registry
        if registry is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Export the registry", "ldn-registry-deidentified.csv" if deidentified
                else "ldn-registry.csv", "CSV (*.csv)")
            if not name:
                return None
            path = Path(name)
        rows = registry.export_rows(self.window_.today(), self.window_.ruleset,
                                    deidentified=deidentified)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["patient"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        try:
            write_private_atomic(path, buffer.getvalue())
        except OSError as exc:
            self.window_.show_error(f"{path}: cannot write: {exc.strerror or exc}")
            return None
        self.window_.statusBar().showMessage(f"{len(rows)} patients exported to {path}", 8000)
        return path


class RegistryWindow(QMainWindow):
    """The registry, beside the case window (the store is opened when this window opens)."""

    def __init__(self, open_registry: Callable[[], Any], ruleset: RuleSet,
                 today: Callable[[], date] = date.today,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("LDN patient registry")
        self.ruleset = ruleset
        self.today = today
        self.registry: Any = None
        self.message = QLabel()
        self.message.setObjectName("registryMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a40000; font-weight: 600;")
        self.message.hide()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name or record id")
        self.search.setClearButtonEnabled(True)
        self.due_only = QCheckBox("Due for review only")
        self.patients = _table(["Name", "Record id", "Born", "Last seen", "Follow-ups"])
        self.no_match = QLabel()
        self.no_match.setObjectName("noMatch")
        self.no_match.setWordWrap(True)
        self.no_match.hide()
        self.patients.horizontalHeader().setStretchLastSection(False)
        self.patients.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.patients.itemSelectionChanged.connect(self._on_select)
        self.search.textChanged.connect(lambda _text: self.refresh())
        self.due_only.toggled.connect(lambda _on: self.refresh())
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.due_only)
        left_layout.addWidget(self.no_match)
        left_layout.addWidget(self.patients)
        self.patient_view = PatientView(self)
        self.outcomes = OutcomesView(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.patient_view, "&Patient")
        self.tabs.addTab(self.outcomes, "Practice &outcomes")
        self.tabs.currentChanged.connect(lambda i: self.outcomes.refresh() if i == 1 else None)
        self.patient_view.changed.connect(self.refresh)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([400, 780])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.message)
        layout.addWidget(splitter)
        self.setCentralWidget(central)
        self.resize(1180, 760)
        from ldn_cds.store import RegistryError

        try:
            self.registry = open_registry()
        except RegistryError as exc:
            self.show_error(str(exc))
        else:
            self.statusBar().showMessage(f"Registry: {self.registry.where}")
        self.refresh()

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def guard(self, action: Callable[[], Any]) -> Any:
        """Run a store action; a RegistryError becomes the message bar, never a traceback."""
        from ldn_cds.store import RegistryError

        try:
            return action()
        except RegistryError as exc:
            self.show_error(str(exc))
            return None

    def refresh(self) -> None:
        if self.registry is None:
            return
        keep = self.patient_view.patient_id
        rows = (self.registry.due_for_review(self.today(), self.ruleset)
                if self.due_only.isChecked() else self.registry.patients(self.search.text()))
        if self.due_only.isChecked() and self.search.text().strip():
            needle = self.search.text().strip().casefold()
            rows = [r for r in rows if needle in (r.name or "").casefold()
                    or needle in (r.record_id or "").casefold()]
        self.patients.blockSignals(True)
        self.patients.setRowCount(0)
        for row in rows:
            r = self.patients.rowCount()
            self.patients.insertRow(r)
            for c, text in enumerate([row.name or "(no name)", row.record_id or "",
                                      fmt_date_or(row.date_of_birth),
                                      fmt_date_or(row.last_seen, "-"), str(row.followups)]):
                self.patients.setItem(r, c, _item(text, row.id if c == 0 else None))
            if row.id == keep:
                self.patients.selectRow(r)
        self.patients.blockSignals(False)
        needle = self.search.text().strip()
        if not rows:
            self.no_match.setText(
                f"No patient matches “{needle}”." if needle else
                "No patient is due for review." if self.due_only.isChecked() else
                "No patient saved yet: Patients → Save assessment to registry in the main "
                "window.")
        self.no_match.setVisible(not rows)
        if keep is not None and keep not in {row.id for row in rows}:
            self.patient_view.show_patient(None)
        if self.tabs.currentIndex() == 1:
            self.outcomes.refresh()

    def _on_select(self) -> None:
        rows = self.patients.selectionModel().selectedRows()
        if not rows:
            return
        item = self.patients.item(rows[0].row(), 0)
        if item is not None:
            self.patient_view.show_patient(int(item.data(Qt.ItemDataRole.UserRole)))
            self.tabs.setCurrentIndex(0)

    def select_patient(self, patient_id: int) -> None:
        for r in range(self.patients.rowCount()):
            item = self.patients.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == patient_id:
                self.patients.selectRow(r)
                return

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        if self.registry is not None:
            self.registry.close()
            self.registry = None
        super().closeEvent(event)
