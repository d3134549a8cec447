"""The patient registry (SQLAlchemy): patients, assessments, follow-ups, printed documents and
a hash-chained audit log. Imported lazily: the window and the CLI load it only when used."""

from ldn_cds.store.registry import (
    ENV_VAR,
    PatientRow,
    Registry,
    RegistryBusy,
    RegistryError,
    default_url,
    open_registry,
)

__all__ = ["ENV_VAR", "PatientRow", "Registry", "RegistryBusy", "RegistryError", "default_url",
           "open_registry"]
