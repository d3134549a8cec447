"""Command line for FHIR R4 import: ``ldn-cds import-fhir`` and ``ldn-cds assess --from-fhir``.

``ldn-cds import-fhir BUNDLE.json [-o CASE.json]`` writes the case a bundle prefills
(owner-only, atomic) or prints it, and prints the import report to stderr: one line per thing
not mapped or mapped with a caveat.  ``ldn-cds assess --from-fhir BUNDLE.json ... --json``
prints one JSON line per bundle with the ``assess`` keys plus ``import_report``.

Bad input (not JSON, not a Bundle, a resource missing a field, a file too large) gives one
line naming the file and the field, exit status 1, and the batch goes on with the next file.
Imported cases are never complete: the physician reviews the report and answers the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ldn_cds.fileio import safe_stem, unique_stem

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
"""A patient's bundle from a record system is rarely more than a few megabytes."""


def add_parsers(sub: Any, assess: argparse.ArgumentParser) -> None:
    """Add ``import-fhir`` and ``assess --from-fhir`` to the command line."""
    parser = sub.add_parser("import-fhir", help="prefill a case file from a FHIR R4 Bundle "
                            "(JSON); the import report goes to stderr")
    parser.add_argument("bundle", type=Path, help="FHIR R4 Bundle (collection, searchset, "
                        "transaction or batch) as JSON")
    parser.add_argument("-o", "--output", type=Path, metavar="CASE.json",
                        help="write the case file here (default: print it)")
    parser.add_argument("--date", type=_iso, help="read the record as of this date and write "
                        "it as assessed_on (default: today, and assessed_on left empty)")
    assess.add_argument("--from-fhir", action="store_true",
                        help="the paths are FHIR R4 Bundles: import each, then assess it "
                             "(the JSON line adds import_report)")
    assess.add_argument("--fhir-out", type=Path, metavar="DIR",
                        help="write <id>-fhir.json per case into this folder: a FHIR R4 "
                             "Bundle with the proposed titration and the findings")


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _load_rules(args: argparse.Namespace) -> Any:
    from ldn_cds.resources import load_ruleset_or_report

    return load_ruleset_or_report(args.rules_dir)


def read_bundle(path: Path) -> tuple[Any, list[str]]:
    """(parsed JSON, problems as '<file>: ...' lines), bounded in size and nesting."""
    from ldn_cds.casefile import read_json

    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return None, [f"{path}: file not found"]
    except OSError as exc:
        return None, [f"{path}: cannot read: {exc.strerror or exc}"]
    if size > MAX_BUNDLE_BYTES:
        return None, [f"{path}: too large ({size:,} bytes; a bundle is read up to "
                      f"{MAX_BUNDLE_BYTES:,} bytes): export one patient's record"]
    return read_json(path, limit=MAX_BUNDLE_BYTES, what="a bundle")


def import_file(path: Path, ruleset: Any, on: date, *,
                assessed_on: bool = True) -> tuple[Any, list[str]]:
    """(ImportResult or None, problems as '<file>: <field>: message' lines)."""
    from ldn_cds.core.fhir_import import FhirImportError, import_bundle

    data, problems = read_bundle(path)
    if problems:
        return None, problems
    try:
        return import_bundle(data, ruleset, on=on, assessed_on=assessed_on), []
    except FhirImportError as exc:
        return None, [f"{path}: {exc}"]
    except RecursionError:
        return None, [f"{path}: nested too deeply"]


def import_fhir(args: argparse.Namespace) -> int:
    ruleset = _load_rules(args)
    if ruleset is None:
        return EXIT_BAD_INPUT
    on = args.date or date.today()
    # the case is assessed on the day given, else on the day it is assessed (not today's)
    result, problems = import_file(args.bundle, ruleset, on, assessed_on=args.date is not None)
    for line in problems:
        print(line, file=sys.stderr)
    if result is None:
        return EXIT_BAD_INPUT
    for item in result.report:
        print(f"{args.bundle}: {item.line()}", file=sys.stderr)
    print(f"{args.bundle}: import report: {len(result.report)} item(s); every unanswered "
          "question stays unknown: review the case before assessing", file=sys.stderr)
    from ldn_cds.casefile import case_json, draft_data, write_case_data

    status = EXIT_OK
    payload: dict[str, Any] = result.case_data
    if result.case is None:
        # a record that contradicts itself (e.g. pregnant and male): saved as a draft that
        # the window opens, never as a case that would be assessed
        for line in result.problems:
            print(f"{args.bundle}: {line}", file=sys.stderr)
        payload = draft_data(result.case_data, [tuple(p.split(": ", 1)) if ": " in p
                                                else ("", p) for p in result.problems],
                             datetime.now(UTC).isoformat(timespec="seconds"))
        status = EXIT_BAD_INPUT
    if args.output is None:
        sys.stdout.write(case_json(payload))
        return status
    try:
        write_case_data(args.output, payload)
    except OSError as exc:
        print(f"{args.output}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{args.bundle}: {'draft' if result.case is None else 'case'} written to "
          f"{args.output}", file=sys.stderr)
    return status


