"""The registry's commands: ``patients``, ``followup add``, ``export``, ``outcomes``,
``audit verify``, and ``assess --save``. SQLAlchemy is imported only when one of them runs.

Every command takes ``--database URL`` (default ``$LDN_CDS_DATABASE_URL``, else the SQLite
file in the user's data folder). Messages name the database (never its password).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ldn_cds import __version__
from ldn_cds.fileio import write_private_atomic

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2
COMMANDS = ("patients", "followup", "export", "outcomes", "audit")
SIDE_EFFECTS = ("vivid_dreams", "insomnia", "headache", "nausea", "other")
ADHERENCE = ("all", "most", "some", "none")


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="URL",
                        help="registry database URL (default: $LDN_CDS_DATABASE_URL, else "
                             "registry.sqlite3 in the user's data folder)")


def add_assess_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("registry")
    group.add_argument("--save", action="store_true",
                       help="record each assessment in the patient registry")
    group.add_argument("--database", metavar="URL", help="registry database URL")


def add_parsers(sub: Any) -> None:
    patients = sub.add_parser("patients", help="list the registry's patients")
    patients.add_argument("--search", metavar="TEXT", help="part of a name or record id")
    patients.add_argument("--due", action="store_true",
                          help="only patients due for their review (no visit since it)")
    patients.add_argument("--date", type=_iso, help="today's date for --due (default: today)")
    patients.add_argument("--json", action="store_true", help="one JSON object per patient")
    _database(patients)

    followup = sub.add_parser("followup", help="record a follow-up visit")
    actions = followup.add_subparsers(dest="followup_command", required=True)
    add = actions.add_parser("add", help="add a follow-up visit")
    add.add_argument("patient", help="record id (or #N for registry patient N)")
    add.add_argument("--date", type=_iso, required=True, help="visit date YYYY-MM-DD")
    add.add_argument("--dose", type=float, metavar="MG", help="LDN dose taken now, mg/day")
    add.add_argument("--pain", type=int, metavar="0-10", help="pain score now, 0-10")
    add.add_argument("--pgic", type=int, metavar="1-7",
                     help="global impression of change, 1 very much improved .. 7 very much "
                          "worse")
    add.add_argument("--side-effect", action="append", default=[], choices=SIDE_EFFECTS,
                     help="a side effect reported (repeat for several)")
    add.add_argument("--side-effect-other", metavar="TEXT", help="what 'other' was")
    add.add_argument("--adherence", choices=ADHERENCE, help="doses taken since the last visit")
    add.add_argument("--stopped", action="store_true", help="LDN was stopped")
    add.add_argument("--reason", metavar="TEXT", help="why LDN was stopped")
    add.add_argument("--note", metavar="TEXT")
    _database(add)

    export = sub.add_parser("export", help="export the registry, one row per patient")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--deidentified", action="store_true",
                        help="drop names, record ids, dates of birth and free text; dates "
                             "become days from the LDN start")
    export.add_argument("--date", type=_iso, help="date the responses are judged on")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (owner-only) instead of standard output")
    _database(export)

    outcomes = sub.add_parser("outcomes",
                              help="practice outcomes beside the published figures")
    outcomes.add_argument("--date", type=_iso, help="date of the report (default: today)")
    outcomes.add_argument("--json", action="store_true")
    outcomes.add_argument("--pdf", type=Path, metavar="FILE",
                          help="also write the report as a PDF (owner-only)")
    _database(outcomes)

    audit = sub.add_parser("audit", help="check the registry's audit log")
    audit_actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_actions.add_parser("verify", help="check the hash chain and every row")
    _database(verify)


class Saver:
    """Records assessments of an ``assess --save`` run; one registry for the batch."""

    def __init__(self, registry: Any, ruleset: Any, prescriber: str | None) -> None:
        self.registry = registry
        self.ruleset = ruleset
        self.prescriber = prescriber

    def save(self, path: Path, case: Any, result: Any) -> str | None:
        """Save one assessment; a message naming the file on failure, else None."""
        from ldn_cds.store import RegistryError

        try:
            self.registry.save_assessment(
                case.model_dump(mode="json"), result.model_dump(mode="json", by_alias=True),
                ruleset=self.ruleset, program_version=__version__, prescriber=self.prescriber)
        except RegistryError as exc:
            return f"{path}: not saved in the registry: {exc}"
        return None

    def close(self) -> None:
        self.registry.close()


def open_saver(args: argparse.Namespace, ruleset: Any) -> Saver | str | None:
    """A Saver when ``--save`` was given, a message when the registry cannot be opened."""
    if not getattr(args, "save", False):
        return None
    from ldn_cds.store import RegistryError, open_registry

    try:
        registry = open_registry(getattr(args, "database", None))
    except RegistryError as exc:
        return f"ldn-cds: registry: {exc}"
    return Saver(registry, ruleset, getattr(args, "prescriber", None))


def run(args: argparse.Namespace, load_rules: Callable[[], Any]) -> int:
    from ldn_cds.store import RegistryError, open_registry

    try:
        registry = open_registry(args.database,
                                 create=args.command == "followup")
    except RegistryError as exc:
        print(f"ldn-cds: registry: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        with registry:
            if args.command == "audit":
                return _audit(registry)
            if args.command == "followup":
                return _followup_add(args, registry)
            ruleset = load_rules()
            if ruleset is None:
                return EXIT_BAD_INPUT
            today = getattr(args, "date", None) or date.today()
            if args.command == "patients":
                return _patients(args, registry, ruleset, today)
            if args.command == "export":
                return _export(args, registry, ruleset, today)
            if args.command == "outcomes":
                return _outcomes(args, registry, ruleset, today)
    except RegistryError as exc:
        print(f"ldn-cds: registry: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_USAGE  # pragma: no cover (argparse only lets known commands through)


def _audit(registry: Any) -> int:
    report = registry.verify_audit()
    if report.ok:
        print(f"audit log of {registry.where}: {report.entries} entries, chain intact, every "
              "row matches its last entry")
        return EXIT_OK
    print(f"audit log of {registry.where}: BROKEN. First broken: {report.first_broken}",
          file=sys.stderr)
    for problem in report.problems[1:]:
        print(f"  also: {problem}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _find_patient(registry: Any, key: str) -> int | None:
    if key.startswith("#") and key[1:].isdigit():
        wanted = int(key[1:])
        return wanted if any(r.id == wanted for r in registry.patients()) else None
    exact = [r for r in registry.patients() if (r.record_id or "") == key]
    return exact[0].id if exact else None


def _followup_add(args: argparse.Namespace, registry: Any) -> int:
    from pydantic import ValidationError

    from ldn_cds.core.errors import field_path
    from ldn_cds.core.followup import FollowUp

    patient_id = _find_patient(registry, args.patient)
    if patient_id is None:
        print(f"ldn-cds: followup add: no patient {args.patient!r} in {registry.where} "
              "(give the record id, or #N from 'ldn-cds patients')", file=sys.stderr)
        return EXIT_BAD_INPUT
    names = {"on": "--date", "dose_mg": "--dose", "pain_score": "--pain", "pgic": "--pgic",
             "side_effects": "--side-effect", "side_effect_other": "--side-effect-other",
             "adherence": "--adherence", "stopped": "--stopped", "stop_reason": "--reason",
             "note": "--note"}
    try:
        visit = FollowUp(on=args.date, dose_mg=args.dose, pain_score=args.pain, pgic=args.pgic,
                         side_effects=tuple(args.side_effect),
                         side_effect_other=args.side_effect_other, adherence=args.adherence,
                         stopped=args.stopped, stop_reason=args.reason, note=args.note)
    except ValidationError as exc:
        for err in exc.errors():
            where = names.get(str(err["loc"][0]), field_path(tuple(err["loc"]))) \
                if err["loc"] else "followup"
            print(f"ldn-cds: followup add: {where}: {err['msg']}", file=sys.stderr)
        return EXIT_BAD_INPUT
    new_id = registry.add_followup(patient_id, visit)
    print(f"follow-up {new_id} recorded for patient #{patient_id} on {visit.on.isoformat()}")
    return EXIT_OK


def _patients(args: argparse.Namespace, registry: Any, ruleset: Any, today: date) -> int:
    rows = (registry.due_for_review(today, ruleset) if args.due
            else registry.patients(args.search))
    if args.due and args.search:
        needle = args.search.strip().casefold()
        rows = [r for r in rows if needle in (r.name or "").casefold()
                or needle in (r.record_id or "").casefold()]
    for row in rows:
        if args.json:
            print(json.dumps({"id": row.id, "record_id": row.record_id, "name": row.name,
                              "date_of_birth": _iso_or_none(row.date_of_birth),
                              "sex": row.sex, "assessments": row.assessments,
                              "followups": row.followups,
                              "last_seen": _iso_or_none(row.last_seen)}, ensure_ascii=False))
        else:
            born = row.date_of_birth.isoformat() if row.date_of_birth else "birth date unknown"
            seen = row.last_seen.isoformat() if row.last_seen else "-"
            print(f"#{row.id}\t{row.record_id or '(no record id)'}\t{row.name or '(no name)'}"
                  f"\t{born}\tassessments {row.assessments}\tfollow-ups {row.followups}"
                  f"\tlast seen {seen}")
    if not rows and not args.json:
        print("no patients" + (" due for review" if args.due else ""), file=sys.stderr)
    return EXIT_OK


def _export(args: argparse.Namespace, registry: Any, ruleset: Any, today: date) -> int:
    rows = registry.export_rows(today, ruleset, deidentified=args.deidentified)
    if args.format == "json":
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    else:
        buffer = io.StringIO()
        columns = list(rows[0]) if rows else ["patient"]
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            write_private_atomic(args.output, text)
        except OSError as exc:
            print(f"{args.output}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"{len(rows)} patients written to {args.output}", file=sys.stderr)
    return EXIT_OK


def _outcomes(args: argparse.Namespace, registry: Any, ruleset: Any, today: date) -> int:
    from ldn_cds.store.report import outcome_lines, outcomes_json

    out = registry.outcomes(today, ruleset)
    if args.json:
        print(json.dumps(outcomes_json(out), ensure_ascii=False))
    else:
        for label, value in outcome_lines(out):
            print(f"{label}: {value}")
    if args.pdf is not None:
        from ldn_cds.pdf.registry_report import render_outcomes

        try:
            write_private_atomic(args.pdf, render_outcomes(out, ruleset, outcome_lines(out)))
        except OSError as exc:
            print(f"{args.pdf}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"practice outcomes written to {args.pdf}", file=sys.stderr)
    return EXIT_OK


def _iso_or_none(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
