"""The registry's tables and its versioned migrations.

The schema version lives in ``ldn_meta`` (key ``schema_version``). Each migration moves a
database from version N-1 to N inside one transaction, so a database is always at a whole
version. A table's shape never changes without a new migration: the tests build a database by
migrating from nothing and compare it with these declarations, and open a database made by the
first schema (with data) and upgrade it.

Version 1: patients, assessments, the audit log (append-only: triggers refuse UPDATE and DELETE).
Version 2: follow-up visits, overrides and printed documents.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

meta = Table(
    "ldn_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

patients = Table(
    "patients", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(128), nullable=True, unique=True),
    Column("name", String(256), nullable=True),
    Column("date_of_birth", Date, nullable=True),
    Column("sex", String(16), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("assessed_on", Date, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("case_json", Text, nullable=False),
    Column("result_json", Text, nullable=False),
    Column("ruleset_version", String(32), nullable=False),
    Column("ruleset_sha256", String(64), nullable=False),
    Column("ruleset_origin", Text, nullable=True),
    Column("program_version", String(32), nullable=False),
    Column("prescriber", String(256), nullable=True),
)

audit_log = Table(
    "audit_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(32), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("row_id", Integer, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

followups = Table(
    "followups", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("visit_on", Date, nullable=False),
    Column("dose_mg", Float, nullable=True),
    Column("pain_score", Integer, nullable=True),
    Column("pgic", Integer, nullable=True),
    Column("side_effects", String(255), nullable=False),
    Column("side_effect_other", Text, nullable=True),
    Column("adherence", String(16), nullable=True),
    Column("stopped", Boolean, nullable=False),
    Column("stop_reason", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=True),
)

overrides = Table(
    "overrides", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=False, index=True),
    Column("rule_id", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(256), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", Integer, ForeignKey("patients.id"), nullable=False, index=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("printed_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("path", Text, nullable=True),
)

_SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)

_POSTGRES_APPEND_ONLY = (
    "CREATE FUNCTION ldn_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION ldn_audit_append_only()",
)


def _v1(conn: Connection) -> None:
    for table in (meta, patients, assessments, audit_log):
        table.create(conn)
    statements = _POSTGRES_APPEND_ONLY if conn.dialect.name == "postgresql" else (
        _SQLITE_APPEND_ONLY)
    for statement in statements:
        conn.execute(text(statement))


def _v2(conn: Connection) -> None:
    for table in (followups, overrides, documents):
        table.create(conn)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2)
"""MIGRATIONS[n - 1] moves a database from version n - 1 to version n."""

LATEST = len(MIGRATIONS)
