"""The main window: composition and wiring only (intake form | live assessment)."""

from __future__ import annotations

import contextlib
import stat
import threading
import uuid
from collections.abc import Callable
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.gui.settings import (
    ClinicSettings,
    add_recent_file,
    clinic_prompt_answered,
    load_settings,
    recent_files,
    remember_clinic_prompt,
    save_settings,
)

if TYPE_CHECKING:
    from ldn_cds.core.assessment import Assessment
    from ldn_cds.core.ruleset import RuleSet
    from ldn_cds.gui.controller import AssessmentController
    from ldn_cds.gui.widgets.dose_plan_view import DosePlanView
    from ldn_cds.gui.widgets.findings_view import AssessmentPanel
    from ldn_cds.gui.widgets.intake_form import IntakeForm
    from ldn_cds.gui.widgets.notes_view import NotesView
    from ldn_cds.gui.widgets.trace_view import TraceView

DRAFT_INTERVAL_MS = 5000
CASE_FILTER = "LDN case files (*.json);;All files (*)"


class MainWindow(QMainWindow):
    """Intake form on the left, live assessment on the right."""

    def __init__(
        self,
        *,
        ruleset: RuleSet | None = None,
        settings: QSettings,
        draft_dir: Path,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        """The window frame paints at once; :meth:`load` builds the form and the views.

        With ``ruleset`` given, everything is built now (tests, scripts).  ``run()`` passes
        none, shows the frame, then loads the clinical core and the rule set.
        """
        super().__init__(parent)
        self.store = settings
        self.clinic: ClinicSettings = load_settings(settings)
        from ldn_cds.casefile import Draft, DraftStore

        self.drafts = DraftStore(draft_dir)
        self.draft: Draft | None = None  # this window's recovery draft (locked while open)
        self._draft_key: str | None = None
        self._new_case_id = f"new:{uuid.uuid4()}"
        self._today = today
        self.ready = False
        self.setWindowTitle("ldn-cds")
        self.setObjectName("ldnCdsMainWindow")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.loading = QLabel("Loading the rule set…")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.splitter.addWidget(self.loading)
        central = QWidget(self)
        self.central_column = QVBoxLayout(central)
        self.central_column.setContentsMargins(0, 0, 0, 0)
        self.central_column.setSpacing(0)
        self.foreign_bar, foreign_row = _bar("foreignRuleSetBar", "#fde7e9", "#a4262c", central)
        self.foreign_label = QLabel(self.foreign_bar)
        self.foreign_label.setWordWrap(True)
        self.foreign_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        foreign_row.addWidget(self.foreign_label)
        self.foreign_bar.hide()
        self.central_column.addWidget(self.foreign_bar)
        self.draft_bar, draft_row = _bar("draftBar", "#fff4ce", "#c19c00", central)
        self.draft_label = QLabel(self.draft_bar)
        self.draft_label.setWordWrap(True)
        draft_row.addWidget(self.draft_label, 1)
        self.draft_bar.hide()
        self._draft_count = 0
        self.central_column.addWidget(self.draft_bar)
        self.import_bar, import_row = _bar("fhirImportBar", "#fff4ce", "#c19c00", central)
        self.import_label = QLabel(self.import_bar)
        self.import_label.setWordWrap(True)
        self.import_report_button = QPushButton("Show import report…", self.import_bar)
        self.import_report_button.clicked.connect(self._on_import_report_clicked)
        self.import_dismiss = QPushButton("Dismiss", self.import_bar)
        self.import_dismiss.clicked.connect(self.import_bar.hide)
        import_row.addWidget(self.import_label, 1)
        import_row.addWidget(self.import_report_button)
        import_row.addWidget(self.import_dismiss)
        self.import_bar.hide()
        self._last_import: tuple[Path, Any] | None = None
        self.central_column.addWidget(self.import_bar)
        self.clinic_bar, clinic_row = _bar("clinicDetailsBar", "#deecf9", "#0f6cbd", central)
        self.clinic_label = QLabel(
            "<b>Who should your patients call?</b> Enter your clinic's name and phone number "
            "once: they are printed on every handout and wallet card (until then the "
            "handout has boxes to write them in).", self.clinic_bar)
        self.clinic_label.setWordWrap(True)
        self.clinic_enter = QPushButton("Enter clinic details…", self.clinic_bar)
        self.clinic_enter.clicked.connect(self._on_clinic_enter_clicked)
        self.clinic_later = QPushButton("Later", self.clinic_bar)
        self.clinic_later.setToolTip("Not now; File → Settings has them any time")
        self.clinic_later.clicked.connect(self._on_clinic_later_clicked)
        clinic_row.addWidget(self.clinic_label, 1)
        clinic_row.addWidget(self.clinic_enter)
        clinic_row.addWidget(self.clinic_later)
        self.clinic_bar.hide()
        self.central_column.addWidget(self.clinic_bar)
        self.central_column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self._build_actions()
        from ldn_cds.gui.registry_link import RegistryLink

        self.registry_link = RegistryLink(self, self._today)
        self._build_menus()
        self._build_toolbar()
        self.ruleset_label = QLabel("")
        self.statusBar().addPermanentWidget(self.ruleset_label)
        self._draft_timer = QTimer(self)
        self._draft_timer.setInterval(DRAFT_INTERVAL_MS)
        self._draft_timer.timeout.connect(self.write_draft)
        self._restore_geometry()
        for action in self._content_actions:
            action.setEnabled(False)
        if ruleset is not None:
            self.load(ruleset)

    def load(self, ruleset: RuleSet | None = None) -> None:
        """Import the clinical core, load the rule set and build the form and the views."""
        from ldn_cds.gui.controller import AssessmentController
        from ldn_cds.gui.widgets.dose_plan_view import DosePlanView
        from ldn_cds.gui.widgets.findings_view import AssessmentPanel
        from ldn_cds.gui.widgets.intake_form import IntakeForm
        from ldn_cds.gui.widgets.notes_view import NotesView
        from ldn_cds.gui.widgets.trace_view import TraceView

        if ruleset is None:
            from ldn_cds.resources import default_ruleset

            ruleset = default_ruleset()
        self.ruleset = ruleset
        self.controller: AssessmentController = AssessmentController(
            ruleset=ruleset, today=self._today, parent=self)
        self.form: IntakeForm = IntakeForm(ruleset=ruleset)
        self.panel: AssessmentPanel = AssessmentPanel()
        self.plan_view: DosePlanView = DosePlanView(ruleset=ruleset)
        self.notes_view: NotesView = NotesView()
        self.trace_view: TraceView = TraceView(ruleset=ruleset)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Assessment views")
        self.tabs.addTab(self.panel, "&Assessment")
        self.tabs.addTab(self.plan_view, "&Dose plan")
        self.tabs.addTab(self.notes_view, "&Notes")
        self.tabs.addTab(self.trace_view, "&Why?")
        sizes = self.splitter.sizes()
        self.loading.hide()
        self.loading.setParent(None)  # out of the splitter now, so the sizes below apply
        self.loading.deleteLater()
        self.splitter.addWidget(self.form)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        self.earlier_bar = QFrame(right)
        self.earlier_bar.setObjectName("earlierDayBar")
        self.earlier_bar.setStyleSheet(
            "#earlierDayBar { background: #fff4ce; border: 1px solid #c19c00; }")
        bar = QHBoxLayout(self.earlier_bar)
        self.earlier_label = QLabel(self.earlier_bar)
        self.earlier_label.setWordWrap(True)
        self.reassess_button = QPushButton("Reassess &today", self.earlier_bar)
        self.reassess_button.setAccessibleName("Reassess this case as of today")
        self.reassess_button.clicked.connect(self.reassess_today)
        bar.addWidget(self.earlier_label, 1)
        bar.addWidget(self.reassess_button)
        self.earlier_bar.hide()
        column.addWidget(self.earlier_bar)
        column.addWidget(self.tabs, 1)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 31)
        self.splitter.setStretchFactor(1, 33)
        split = self.store.value("window/splitter")
        if split is None or not self.splitter.restoreState(split):
            total = max(sum(sizes), self.width())
            self.splitter.setSizes([total * 31 // 64, total * 33 // 64])
        self.ruleset_label.setText(f"Rule set {ruleset.version} · sha256 {ruleset.sha256[:12]}"
                                   + ("" if ruleset.shipped else " · NOT the shipped one"))
        self.ruleset_label.setToolTip(ruleset.sha256)
        self._show_ruleset_origin(ruleset)
        self._wire()
        for action in self._content_actions:
            action.setEnabled(True)
        self._draft_timer.start()
        self.ready = True

    def _show_ruleset_origin(self, ruleset: RuleSet) -> None:
        """A rule set loaded from anywhere but the shipped resources is named, with its full
        hash, in a banner that stays for the whole session."""
        if ruleset.shipped:
            self.foreign_bar.hide()
            return
        self.foreign_label.setText(
            f"<b>⚠ Rule set not the shipped one:</b> {escape(str(ruleset.origin))}, sha256 "
            f"{ruleset.sha256}<br>Every verdict, dose and printed page in this window comes "
            f"from this rule set ({escape(ruleset.manifest.id)} {escape(ruleset.version)}).")
        self.foreign_label.setAccessibleName(
            f"Rule set not the shipped one: {ruleset.origin}, sha256 {ruleset.sha256}")
        self.foreign_bar.show()

    # -- construction --------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.act_new = self._action("&New case", self.on_new, std.New, "Start a new case")
        self.act_open = self._action("&Open…", self.on_open, std.Open, "Open a case file")
        self.act_import_fhir = self._action(
            "&Import FHIR bundle…", self.on_import_fhir, None,
            "Prefill a new case from a FHIR R4 Bundle, after showing what was not mapped")
        self.act_save = self._action("&Save", self.on_save, std.Save, "Save the case")
        self.act_save_as = self._action("Save &as…", self.on_save_as, "Ctrl+Shift+S",
                                        "Save the case under a new name")
        self.act_print = self._action("&Preview and print…", self.on_preview, std.Print,
                                      "Preview the handout and summary and print them")
        self.act_pdfs = self._action("Save P&DFs…", self.on_save_pdfs, "Ctrl+E",
                                     "Write the handout and summary PDFs to a folder")
        self.act_settings = self._action("Se&ttings…", self.on_settings, "Ctrl+,",
                                         "Clinic header, prescriber, paper, defaults")
        self.act_quit = self._action("&Quit", self.close, std.Quit)
        self.act_about = self._action("&About ldn-cds", self.on_about)
        self.act_rules = self._action("&Rule set…", self.on_rules, None,
                                      "Browse every rule with its sources")
        self.act_keys = self._action("&Keyboard shortcuts", self.on_shortcuts, "F1")
        self.act_form = self._action("Go to the &form", self.on_focus_form, "Ctrl+L")
        tab_actions = [self._action(f"Tab {i + 1}", self._tab_selector(i), f"Ctrl+{i + 1}")
                       for i in range(4)]
        self._content_actions = [
            self.act_new, self.act_open, self.act_import_fhir, self.act_save, self.act_save_as,
            self.act_print,
            self.act_pdfs, self.act_settings, self.act_about, self.act_rules, self.act_form,
            *tab_actions,
        ]

    def _tab_selector(self, index: int) -> Callable[[], None]:
        def select() -> None:
            self.tabs.setCurrentIndex(index)

        return select

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for action in (self.act_new, self.act_open, self.act_import_fhir):
            file_menu.addAction(action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._rebuild_recent()
        file_menu.addSeparator()
        for action in (self.act_save, self.act_save_as):
            file_menu.addAction(action)
        file_menu.addSeparator()
        for action in (self.act_print, self.act_pdfs):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.act_settings)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        patients_menu = bar.addMenu("&Patients")
        patients_menu.addAction(self.registry_link.act_save)
        patients_menu.addAction(self.registry_link.act_open)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.act_form)
        help_menu = bar.addMenu("&Help")
        for action in (self.act_keys, self.act_rules, self.act_about):
            help_menu.addAction(action)

    def _build_toolbar(self) -> None:
        tools = self.addToolBar("Main")
        tools.setObjectName("mainToolBar")
        tools.setMovable(False)
        for action in (self.act_new, self.act_open, self.act_save):
            tools.addAction(action)
        tools.addSeparator()
        tools.addAction(self.act_print)
        tools.addAction(self.act_pdfs)

    def _wire(self) -> None:
        c = self.controller
        self.form.intakeChanged.connect(c.set_intake)
        self.plan_view.planChanged.connect(c.set_plan)
        c.caseLoaded.connect(self._on_controller_case_loaded)
        c.assessmentChanged.connect(self._on_controller_assessment_changed)
        c.problemsChanged.connect(self._on_controller_problems_changed)
        c.dosingFailed.connect(self._on_controller_dosing_failed)
        c.dirtyChanged.connect(self._on_controller_dirty_changed)
        c.pathChanged.connect(self._on_controller_path_changed)
        self.panel.fieldRequested.connect(self.focus_input)
        self.panel.overrideRequested.connect(self.on_override)
        self.panel.overrideCleared.connect(self._on_panel_override_cleared)
        self.notes_view.copied.connect(self._on_notes_copied)

    # -- controller -> views -------------------------------------------------------------------

    @Slot(dict)
    def _on_controller_case_loaded(self, data: dict) -> None:  # type: ignore[type-arg]
        self.form.set_data(data)
        self.import_bar.hide()  # shown again by an import, after this
        # another case: start at its name and its verdict, not where the last one was left
        self.form.scroll_area.verticalScrollBar().setValue(0)
        self.panel.scroll_area.verticalScrollBar().setValue(0)
        self.plan_view.set_plan(data.get("plan"))
        self._draft_count = len(self.controller.problems) if self.controller.is_draft else 0
        self._update_draft_bar()

    @Slot(object)
    def _on_controller_assessment_changed(self, result: Assessment) -> None:
        self.panel.show_assessment(result)
        self.form.show_medicines(result.medicines)
        self.form.show_age(result.trace, result.assessed_on)
        self._update_earlier_bar()
        self.plan_view.show_assessment(result)
        self.notes_view.show_assessment(result)
        self.trace_view.show_assessment(result)
        self._update_title()

    @Slot(list)
    def _on_controller_problems_changed(self, problems: list) -> None:  # type: ignore[type-arg]
        self.form.show_problems(problems)
        self.plan_view.show_problems(problems)
        self._update_earlier_bar()
        self._update_draft_bar()
        if problems:
            self.panel.show_invalid(len(problems))

    @Slot(str)
    def _on_controller_dosing_failed(self, message: str) -> None:
        self.plan_view.show_dosing_error(message)
        if message:
            self.panel.show_dosing_error(message)

    @Slot(bool)
    def _on_controller_dirty_changed(self, dirty: bool) -> None:
        self.setWindowModified(dirty)
        if not dirty:
            self.remove_draft()

    @Slot(object)
    def _on_controller_path_changed(self, _path: Any) -> None:
        self._update_title()
        self._update_draft_bar()

    def _update_title(self) -> None:
        case = self.controller.case
        path = self.controller.path
        name = (case.patient.name if case is not None else None) or "New case"
        where = f" ({path.name}{', draft' if self.controller.is_draft else ''})" if path else ""
        self.setWindowTitle(f"{name}{where}[*] — ldn-cds")

    def _update_draft_bar(self) -> None:
        """While the case's file is a draft, say so and what is left to do."""
        if not self.controller.is_draft:
            self.draft_bar.hide()
            return
        left = len(self.controller.problems)
        if left:
            self.draft_label.setText(
                f"<b>⚠ Saved as a draft:</b> {_answers(left)} missing or invalid (marked ⚠ "
                f"in the form); it cannot be assessed or printed until they are fixed.")
        else:
            self.draft_label.setText(
                "<b>⚠ The file is still a draft.</b> Every answer is now valid: save "
                "(Ctrl+S) to make it a finished case file.")
        self.draft_bar.show()

    @Slot(str)
    def _on_notes_copied(self, message: str) -> None:
        self.statusBar().showMessage(message, 4000)

    # -- navigation ----------------------------------------------------------------------------

    @Slot(str)
    def focus_input(self, name: str) -> None:
        if not self.form.focus_field(name):
            self.statusBar().showMessage(f"No field for {name}", 4000)

    def on_focus_form(self) -> None:
        self.form.focus_field("patient.name")

    # -- overrides -----------------------------------------------------------------------------

    @Slot(str)
    def on_override(self, rule_id: str) -> None:
        result = self.controller.assessment
        if result is None:
            return
        finding = next((f for f in result.findings if f.rule_id == rule_id), None)
        if finding is None:
            return
        from ldn_cds.gui.widgets.dialogs import OverrideDialog

        dialog = OverrideDialog(finding, by=self.clinic.prescriber, on=self.controller.today(),
                                parent=self)
        if dialog.exec() == OverrideDialog.DialogCode.Accepted:
            self.controller.set_override(dialog.override())

    @Slot(str)
    def _on_panel_override_cleared(self, rule_id: str) -> None:
        self.controller.clear_override(rule_id)

    # -- case files ----------------------------------------------------------------------------

    def after_show(self, path: Path | None = None) -> None:
        """Start-up after the first paint: offer the recovery draft, open the given case."""
        if self.offer_draft():
            return
        if path is not None:
            self.open_path(Path(path), quiet_new=True)
        else:
            self.controller.new_case(self.clinic.plan_defaults())

    def maybe_save(self) -> bool:
        """Ask before losing unsaved changes; True when it is safe to continue."""
        if not self.controller.dirty:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes",
            "This case has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.on_save()
        return answer == QMessageBox.StandardButton.Discard

    def on_new(self) -> None:
        if self.maybe_save():
            self.controller.new_case(self.clinic.plan_defaults())
            self.statusBar().showMessage("New case: every question starts as 'Not asked'", 4000)
            self.form.focus_field("patient.name")

    def on_open(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.controller.path.parent) if self.controller.path else ""
        name, _ = QFileDialog.getOpenFileName(self, "Open case", start, CASE_FILTER)
        if name:
            self.open_path(Path(name))

    def on_import_fhir(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.controller.path.parent) if self.controller.path else ""
        name, _ = QFileDialog.getOpenFileName(self, "Import FHIR bundle", start,
                                              "FHIR bundles (*.json);;All files (*)")
        if name:
            self.import_fhir_path(Path(name))

    def import_fhir_path(self, path: Path) -> bool:
        """Import a FHIR bundle into a new, unsaved case after the report is accepted."""
        import os

        from PySide6.QtWidgets import QDialog

        from ldn_cds.casefile import read_json
        from ldn_cds.core.fhir_import import FhirImportError, import_bundle
        from ldn_cds.gui.widgets.fhir_report_dialog import FhirReportDialog

        limit = 64 * 1024 * 1024  # as ldn-cds import-fhir: one patient's record
        problems: list[str] = []
        result = None
        data: Any = None
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            problems = [f"{path}: cannot read: {exc.strerror or exc}"]
        else:
            if size > limit:
                problems = [f"{path}: too large ({size:,} bytes; a bundle is read up to "
                            f"{limit:,} bytes)"]
        if not problems:
            data, problems = read_json(path, limit=limit, what="a bundle")
        if not problems:
            try:
                result = import_bundle(data, self.controller.ruleset,
                                       on=self.controller.today(), assessed_on=True)
            except FhirImportError as exc:
                problems = [f"{path}: {exc}"]
            except RecursionError:
                problems = [f"{path}: nested too deeply"]
        if result is None:
            box = QMessageBox(QMessageBox.Icon.Warning, "Cannot import FHIR bundle",
                              f"{path.name} cannot be imported as a FHIR bundle.",
                              QMessageBox.StandardButton.Ok, self)
            box.setInformativeText("Nothing was changed. " + "; ".join(problems[:3]))
            box.setDetailedText("\n".join(problems[:20]))
            box.exec()
            return False
        dialog = FhirReportDialog(path, result, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        case = dict(result.case_data)
        defaults = self.clinic.plan_defaults()
        if defaults and "plan" not in case:
            case["plan"] = dict(defaults)
        self.controller.load_data(case, path=None, dirty=True)
        self._show_import_bar(path, result)
        return True

    def _show_import_bar(self, path: Path, result: Any) -> None:
        """Stays until dismissed or another case is loaded: what the import left out, and
        above all a record that may be incomplete (a search with more pages, a failed
        request of a batch), which the form alone cannot show."""
        self._last_import = (path, result)
        left_out = sum(1 for item in result.report if not item.mapped)
        caveats = len(result.report) - left_out
        incomplete = [item.reason for item in result.report
                      if item.resource_type == "Bundle" and not item.mapped]
        text = (f"<b>Imported from {escape(path.name)}</b>: {left_out} "
                f"{'item' if left_out == 1 else 'items'} of the record not in the form, "
                f"{caveats} filled in with a caveat; questions the record did not answer "
                "are <b>Not asked</b>.")
        if incomplete:
            text += ("<br><b>⚠ The record may be incomplete:</b> "
                     + escape(incomplete[0]) + (f" (and {len(incomplete) - 1} more)"
                                                if len(incomplete) > 1 else "")
                     + ". Check medicines and history against the record.")
        self.import_label.setText(text)
        self.import_bar.show()

    def _on_import_report_clicked(self) -> None:
        if self._last_import is None:
            return
        from ldn_cds.gui.widgets.fhir_report_dialog import FhirReportDialog

        path, result = self._last_import
        dialog = FhirReportDialog(path, result, parent=self, review=True)
        dialog.exec()

    def open_path(self, path: Path, *, quiet_new: bool = False) -> bool:
        """Open a case file; an invalid or newer file changes nothing and says why."""
        from ldn_cds.gui.controller import CaseFileError

        try:
            self.controller.open_file(path)
        except CaseFileError as exc:
            details = "\n".join(exc.problems[:20])
            box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open case", exc.headline,
                              QMessageBox.StandardButton.Ok, self)
            box.setInformativeText("Nothing was changed. " + (exc.problems[0] if len(
                exc.problems) == 1 else f"{len(exc.problems)} problems; see details."))
            box.setDetailedText(details)
            box.exec()
            if quiet_new and self.controller.case is None and not self.controller.dirty:
                self.controller.new_case(self.clinic.plan_defaults())
            return False
        self._remember(path)
        self.statusBar().showMessage(f"Opened {path}", 4000)
        return True

    def on_save(self) -> bool:
        path = self.controller.path
        if path is None:
            return self.on_save_as()
        return self.save_to(path)

    def on_save_as(self) -> bool:
        case = self.controller.case
        suggested = self.controller.path or Path(
            (case.patient.record_id if case and case.patient.record_id else "case") + ".json")
        name, _ = QFileDialog.getSaveFileName(self, "Save case", str(suggested), CASE_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix == "":
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        self.flush_edits()
        if _read_only(path) and QMessageBox.question(
            self, "Replace a read-only file?",
            f"{path.name} is read-only. Replace it with this case anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        ) != QMessageBox.StandardButton.Yes:
            self.statusBar().showMessage(f"Not saved: {path.name} is read-only", 6000)
            return False
        try:
            missing = self.controller.save(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot save", f"The case was not saved: {exc}")
            return False
        self._remember(path)
        if missing:
            self.statusBar().showMessage(
                f"Saved as a draft: {_answers(missing)} missing or invalid; it cannot be "
                f"assessed until they are fixed", 10000)
        else:
            self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def flush_edits(self) -> None:
        """Send any pending (debounced) edits to the controller now."""
        self.form.flush()
        self.plan_view.flush()

    def _remember(self, path: Path) -> None:
        add_recent_file(self.store, str(path.resolve()))  # absolute: the list outlives the cwd
        self._rebuild_recent()

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        items = recent_files(self.store)
        for item in items:
            action = self.recent_menu.addAction(item)
            action.triggered.connect(lambda _=False, p=item: self._open_recent(p))
        self.recent_menu.setEnabled(bool(items))

    def _open_recent(self, path: str) -> None:
        if self.maybe_save():
            self.open_path(Path(path))

    # -- recovery draft ------------------------------------------------------------------------

    @property
    def draft_path(self) -> Path | None:
        return self.draft.path if self.draft is not None else None

    def _draft_identity(self) -> tuple[str, str]:
        """(key, label) of the open case: its absolute path, or this window's new case."""
        path = self.controller.path
        data = self.controller.data()
        raw = data.get("patient")
        patient: dict[str, Any] = raw if isinstance(raw, dict) else {}
        label = str(patient.get("name") or patient.get("record_id") or "")
        if path is not None:
            return str(path.resolve()), label or path.stem
        return self._new_case_id, label or "new case"

    def write_draft(self) -> None:
        """Autosave the case as entered (even if not yet valid) while it has unsaved changes.

        One draft per open case, named after it and locked by this window: another window
        never overwrites or deletes it.
        """
        if not self.controller.dirty:
            return
        payload = {
            "saved_at": datetime.now().isoformat(timespec="seconds"),
            "path": str(self.controller.path.resolve()) if self.controller.path else None,
            "case": self.controller.data(),
        }
        key, label = self._draft_identity()
        try:
            if self.draft is None or self._draft_key != key:
                self.remove_draft()  # the case changed (opened, saved as): its old draft goes
                self.draft = self.drafts.claim(key, label)
                self._draft_key = key
            self.draft.write(payload)
        except OSError as exc:
            self.statusBar().showMessage(f"Recovery draft not written: {exc}", 6000)

    def remove_draft(self) -> None:
        if self.draft is not None:
            self.draft.remove()
        self.draft = None
        self._draft_key = None

    def offer_draft(self) -> bool:
        """If a window closed without saving (a crash), offer to restore its draft.

        Only drafts that no open window holds are offered, newest first; the question names
        the patient and the time in words.  True when one was restored.
        """
        try:
            orphans = self.drafts.orphans()
        except OSError:
            return False
        if not orphans:
            return False
        draft, payload = orphans[0]
        for other, _ in orphans[1:]:
            other.release()  # for the next window to offer
        data = payload["case"]
        raw = data.get("patient")
        patient: dict[str, Any] = raw if isinstance(raw, dict) else {}
        who = patient.get("name") or patient.get("record_id")
        path = payload.get("path")
        what = (f"the case of {who}" if who else
                f"the case {Path(path).name}" if path else "a new case")
        answer = QMessageBox.question(
            self, "Restore unsaved case?",
            f"ldn-cds closed with unsaved changes to {what}, last kept "
            f"{_when_in_words(payload.get('saved_at'))}. Restore them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            draft.remove()
            return False
        self.controller.load_data(data, path=Path(path) if path else None, dirty=True)
        self.remove_draft()
        self.draft = draft
        self._draft_key = self._draft_identity()[0]
        return True

    # -- assessed on an earlier day --------------------------------------------------------------

    def earlier_day(self) -> date | None:
        """The case's assessment date when it is earlier than today (a reopened case)."""
        case = self.controller.case
        if case is None or case.assessed_on is None:
            return None
        return case.assessed_on if case.assessed_on < self.controller.today() else None

    def _update_earlier_bar(self) -> None:
        day = self.earlier_day()
        if day is None:
            self.earlier_bar.hide()
            return
        days = (self.controller.today() - day).days
        ago = "yesterday" if days == 1 else f"{days} days ago"
        self.earlier_label.setText(
            f"This case was assessed on {day.strftime('%A %d %B %Y')} ({ago}). The verdict, "
            f"washout and dose dates are as of that day.")
        self.earlier_bar.show()

    def reassess_today(self) -> None:
        """Set the assessment date to today; the verdict and dates are recomputed."""
        self.form.assessed_on.set_value(self.controller.today().isoformat())
        self.form.flush()
        self.statusBar().showMessage("Reassessed as of today", 4000)

    def confirm_assessment_day(self) -> bool:
        """Before printing a case assessed on an earlier day: reassess today, keep, or stop."""
        day = self.earlier_day()
        if day is None:
            return True
        answer = QMessageBox.question(
            self, "Assessed on an earlier day",
            f"This case was assessed on {day.strftime('%d %B %Y')}. Reassess it as of today "
            f"before printing? (No prints it as of {day.strftime('%d %B %Y')}.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.reassess_today()
            return True
        return answer == QMessageBox.StandardButton.No

    # -- PDFs and printing ---------------------------------------------------------------------

    def _documents(self, *, handout: bool = True, summary: bool = True) -> list[Any] | None:
        self.flush_edits()
        if not self.confirm_assessment_day():
            return None
        case, result = self.controller.case, self.controller.assessment
        if case is None or result is None or self.controller.dosing_error:
            QMessageBox.information(
                self, "Nothing to print",
                "Correct the fields marked ⚠ first: the documents are printed from a valid "
                "assessment.")
            return None
        from ldn_cds.gui.printing import render_documents

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            followup = self.registry_link.followup_for(case) if summary else None
            return render_documents(case, result, self.ruleset, self.clinic,
                                    handout=handout, summary=summary, followup=followup)
        finally:
            QApplication.restoreOverrideCursor()

    def preview_dialog(self) -> Any:
        """The preview dialog on the current case (None when nothing can be printed)."""
        documents = self._documents()
        if documents is None:
            return None
        from ldn_cds.gui.widgets.dialogs import PreviewDialog

        return PreviewDialog(documents, on_save=self.on_save_pdfs, parent=self,
                             on_printed=self._record_printed)

    def _record_printed(self, documents: list[Any]) -> None:
        """Printed documents go into the registry with their SHA-256 (after printing)."""
        self.registry_link.record_documents([(d.kind, d.data, None) for d in documents])

    def on_preview(self) -> None:
        dialog = self.preview_dialog()
        if dialog is not None:
            dialog.exec()

    def on_save_pdfs(self) -> None:
        start = str(self.controller.path.parent) if self.controller.path else ""
        folder = QFileDialog.getExistingDirectory(self, "Save PDFs into folder", start)
        if folder:
            self.save_pdfs(Path(folder))

    def save_pdfs(self, folder: Path) -> list[Path]:
        self.flush_edits()
        if not self.confirm_assessment_day():
            return []
        case, result = self.controller.case, self.controller.assessment
        if case is None or result is None or self.controller.dosing_error:
            QMessageBox.information(self, "Nothing to save",
                                    "Correct the fields marked ⚠ first.")
            return []
        from ldn_cds.gui.printing import print_settings
        from ldn_cds.pdf import safe_stem, write_case_pdfs

        stem = self.controller.path.stem if self.controller.path else "case"
        name = safe_stem(case.patient.record_id, stem)
        existing = [p.name for p in (folder / f"{name}-summary.pdf",
                                     folder / f"{name}-handout.pdf") if p.exists()]
        if existing and QMessageBox.question(
            self, "Replace existing PDFs?",
            f"{' and '.join(existing)} already exist in {folder}. They may be another "
            f"patient's documents. Replace them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        ) != QMessageBox.StandardButton.Yes:
            self.statusBar().showMessage("PDFs not saved: nothing was replaced", 6000)
            return []
        try:
            paths: list[Path] = write_case_pdfs(case, result, self.ruleset, out_dir=folder,
                                                stem=stem, settings=print_settings(self.clinic),
                                                followup=self.registry_link.followup_for(case))
        except OSError as exc:
            QMessageBox.warning(self, "Cannot save PDFs", str(exc))
            return []
        self.statusBar().showMessage("Saved " + ", ".join(p.name for p in paths), 6000)
        self.registry_link.record_documents(
            [("summary" if p.stem.endswith("-summary") else "handout", p.read_bytes(), p)
             for p in paths])
        return paths

    # -- settings and help ---------------------------------------------------------------------

    def on_settings(self) -> None:
        from ldn_cds.gui.widgets.dialogs import SettingsDialog

        dialog = SettingsDialog(self.clinic, ruleset=self.ruleset, parent=self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.settings())

    def apply_settings(self, clinic: ClinicSettings) -> None:
        self.clinic = clinic
        save_settings(self.store, clinic)
        if clinic.has_contact_details():
            self.clinic_bar.hide()

    # -- first run: who the patient calls ------------------------------------------------------

    def offer_clinic_details(self) -> bool:
        """On a first run without the clinic's name or phone, ask for them in a bar above the
        form (never a modal box: a case opens and works as usual).  "Later" is remembered.
        True when the bar is shown."""
        if self.clinic.has_contact_details() or clinic_prompt_answered(self.store):
            return False
        self.clinic_bar.show()
        return True

    def _on_clinic_enter_clicked(self) -> None:
        self.on_settings()
        if self.clinic.has_contact_details():
            self.statusBar().showMessage("Clinic details saved: they print on every handout",
                                         6000)

    def _on_clinic_later_clicked(self) -> None:
        remember_clinic_prompt(self.store)
        self.clinic_bar.hide()
        self.statusBar().showMessage(
            "Clinic details: File → Settings, any time. Handouts print boxes to write them in.",
            8000)

    def on_about(self) -> None:
        from ldn_cds.gui.widgets.dialogs import AboutDialog

        AboutDialog(ruleset=self.ruleset, parent=self).exec()

    def on_rules(self) -> None:
        from ldn_cds.gui.widgets.dialogs import RuleSetBrowser

        RuleSetBrowser(ruleset=self.ruleset, parent=self).exec()

    def on_shortcuts(self) -> None:
        from ldn_cds.gui.widgets.dialogs import ShortcutsDialog

        ShortcutsDialog(self).exec()

    # -- window state --------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.store.value("window/geometry")
        if geometry is not None and self.restoreGeometry(geometry):
            state = self.store.value("window/state")
            if state is not None:
                self.restoreState(state)
            return
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen else None
        width, height = 1280, 860
        if available is not None:  # leave room for the frame and title bar: all on screen
            width = min(width, available.width() - 16)
            height = min(height, available.height() - 40)
        self.resize(width, height)

    def save_geometry(self) -> None:
        self.store.setValue("window/geometry", self.saveGeometry())
        self.store.setValue("window/state", self.saveState())
        if self.ready:
            self.store.setValue("window/splitter", self.splitter.saveState())
        self.store.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.ready:
            event.accept()
            return
        self.flush_edits()
        if not self.maybe_save():
            event.ignore()
            return
        self.save_geometry()
        self._draft_timer.stop()
        self.remove_draft()
        self.registry_link.close()
        event.accept()


def _bar(name: str, background: str, border: str,
         parent: QWidget) -> tuple[QFrame, QHBoxLayout]:
    """A coloured message bar: the frame and its row."""
    bar = QFrame(parent)
    bar.setObjectName(name)
    bar.setStyleSheet(f"#{name} {{ background: {background}; border: 2px solid {border}; }}"
                      f"#{name} QLabel {{ color: #201f1e; }}")
    layout = QHBoxLayout(bar)
    layout.setContentsMargins(8, 6, 8, 6)
    return bar, layout


def _answers(count: int) -> str:
    return f"{count} answer{'s' if count != 1 else ''}"


def _read_only(path: Path) -> bool:
    """An existing file without the owner's write permission (checked by mode: root too)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not mode & stat.S_IWUSR


def _when_in_words(saved_at: Any) -> str:
    """``today at 14:05`` / ``yesterday at 09:12`` / ``on Monday 23 November 2026 at 14:05``."""
    try:
        when = datetime.fromisoformat(str(saved_at))
    except ValueError:
        return "at an unknown time"
    days = (datetime.now().date() - when.date()).days
    clock = when.strftime("%H:%M")
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"yesterday at {clock}"
    return f"on {when.strftime('%A %d %B %Y')} at {clock}"


def warm_pdf_import() -> threading.Thread:
    """Import the PDF layer (reportlab) in the background once the window is up."""
    def target() -> None:
        with contextlib.suppress(ImportError):
            import ldn_cds.pdf  # noqa: F401

    thread = threading.Thread(target=target, name="warm-pdf-import", daemon=True)
    thread.start()
    return thread
