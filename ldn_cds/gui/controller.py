"""The controller: holds the case being edited, validates it, calls the core, emits results.

Widgets send the controller what the physician entered (JSON-like dicts, raw text included);
the controller validates it with :func:`ldn_cds.core.models.parse_case`, and only a valid case
ever reaches :func:`ldn_cds.core.assessment.assess`.  Validation problems go back to the
widgets as ``(field path, message)`` pairs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from ldn_cds.casefile import (
    draft_data,
    draft_problem,
    is_draft,
    read_case_data,
    read_draft_case,
    validate_case,
    write_case_data,
)
from ldn_cds.core.assessment import Assessment, assess
from ldn_cds.core.dosing import DosingError
from ldn_cds.core.errors import describe
from ldn_cds.core.models import SCHEMA_VERSION, Case, parse_case
from ldn_cds.core.ruleset import RuleSet

INTAKE_KEYS = ("assessed_on", "patient", "pain", "opioids", "history", "other_medications",
               "prior_therapies", "confirmed_not_opioids", "ldn")


class CaseFileError(Exception):
    """A case file that cannot be opened; ``problems`` lists one line per problem."""

    def __init__(self, headline: str, problems: list[str]) -> None:
        super().__init__(headline)
        self.headline = headline
        self.problems = problems


def read_case_source(path: Path) -> tuple[dict[str, Any], bool]:
    """(case data, is a draft) of a case file or a draft; raise CaseFileError otherwise.

    A finished case file is validated (its data come back normalised); a draft's case comes
    back exactly as it was typed, to be finished in the window.
    """
    data, problems = read_case_data(path)
    if data is None:
        raise CaseFileError(f"{path.name} cannot be opened as a case file.", list(problems))
    if is_draft(data):
        inner, problems = read_draft_case(path, data)
        if inner is None:
            raise CaseFileError(f"{path.name} cannot be opened as a draft.", problems)
        return inner, True
    return case_to_data(read_case_file(path, data)), False


def read_case_file(path: Path, data: dict[str, Any] | None = None) -> Case:
    """Read and validate a case file, or raise CaseFileError with clear messages."""
    if data is None:
        data, problems = read_case_data(path)
        if data is None:
            raise CaseFileError(f"{path.name} cannot be opened as a case file.", list(problems))
        if is_draft(data):
            raise CaseFileError(f"{path.name} is a draft.", [draft_problem(path, data)])
    version = data.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise CaseFileError(
            f"{path.name} was written by a newer version of ldn-cds.",
            [f"{path}: schema_version is {version}; this program reads case format "
             f"version {SCHEMA_VERSION}. Open it with a newer ldn-cds."],
        )
    case, problems = validate_case(path, data)
    if case is None:
        raise CaseFileError(f"{path.name} is not a valid case file.", list(problems))
    assert isinstance(case, Case)
    return case


def case_to_data(case: Case) -> dict[str, Any]:
    """JSON-like dict of a case (what is written to a case file)."""
    data: dict[str, Any] = case.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


class AssessmentController(QObject):
    """Holds the current case; every change is validated and assessed.

    Signals:
        assessmentChanged(Assessment): a new assessment of a valid case.
        problemsChanged(list): ``(field path, message)`` pairs; empty when the case is valid.
        dosingFailed(str): the dose-plan choices cannot be honoured (empty string: cleared).
        caseLoaded(dict): a whole case was loaded (new, opened, restored): views refill.
        dirtyChanged(bool), pathChanged(object): document state for the window.
    """

    assessmentChanged = Signal(object)
    problemsChanged = Signal(list)
    dosingFailed = Signal(str)
    caseLoaded = Signal(dict)
    dirtyChanged = Signal(bool)
    pathChanged = Signal(object)

    def __init__(
        self,
        *,
        ruleset: RuleSet,
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ruleset = ruleset
        self._today = today
        self._data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        self._case: Case | None = None
        self._assessment: Assessment | None = None
        self._problems: list[tuple[str, str]] = []
        self._dosing_error = ""
        self._dirty = False
        self._path: Path | None = None
        self._is_draft = False

    # -- state ---------------------------------------------------------------------------------

    @property
    def case(self) -> Case | None:
        """The last valid case (None while the entered data are invalid)."""
        return self._case

    @property
    def assessment(self) -> Assessment | None:
        return self._assessment

    @property
    def problems(self) -> list[tuple[str, str]]:
        return list(self._problems)

    @property
    def dosing_error(self) -> str:
        return self._dosing_error

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_draft(self) -> bool:
        """The file at :attr:`path` is a draft (saved while answers were missing or invalid)."""
        return self._is_draft

    def data(self) -> dict[str, Any]:
        """The case as entered (may be invalid), JSON-like."""
        return copy.deepcopy(self._data)

    def assessment_date(self) -> date:
        """The case's assessed_on when valid, else today."""
        if self._case is not None and self._case.assessed_on is not None:
            return self._case.assessed_on
        return self._today()

    def today(self) -> date:
        return self._today()

    # -- whole-case operations -----------------------------------------------------------------

    def new_case(self, plan_defaults: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "assessed_on": self._today().isoformat(),
        }
        if plan_defaults:
            data["plan"] = dict(plan_defaults)
        self._load(data, path=None, dirty=False)

    def open_file(self, path: Path) -> None:
        """Open a case file or a draft; on any problem raise CaseFileError, change nothing."""
        data, draft = read_case_source(path)
        self._load(data, path=path, dirty=False, draft=draft)

    def load_data(self, data: dict[str, Any], *, path: Path | None, dirty: bool,
                  draft: bool = False) -> None:
        """Load a JSON-like case (e.g. a recovery draft), valid or not."""
        self._load(copy.deepcopy(data), path=path, dirty=dirty, draft=draft)

    def _load(self, data: dict[str, Any], *, path: Path | None, dirty: bool,
              draft: bool = False) -> None:
        data.setdefault("schema_version", SCHEMA_VERSION)
        self._data = data
        self._is_draft = draft and path is not None
        self._set_path(path)
        self.caseLoaded.emit(self.data())
        self.refresh()
        self._set_dirty(dirty)

    def save(self, path: Path) -> int:
        """Write the case to ``path``; return how many answers are missing or invalid.

        A valid case is written as a case file (0).  An invalid one is written as a draft
        (:func:`ldn_cds.casefile.draft_data`): every typed value kept, never assessed until
        it is finished.
        """
        if self._case is not None:
            write_case_data(path, case_to_data(self._case))
            count = 0
        else:
            count = len(self._problems)
            write_case_data(path, draft_data(
                self.data(), self._problems, datetime.now().isoformat(timespec="seconds")))
        self._is_draft = count > 0
        if path == self._path:
            self.pathChanged.emit(path)  # draft or not may have changed with the same path
        self._set_path(path)
        self._set_dirty(False)
        return count

    # -- edits ---------------------------------------------------------------------------------

    def set_intake(self, intake: dict[str, Any]) -> None:
        """Replace the intake sections (patient ... prior therapies, assessed_on)."""
        changed = False
        for key in INTAKE_KEYS:
            value = intake.get(key)
            if value is None or value == {}:  # an empty section is the same as "not known"
                changed |= self._data.pop(key, None) not in (None, {})
            elif self._data.get(key) != value:
                self._data[key] = copy.deepcopy(value)
                changed = True
        if changed:
            self._edited()

    def set_plan(self, plan: dict[str, Any]) -> None:
        plan = {k: v for k, v in plan.items() if v is not None}
        if (self._data.get("plan") or {}) == plan:
            return
        if plan:
            self._data["plan"] = copy.deepcopy(plan)
        else:
            self._data.pop("plan", None)
        self._edited()

    def overrides(self) -> list[dict[str, Any]]:
        return copy.deepcopy(list(self._data.get("overrides") or []))

    def set_override(self, override: dict[str, Any]) -> None:
        """Add or replace the override of one finding (keyed by rule id)."""
        items = [o for o in self.overrides() if o.get("rule_id") != override["rule_id"]]
        items.append({k: v for k, v in override.items() if v is not None})
        self._data["overrides"] = items
        self._edited()

    def clear_override(self, rule_id: str) -> None:
        items = [o for o in self.overrides() if o.get("rule_id") != rule_id]
        if items:
            self._data["overrides"] = items
        else:
            self._data.pop("overrides", None)
        self._edited()

    def _edited(self) -> None:
        self.refresh()
        self._set_dirty(True)

    # -- validation and assessment -------------------------------------------------------------

    def refresh(self) -> None:
        """Validate the entered data; assess when valid; emit the outcome."""
        try:
            case = parse_case(self._data)
        except ValidationError as exc:
            self._case = None
            self._problems = describe(exc)
            self.problemsChanged.emit(list(self._problems))
            return
        self._case = case
        if self._problems:
            self._problems = []
            self.problemsChanged.emit([])
        try:
            result = assess(case, on=self.assessment_date(), ruleset=self.ruleset)
        except DosingError as exc:
            self._dosing_error = str(exc)
            self.dosingFailed.emit(self._dosing_error)
            return
        if self._dosing_error:
            self._dosing_error = ""
            self.dosingFailed.emit("")
        self._assessment = result
        self.assessmentChanged.emit(result)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)

    def _set_path(self, path: Path | None) -> None:
        if path != self._path:
            self._path = path
            self.pathChanged.emit(path)
