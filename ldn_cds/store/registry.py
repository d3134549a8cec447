"""The patient registry: SQLite in the user's data folder by default, any SQLAlchemy URL
(PostgreSQL for a practice) from ``$LDN_CDS_DATABASE_URL`` or a setting.

Every write is one transaction that also appends its audit entry, so a crash or a kill leaves
the previous state. SQLite writers take the write lock when the transaction begins (``BEGIN
IMMEDIATE``) and wait up to a few seconds for another writer; PostgreSQL writers lock the audit
log for the length of the transaction so that the chain never forks.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.followup import FollowUp
from ldn_cds.core.outcomes import Course, Outcomes, practice_outcomes
from ldn_cds.core.response import Response
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.store import audit, schema

ENV_VAR = "LDN_CDS_DATABASE_URL"
BUSY_SECONDS = 5.0


class RegistryError(Exception):
    """A problem with the registry, in words for the user (names the database)."""


class RegistryBusy(RegistryError):
    """Another window or process holds the write lock for longer than we wait."""


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ldn-cds"


def default_url() -> str:
    """``$LDN_CDS_DATABASE_URL``, else the SQLite file in the user's data folder."""
    return os.environ.get(ENV_VAR) or f"sqlite:///{data_dir() / 'registry.sqlite3'}"


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 (an unparsable URL is shown as given)
        return url


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PatientRow:
    id: int
    record_id: str | None
    name: str | None
    date_of_birth: date | None
    sex: str | None
    assessments: int
    followups: int
    last_seen: date | None