def assess_fhir(args: argparse.Namespace) -> int:
    """``assess --from-fhir``: every path is a bundle (a folder: its *.json files)."""
    from ldn_cds.casefile import expand_paths
    from ldn_cds.core.assessment import assess
    from ldn_cds.core.dosing import DosingError

    # writing PDFs or saving to the registry from an unreviewed import would put a case the
    # physician has not seen on paper or on record
    refused = [flag for flag, given in (("--pdf-dir", args.pdf_dir is not None),
                                        ("--fhir-out", getattr(args, "fhir_out", None)
                                         is not None),
                                        ("--save", bool(getattr(args, "save", False))))
               if given]
    if refused:
        print(f"ldn-cds assess: error: {' and '.join(refused)} not available with "
              "--from-fhir: import the bundle (ldn-cds import-fhir), review the case, then "
              "assess it", file=sys.stderr)
        return EXIT_USAGE
    ruleset = _load_rules(args)
    if ruleset is None:
        return EXIT_BAD_INPUT
    if not ruleset.shipped:
        print(f"Rule set not the shipped one: {ruleset.origin}, sha256 {ruleset.sha256} "
              f"({ruleset.manifest.id} {ruleset.version})",
              file=sys.stderr if args.json else sys.stdout)
    status = EXIT_OK
    for path, problem in expand_paths(args.paths):
        if problem:
            print(f"{path}: {problem}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        on = args.date or date.today()
        result, problems = import_file(path, ruleset, on)
        if result is not None and result.case is None:
            problems = [f"{path}: {line}" for line in result.problems]
        for line in problems:
            print(line, file=sys.stderr)
        if result is None or result.case is None:
            status = EXIT_BAD_INPUT
            continue
        try:
            assessment = assess(result.case, on=on, ruleset=ruleset)
        except DosingError as exc:
            print(f"{path}: plan: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        if args.json:
            payload = {"file": str(path),
                       **assessment.model_dump(mode="json", by_alias=True),
                       "import_report": result.report_json()}
            payload["ruleset"].update(shipped=ruleset.shipped, origin=ruleset.origin)
            print(json.dumps(payload, ensure_ascii=False))
        else:
            start = (assessment.earliest_start_on.isoformat()
                     if assessment.earliest_start_on else "-")
            mme = ("not computable" if assessment.mme_per_day is None
                   else f"{assessment.mme_per_day:g}")
            print(f"{path}: {assessment.verdict.value} (earliest permitted start {start}; "
                  f"MME/day {mme}; {len(assessment.findings)} findings; "
                  f"{len(result.report)} import report item(s))")
            for item in result.report:
                print(f"  {item.line()}")
        sys.stdout.flush()
    return status




class FhirOutputs:
    """``assess --fhir-out DIR``: ``<record id or file stem>-fhir.json`` per case.

    Named like the PDFs (the record id cleaned to a safe file name, else the case file's
    stem); a name an earlier case of this batch took gets ``-2``, ``-3``, ... (reported on
    stderr), so one patient's bundle never replaces another's. Written owner-only and
    atomically.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.used: set[str] = set()

    @classmethod
    def open(cls, out_dir: Path) -> FhirOutputs | None:
        """The writer (folder created owner-only), or None after a usage message."""
        from ldn_cds.fileio import output_folder_problem

        problem = output_folder_problem(out_dir, "--fhir-out")
        if problem is not None:
            print(f"ldn-cds assess: error: {problem}", file=sys.stderr)
            return None
        return cls(out_dir)

    def write(self, source: Path, case: Any, assessment: Any, ruleset: Any) -> str | None:
        """Write one case's bundle; a problem as one '<file>: ...' line, else None."""
        from ldn_cds.core.fhir_export import export_bundle
        from ldn_cds.fileio import write_private_atomic

        stem = safe_stem(case.patient.record_id, source.stem)
        name = unique_stem(stem, self.used)
        if name != stem:
            print(f"{source}: FHIR bundle written as {name}-fhir.json: an earlier case in "
                  f"this batch is already named {stem!r}", file=sys.stderr)
        bundle = export_bundle(case, assessment, ruleset)
        try:
            write_private_atomic(self.out_dir / f"{name}-fhir.json",
                                 json.dumps(bundle, indent=1, ensure_ascii=False) + "\n")
        except OSError as exc:
            return f"{source}: cannot write the FHIR bundle: {exc.strerror or exc}"
        return None
