"""The case window's link to the patient registry: "Save assessment to registry", the
registry window, and printed documents recorded automatically (kind, date, SHA-256).

The registry is opened on first use (SQLAlchemy is imported then, not at start-up) from
``$LDN_CDS_DATABASE_URL`` or the default SQLite file. A registry problem is shown as a message
and never stops printing: the documents are printed first, then recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from ldn_cds import __version__


class RegistryLink:
    def __init__(self, window: Any, today: Any, url: str | None = None) -> None:
        self.window = window
        self.today = today
        self.url = url
        self._registry: Any = None
        self._saved: dict[int, tuple[int, int]] = {}  # id(result) -> (assessment, patient)
        self.registry_window: Any = None
        self.act_open = QAction("Patient &registry…", window)
        self.act_open.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.act_open.setStatusTip("Find patients, record follow-up visits, see the trend")
        self.act_open.triggered.connect(self.open_window)
        self.act_save = QAction("Save assessment to re&gistry", window)
        self.act_save.setStatusTip("Record this assessment (case, result, rule set) in the "
                                   "patient registry")
        self.act_save.triggered.connect(self.save_assessment)
        window.addAction(self.act_open)

    # -- the registry ------------------------------------------------------------------------
    def registry(self) -> Any:
        """The open registry, or None after telling the user why it cannot be opened."""
        if self._registry is None:
            from ldn_cds.store import RegistryError, open_registry

            try:
                self._registry = open_registry(self.url)
            except RegistryError as exc:
                QMessageBox.warning(self.window, "Patient registry", str(exc))
                return None
        return self._registry

    def close(self) -> None:
        if self.registry_window is not None:
            self.registry_window.close()
        if self._registry is not None:
            self._registry.close()
            self._registry = None

    def open_window(self) -> Any:
        from ldn_cds.gui.registry_window import RegistryWindow
        from ldn_cds.store import open_registry

        if self.registry_window is None:
            self.registry_window = RegistryWindow(lambda: open_registry(self.url),
                                                  self.window.ruleset, today=self.today)
        self.registry_window.show()
        self.registry_window.raise_()
        self.registry_window.activateWindow()
        self.registry_window.refresh()
        return self.registry_window

    def followup_for(self, case: Any) -> tuple[Any, Any] | None:
        """(course, today) of the case's patient when the registry holds follow-ups for them,
        for the summary's follow-up section. Never creates a registry just to print, and a
        registry problem only leaves the section out."""
        from ldn_cds.store import RegistryError, open_registry

        try:
            registry = self._registry or open_registry(self.url, create=False)
            self._registry = registry
            patient_id = registry.find_patient(case.patient.model_dump(mode="json"))
            if patient_id is None:
                return None
            course = registry.course(patient_id)
        except RegistryError:
            return None
        return (course, self.today()) if course.followups else None

    # -- saving ------------------------------------------------------------------------------
    def save_assessment(self, *, quiet: bool = False) -> tuple[int, int] | None:
        """Record the current assessment once; (assessment id, patient id), or None."""
        controller = self.window.controller
        case, result = controller.case, controller.assessment
        if case is None or result is None:
            if not quiet:
                QMessageBox.information(self.window, "Nothing to save",
                                        "Correct the fields marked ⚠ first.")
            return None
        if id(result) in self._saved:
            return self._saved[id(result)]
        registry = self.registry()
        if registry is None:
            return None
        from ldn_cds.store import RegistryError

        prescriber = getattr(getattr(self.window, "clinic", None), "prescriber", None) or None
        try:
            assessment_id = registry.save_assessment(
                case.model_dump(mode="json"), result.model_dump(mode="json", by_alias=True),
                ruleset=self.window.ruleset, program_version=__version__,
                prescriber=prescriber)
            patient_id = registry.patient_of(assessment_id)
        except RegistryError as exc:
            QMessageBox.warning(self.window, "Patient registry", str(exc))
            return None
        self._saved[id(result)] = (assessment_id, patient_id)
        self.window.statusBar().showMessage(
            f"Assessment saved to the patient registry ({registry.where})", 6000)
        if self.registry_window is not None:
            self.registry_window.refresh()
        return assessment_id, patient_id

    def record_documents(self, documents: Sequence[tuple[str, bytes, Path | None]]) -> None:
        """Record printed or saved PDFs (kind, bytes, path) with their SHA-256, saving the
        assessment first. Called after the documents were printed or written."""
        if not documents:
            return
        saved = self.save_assessment(quiet=True)
        registry = self._registry
        if saved is None or registry is None:
            return
        from ldn_cds.store import RegistryError

        assessment_id, patient_id = saved
        try:
            for kind, data, path in documents:
                registry.record_document(patient_id, kind, hashlib.sha256(data).hexdigest(),
                                         assessment_id=assessment_id,
                                         path=None if path is None else str(path))
        except RegistryError as exc:
            QMessageBox.warning(self.window, "Patient registry",
                                f"The documents were printed but not recorded: {exc}")