class Registry:
    """One open registry. Use :func:`open_registry`; close it (or use ``with``)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._plans: dict[int, tuple[DosePlan | None, int | None]] = {}

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @property
    def where(self) -> str:
        return display_url(self.url)

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with _writing(self.engine) as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
                yield conn
        except OperationalError as exc:
            if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
                raise RegistryBusy(
                    f"{self.where}: the registry is busy (another window or process is saving); "
                    "nothing was saved: try again in a moment"
                ) from exc
            raise RegistryError(f"{self.where}: {exc.orig}") from exc
        except DBAPIError as exc:
            raise RegistryError(f"{self.where}: {exc.orig}") from exc

    def _append(self, conn: Connection, action: str, table: str, row_id: int) -> None:
        row = self._row(conn, table, row_id)
        last = conn.execute(select(schema.audit_log.c.seq, schema.audit_log.c.entry_hash)
                            .order_by(schema.audit_log.c.seq.desc()).limit(1)).first()
        seq, prev = (1, audit.GENESIS) if last is None else (last.seq + 1, last.entry_hash)
        at = _now()
        payload = audit.row_hash(row)
        _insert(conn, schema.audit_log.insert().values(
            seq=seq, at=at, action=action, table_name=table, row_id=row_id,
            payload_sha256=payload, prev_hash=prev,
            entry_hash=audit.entry_hash(seq=seq, at=_stored_time(at), action=action,
                                        table_name=table, row_id=row_id,
                                        payload_sha256=payload, prev_hash=prev)))

    @staticmethod
    def _row(conn: Connection, table: str, row_id: int) -> dict[str, Any]:
        tbl = schema.metadata.tables[table]
        row = conn.execute(select(tbl).where(tbl.c.id == row_id)).mappings().one()
        return dict(row)

    # -- patients ---------------------------------------------------------------------------
    @staticmethod
    def _match(conn: Connection, patient: Mapping[str, Any]) -> Any:
        p = schema.patients
        record_id = patient.get("record_id") or None
        name = patient.get("name") or None
        dob = _date(patient.get("date_of_birth"))
        if record_id:
            return conn.execute(select(p.c.id).where(p.c.record_id == record_id)).first()
        if name and dob:
            return conn.execute(select(p.c.id).where(
                p.c.record_id.is_(None), p.c.name == name, p.c.date_of_birth == dob)).first()
        return None

    def find_patient(self, patient: Mapping[str, Any]) -> int | None:
        """The registry id of the case's patient (record id, else name and date of birth)."""
        with self.engine.connect() as conn:
            found = self._match(conn, patient)
        return None if found is None else int(found.id)

    def _patient_for(self, conn: Connection, patient: Mapping[str, Any]) -> int:
        """The patient's row id: matched by record id, else by name and date of birth."""
        p = schema.patients
        record_id = patient.get("record_id") or None
        name = patient.get("name") or None
        dob = _date(patient.get("date_of_birth"))
        found = self._match(conn, patient)
        if found is not None:
            return int(found.id)
        new_id = _insert(conn, p.insert().values(
            record_id=record_id, name=name, date_of_birth=dob, sex=patient.get("sex"),
            created_at=_now()))
        self._append(conn, "patient added", "patients", new_id)
        return new_id

    def patients(self, search: str | None = None) -> list[PatientRow]:
        """Patients, newest contact first; ``search`` matches name or record id, any case."""
        p, a, f = schema.patients, schema.assessments, schema.followups
        n_assess = (select(func.count()).where(a.c.patient_id == p.c.id)
                    .correlate(p).scalar_subquery())
        n_follow = (select(func.count()).where(f.c.patient_id == p.c.id)
                    .correlate(p).scalar_subquery())
        last_a = select(func.max(a.c.assessed_on)).where(a.c.patient_id == p.c.id) \
            .correlate(p).scalar_subquery()
        last_f = select(func.max(f.c.visit_on)).where(f.c.patient_id == p.c.id) \
            .correlate(p).scalar_subquery()
        query = select(p, n_assess.label("n_assess"), n_follow.label("n_follow"),
                       last_a.label("last_a"), last_f.label("last_f"))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        needle = (search or "").strip().casefold()
        if needle:  # in Python: SQLite's lower() knows only ASCII ("Álvarez")
            rows = [r for r in rows if needle in (r["name"] or "").casefold()
                    or needle in (r["record_id"] or "").casefold()]
        out = [PatientRow(
            id=r["id"], record_id=r["record_id"], name=r["name"],
            date_of_birth=r["date_of_birth"], sex=r["sex"], assessments=r["n_assess"],
            followups=r["n_follow"],
            last_seen=max((d for d in (_date(r["last_a"]), _date(r["last_f"])) if d),
                          default=None)) for r in rows]
        out.sort(key=lambda row: (row.last_seen or date.min, row.id), reverse=True)
        return out

    # -- assessments ------------------------------------------------------------------------
    def save_assessment(self, case: Mapping[str, Any], result: Mapping[str, Any], *,
                        ruleset: RuleSet, program_version: str,
                        prescriber: str | None = None) -> int:
        """Record one assessment (the case and its result as saved JSON) and the case's
        overrides, in one transaction; returns the assessment's id."""
        assessed_on = _date(result.get("assessed_on")) or _date(case.get("assessment_date"))
        if assessed_on is None:
            raise RegistryError("the assessment has no date: nothing was saved")
        with self._write() as conn:
            patient_id = self._patient_for(conn, case.get("patient") or {})
            new_id = _insert(conn, schema.assessments.insert().values(
                patient_id=patient_id, assessed_on=assessed_on, saved_at=_now(),
                verdict=str(result.get("verdict")),
                case_json=json.dumps(case, sort_keys=True, ensure_ascii=False),
                result_json=json.dumps(result, sort_keys=True, ensure_ascii=False),
                ruleset_version=ruleset.version, ruleset_sha256=ruleset.sha256,
                ruleset_origin=ruleset.origin, program_version=program_version,
                prescriber=prescriber))
            self._append(conn, "assessment saved", "assessments", new_id)
            for override in case.get("overrides") or []:
                reason = str(override.get("reason_code") or "")
                if override.get("comment"):
                    reason = f"{reason}: {override['comment']}"
                override_id = _insert(conn, schema.overrides.insert().values(
                    assessment_id=new_id, rule_id=str(override.get("rule_id")),
                    reason=reason, by=override.get("by"), at=_now()))
                self._append(conn, "override", "overrides", override_id)
        return new_id

    def patient_of(self, assessment_id: int) -> int:
        a = schema.assessments
        with self.engine.connect() as conn:
            found = conn.execute(select(a.c.patient_id).where(a.c.id == assessment_id)).first()
        if found is None:
            raise RegistryError(f"{self.where}: assessment {assessment_id} does not exist")
        return int(found.patient_id)

    def assessments(self, patient_id: int) -> list[dict[str, Any]]:
        a = schema.assessments
        with self.engine.connect() as conn:
            rows = conn.execute(select(a).where(a.c.patient_id == patient_id)
                                .order_by(a.c.assessed_on, a.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def overrides(self, assessment_id: int) -> list[dict[str, Any]]:
        o = schema.overrides
        with self.engine.connect() as conn:
            rows = conn.execute(select(o).where(o.c.assessment_id == assessment_id)
                                .order_by(o.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def record_override(self, assessment_id: int, rule_id: str, reason: str,
                        by: str | None = None) -> int:
        with self._write() as conn:
            new_id = _insert(conn, schema.overrides.insert().values(
                assessment_id=assessment_id, rule_id=rule_id, reason=reason, by=by,
                at=_now()))
            self._append(conn, "override", "overrides", new_id)
        return new_id

    def record_document(self, patient_id: int, kind: str, sha256: str, *,
                        assessment_id: int | None = None, path: str | None = None) -> int:
        with self._write() as conn:
            new_id = _insert(conn, schema.documents.insert().values(
                patient_id=patient_id, assessment_id=assessment_id, kind=kind,
                printed_at=_now(), sha256=sha256, path=path))
            self._append(conn, "document printed", "documents", new_id)
        return new_id

    # -- follow-ups -------------------------------------------------------------------------
    def add_followup(self, patient_id: int, visit: FollowUp) -> int:
        with self._write() as conn:
            self._require_patient(conn, patient_id)
            new_id = _insert(conn, schema.followups.insert().values(
                patient_id=patient_id, recorded_at=_now(), **_followup_values(visit),
            ))
            self._append(conn, "follow-up recorded", "followups", new_id)
        return new_id

    def update_followup(self, followup_id: int, visit: FollowUp) -> None:
        f = schema.followups
        with self._write() as conn:
            done = conn.execute(f.update().where(f.c.id == followup_id).values(
                changed_at=_now(), **_followup_values(visit)))
            if done.rowcount != 1:
                raise RegistryError(f"{self.where}: follow-up {followup_id} does not exist")
            self._append(conn, "record changed", "followups", followup_id)

    def followups(self, patient_id: int) -> list[tuple[int, FollowUp]]:
        f = schema.followups
        with self.engine.connect() as conn:
            rows = conn.execute(select(f).where(f.c.patient_id == patient_id)
                                .order_by(f.c.visit_on, f.c.id)).mappings().all()
        return [(r["id"], _followup_from(r)) for r in rows]

    def _require_patient(self, conn: Connection, patient_id: int) -> None:
        if conn.execute(select(schema.patients.c.id)
                        .where(schema.patients.c.id == patient_id)).first() is None:
            raise RegistryError(f"{self.where}: patient {patient_id} does not exist")

    # -- response and outcomes ---------------------------------------------------------------
    def course(self, patient_id: int) -> Course:
        """The patient's course: the latest assessment that planned LDN, and the follow-ups."""
        return self._course(patient_id, self.assessments(patient_id),
                            [v for _id, v in self.followups(patient_id)])

    def _course(self, patient_id: int, assessments: list[dict[str, Any]],
                visits: list[FollowUp]) -> Course:
        plan: DosePlan | None = None
        baseline: int | None = None
        baseline_on: date | None = None
        for row in reversed(assessments):
            found = self._plans.get(row["id"])
            if found is None:  # saved assessments never change: decode each one once
                result = json.loads(row["result_json"])
                pain = (json.loads(row["case_json"]).get("pain") or {}) \
                    if result.get("dose_plan") else {}
                found = (None if not result.get("dose_plan")
                         else DosePlan.model_validate(result["dose_plan"]),
                         pain.get("score_now"))
                self._plans[row["id"]] = found
            if found[0] is not None:
                plan, baseline = found
                baseline_on = _date(row["assessed_on"]) if baseline is not None else None
                break
        return Course(key=str(patient_id), plan=plan, baseline_pain=baseline,
                      baseline_on=baseline_on, followups=tuple(visits))

    def response(self, patient_id: int, on: date, ruleset: RuleSet) -> Response:
        """The patient's response on ``on``: baseline from the assessment that planned LDN."""
        return self.course(patient_id).response(on, ruleset)

    def courses(self) -> list[Course]:
        """Every patient's course (one query per table, not per patient)."""
        a, f = schema.assessments, schema.followups
        with self.engine.connect() as conn:
            ids = [int(i) for i in conn.execute(select(schema.patients.c.id)).scalars()]
            by_patient: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            for row in conn.execute(select(a).order_by(a.c.assessed_on, a.c.id)).mappings():
                by_patient[row["patient_id"]].append(dict(row))
            visits: dict[int, list[FollowUp]] = {i: [] for i in ids}
            for row in conn.execute(select(f).order_by(f.c.visit_on, f.c.id)).mappings():
                visits[row["patient_id"]].append(_followup_from(row))
        return [self._course(i, by_patient[i], visits[i]) for i in ids]

    def outcomes(self, on: date, ruleset: RuleSet) -> Outcomes:
        return practice_outcomes(self.courses(), on, ruleset)

    def due_for_review(self, on: date, ruleset: RuleSet) -> list[PatientRow]:
        """Patients whose review date has come with no visit since, oldest review first."""
        due = {}
        for course in self.courses():
            result = course.response(on, ruleset)
            if result.due_for_review and result.review_on is not None:
                due[int(course.key)] = result.review_on
        rows = [r for r in self.patients() if r.id in due]
        return sorted(rows, key=lambda r: (due[r.id], r.id))

    # -- export -----------------------------------------------------------------------------
    def export_rows(self, on: date, ruleset: RuleSet, *,
                    deidentified: bool) -> list[dict[str, Any]]:
        """One row per patient: identity (unless de-identified), course and response.

        De-identified rows drop names, record ids, dates of birth and free text (a stop reason
        is written by hand and may name people), and give dates as days from the planned LDN
        start (age in whole years, 90 and over as "90+").
        """
        out: list[dict[str, Any]] = []
        people = {r.id: r for r in self.patients()}
        for number, course in enumerate(sorted(self.courses(), key=lambda c: int(c.key)), 1):
            person = people[int(course.key)]
            result = course.response(on, ruleset)
            plan = course.plan
            anchor = plan.start_on if plan is not None else None
            stop_reason = next((v.stop_reason for v in course.followups
                                if v.stopped and v.stop_reason), None)
            effects = sorted({e.value for v in course.followups for e in v.side_effects})
            row: dict[str, Any] = {}
            if deidentified:
                row["patient"] = f"P{number:04d}"
                row["age_years"] = _age_band(person.date_of_birth, on)
            else:
                row.update(patient=person.id, record_id=person.record_id, name=person.name,
                           date_of_birth=_iso(person.date_of_birth))
            row.update(
                sex=person.sex,
                target_mg=None if plan is None else plan.target_mg,
                started=course.started(on),
                baseline_pain=result.baseline_pain,
                latest_pain=result.latest_pain,
                reduction_percent=result.reduction_percent,
                classification=result.classification,
                weeks_on_ldn=result.weeks_on_ldn,
                stopped=result.stopped_on is not None,
                stop_reason=None if deidentified else stop_reason,
                side_effects=";".join(effects),
                followups=len(course.followups),
                due_for_review=result.due_for_review,
            )
            for name, when in (("start", anchor), ("review", result.review_on),
                               ("latest_visit", result.latest_on),
                               ("stopped", result.stopped_on)):
                if deidentified:
                    row[f"{name}_day"] = (None if when is None or anchor is None
                                          else (when - anchor).days)
                else:
                    row[f"{name}_on"] = _iso(when)
            out.append(row)
        return out

    # -- audit ------------------------------------------------------------------------------
    def verify_audit(self) -> audit.AuditReport:
        with self.engine.connect() as conn:
            entries = conn.execute(select(schema.audit_log)
                                   .order_by(schema.audit_log.c.seq)).mappings().all()
            rows = {}
            for name in audit.TRACKED:
                tbl = schema.metadata.tables[name]
                rows[name] = {int(r["id"]): dict(r)
                              for r in conn.execute(select(tbl)).mappings().all()}
        return audit.verify(
            [{**e, "at": _stored_time(e["at"])} for e in entries], rows)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _age_band(born: date | None, on: date) -> str | None:
    if born is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return "90+" if age >= 90 else str(age)


def _insert(conn: Connection, statement: Any) -> int:
    """Run an INSERT and return the new row's id."""
    key = conn.execute(statement).inserted_primary_key
    if key is None:  # pragma: no cover (every table has an integer key)
        raise RegistryError("the database did not return the new row's id")
    return int(key[0])


def _stored_time(value: datetime) -> datetime:
    """Times as the database gives them back (SQLite drops the zone: they are UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _followup_values(visit: FollowUp) -> dict[str, Any]:
    return {
        "visit_on": visit.on, "dose_mg": visit.dose_mg, "pain_score": visit.pain_score,
        "pgic": visit.pgic, "side_effects": ",".join(s.value for s in visit.side_effects),
        "side_effect_other": visit.side_effect_other,
        "adherence": None if visit.adherence is None else visit.adherence.value,
        "stopped": visit.stopped, "stop_reason": visit.stop_reason, "note": visit.note,
    }


def _followup_from(row: Any) -> FollowUp:
    return FollowUp(
        on=_date(row["visit_on"]) or date.min, dose_mg=row["dose_mg"],
        pain_score=row["pain_score"], pgic=row["pgic"],
        side_effects=tuple(s for s in (row["side_effects"] or "").split(",") if s),
        side_effect_other=row["side_effect_other"], adherence=row["adherence"],
        stopped=bool(row["stopped"]), stop_reason=row["stop_reason"], note=row["note"])


# -- opening --------------------------------------------------------------------------------
def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or \
            parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder 0700 and the file 0600 before SQLite opens it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # writers take the write lock at once (no deadlock upgrading a read lock);
            # readers never wait for a writer
            write = conn.get_execution_options().get("ldn_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"connect_timeout": 5}
                         if parsed.get_backend_name() == "postgresql" else {})


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (on SQLite: BEGIN IMMEDIATE)."""
    with engine.connect() as conn:
        conn.execution_options(ldn_write=True)
        with conn.begin():
            yield conn


def schema_version(engine: Engine) -> int | None:
    """The database's schema version; 0 for an empty database; None if not a registry."""
    tables = set(inspect(engine).get_table_names())
    if schema.meta.name not in tables:
        return 0 if not tables else None
    with engine.connect() as conn:
        value = conn.execute(select(schema.meta.c.value)
                             .where(schema.meta.c.key == "schema_version")).scalar()
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def migrate(engine: Engine, upto: int = schema.LATEST) -> int:
    """Apply the missing migrations, each in its own transaction; return the new version."""
    current = schema_version(engine) or 0
    for version in range(current + 1, upto + 1):
        with _writing(engine) as conn:
            schema.MIGRATIONS[version - 1](conn)
            if version == 1:
                conn.execute(schema.meta.insert().values(key="schema_version", value="1"))
            else:
                conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                             .values(value=str(version)))
    return max(current, upto)


def open_registry(url: str | None = None, *, create: bool = True) -> Registry:
    """Open (and if needed create or upgrade) the registry at ``url``.

    Raises RegistryError, in words naming the database, when it cannot be opened, is not an
    ldn-cds registry, or was made by a newer program (which is then left untouched).
    """
    url = url or default_url()
    where = display_url(url)
    try:
        sqlite_path = _sqlite_file(url)
    except Exception as exc:  # noqa: BLE001 (SQLAlchemy raises several types for a bad URL)
        raise RegistryError(f"{url!r} is not a database URL: {exc}") from exc
    if sqlite_path is not None:
        if not sqlite_path.exists() and not create:
            raise RegistryError(f"{sqlite_path}: no registry here")
        try:
            _prepare_sqlite_file(sqlite_path)
        except OSError as exc:
            raise RegistryError(f"{sqlite_path}: cannot create the registry: "
                                f"{exc.strerror or exc}") from exc
    try:
        engine = _engine(url)
        version = schema_version(engine)
    except (SQLAlchemyError, ImportError) as exc:
        raise RegistryError(f"{where}: cannot open the registry: "
                            f"{getattr(exc, 'orig', None) or exc}") from exc
    if version is None:
        engine.dispose()
        raise RegistryError(f"{where}: this database is not an ldn-cds registry; it was not "
                            "changed")
    if version > schema.LATEST:
        engine.dispose()
        raise RegistryError(
            f"{where}: the registry was made by a newer ldn-cds (schema version {version}; "
            f"this program knows up to {schema.LATEST}). It was not changed: update ldn-cds "
            "to open it.")
    if version < schema.LATEST:
        if version > 0 and sqlite_path is not None:
            backup = sqlite_path.with_name(f"{sqlite_path.name}.v{version}.bak")
            shutil.copy2(sqlite_path, backup)
            os.chmod(backup, 0o600)
        try:
            migrate(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise RegistryError(f"{where}: upgrading the registry from schema version "
                                f"{version} failed (nothing was changed by the failed step): "
                                f"{getattr(exc, 'orig', None) or exc}") from exc
    return Registry(engine, url)
