"""Clinic and print preferences kept with QSettings (the settings object is always a parameter)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "ldn-cds"
APPLICATION = "ldn-cds"
_GROUP = "clinic"
RECENT_KEY = "files/recent"
CLINIC_PROMPT_KEY = "first_run/clinic_details"
"""Set to "later" when the physician put off the first-run question for clinic details."""
RECENT_MAX = 8


@dataclass
class ClinicSettings:
    """What the physician configures once: clinic header, prescriber, paper, dose defaults."""

    clinic_name: str = ""
    clinic_address: str = ""
    clinic_phone: str = ""
    prescriber: str = ""
    paper: str = "letter"
    large_print: bool = False
    default_protocol: str = ""
    """Protocol id for new cases; empty: the rule set chooses."""
    default_maintenance_days: int | None = None
    """Maintenance days for new cases; None: the rule set's default."""

    def has_contact_details(self) -> bool:
        """Both the clinic's name and the phone number patients call are set."""
        return bool(self.clinic_name.strip() and self.clinic_phone.strip())

    def plan_defaults(self) -> dict[str, Any]:
        """Plan choices a new case starts with (empty when the rule set decides)."""
        plan: dict[str, Any] = {}
        if self.default_protocol:
            plan["protocol"] = self.default_protocol
        if self.default_maintenance_days is not None:
            plan["maintenance_days"] = self.default_maintenance_days
        return plan


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"1", "true", "yes"}
    return bool(value)


def load_settings(store: QSettings) -> ClinicSettings:
    out = ClinicSettings()
    store.beginGroup(_GROUP)
    try:
        for field in fields(ClinicSettings):
            if not store.contains(field.name):
                continue
            raw = store.value(field.name)
            if field.name == "large_print":
                setattr(out, field.name, _to_bool(raw))
            elif field.name == "default_maintenance_days":
                try:
                    out.default_maintenance_days = None if raw in (None, "") else int(raw)
                except (TypeError, ValueError):
                    out.default_maintenance_days = None
            else:
                setattr(out, field.name, "" if raw is None else str(raw))
    finally:
        store.endGroup()
    if out.paper not in ("letter", "a4"):
        out.paper = "letter"
    return out


def save_settings(store: QSettings, settings: ClinicSettings) -> None:
    store.beginGroup(_GROUP)
    try:
        for field in fields(ClinicSettings):
            value = getattr(settings, field.name)
            store.setValue(field.name, "" if value is None else value)
    finally:
        store.endGroup()
    store.sync()


def recent_files(store: QSettings) -> list[str]:
    raw: Any = store.value(RECENT_KEY, [])
    if isinstance(raw, str):
        raw = [raw] if raw else []
    return [str(p) for p in (raw or [])]


def add_recent_file(store: QSettings, path: str) -> list[str]:
    items = [p for p in recent_files(store) if p != path]
    items.insert(0, path)
    del items[RECENT_MAX:]
    store.setValue(RECENT_KEY, items)
    return items


def clinic_prompt_answered(store: QSettings) -> bool:
    """Whether the first-run question for clinic details was already put off ("Later")."""
    return str(store.value(CLINIC_PROMPT_KEY, "") or "") == "later"


def remember_clinic_prompt(store: QSettings) -> None:
    store.setValue(CLINIC_PROMPT_KEY, "later")
    store.sync()
