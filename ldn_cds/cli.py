"""Command line: ``ldn-cds [gui|assess|rules|schema|print]``.

Exit codes: 0 success; 1 bad input (one line per problem on stderr naming file and field; the
other cases in a batch are still processed); 2 usage error.  No traceback reaches the user
unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ldn_cds import __version__, registry_cli
from ldn_cds.casefile import assess_file, expand_paths, read_case
from ldn_cds.fileio import unique_stem

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2
__all__ = ["assess_file", "build_parser", "expand_paths", "main", "read_case"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _copies(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 99:
        raise argparse.ArgumentTypeError(f"{value} copies: give 1 to 99") from None
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ldn-cds",
        description="Clinical decision support for low-dose naltrexone (LDN) in chronic pain.",
    )
    parser.add_argument("--version", action="version", version=f"ldn-cds {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--rules-dir", type=Path, help="use the rule set in this folder")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the desktop window (the default)")
    gui.add_argument("case", nargs="?", type=Path, help="case file to open")

    assess = sub.add_parser("assess", help="assess case files (JSON) headless")
    assess.add_argument("paths", nargs="+", type=Path, help="case files or folders of *.json")
    assess.add_argument("--json", action="store_true", help="one JSON object per case per line")
    assess.add_argument("--date", type=_iso, help="assessment date (default: the case's "
                        "assessed_on, else today)")
    assess.add_argument("--pdf-dir", type=Path, help="write <id>-summary.pdf and "
                        "<id>-handout.pdf per case into this folder")
    _add_clinic_arguments(assess)
    registry_cli.add_assess_arguments(assess)

    rules = sub.add_parser("rules", help="list the rule catalogue with sources")
    mode = rules.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="validate the rule set and run every rule's example cases")
    mode.add_argument("--markdown", action="store_true", help="print docs/rules.md")
    mode.add_argument("--medications", action="store_true",
                      help="print docs/medications.md (the medication vocabulary)")

    schema = sub.add_parser("schema", help="print the case file's JSON Schema")
    schema.add_argument("--markdown", action="store_true",
                        help="print docs/case-format.md (the format in words)")

    printer = sub.add_parser("print", help="print a case's PDFs without a window")
    printer.add_argument("case", type=Path)
    printer.add_argument("--printer", help="printer name (default: the system default)")
    which = printer.add_mutually_exclusive_group()
    which.add_argument("--handout-only", action="store_true")
    which.add_argument("--summary-only", action="store_true")
    printer.add_argument("--copies", type=_copies, default=1, help="1 to 99 (default 1)")
    printer.add_argument("--date", type=_iso, help="assessment date")
    _add_clinic_arguments(printer)
    from ldn_cds.fhir_cli import add_parsers as add_fhir_parsers

    add_fhir_parsers(sub, assess)
    registry_cli.add_parsers(sub)
    from ldn_cds.service_cli import add_parser as add_serve_parser

    add_serve_parser(sub)
    return parser


CLINIC_FLAGS = ("clinic_name", "clinic_phone", "prescriber")


def _add_clinic_arguments(parser: argparse.ArgumentParser) -> None:
    """Who the patient calls, printed on the handout and wallet card (flags win over a
    profile); without them the documents print blanks to write in."""
    group = parser.add_argument_group("printed documents")
    group.add_argument("--clinic-profile", type=Path, metavar="FILE",
                       help="JSON file with the print settings (clinic_name, clinic_address, "
                            "clinic_phone, prescriber, paper, large_print)")
    group.add_argument("--clinic-name", help="clinic name")
    group.add_argument("--clinic-phone", help="phone number patients call")
    group.add_argument("--prescriber", help="prescriber's name and title")
    group.add_argument("--large-print", action="store_true", default=None,
                       help="large-print patient handout")


def clinic_options(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """Print settings from ``--clinic-profile`` then the flags, as a validated dict of the
    fields given (empty when none); problems as 'file: field: message' lines."""
    from pydantic import ValidationError

    from ldn_cds.core.errors import field_path
    from ldn_cds.core.report_content import PrintSettings

    values: dict[str, Any] = {}
    profile = getattr(args, "clinic_profile", None)
    if profile is not None:
        try:
            data = json.loads(Path(profile).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}, [f"{profile}: file not found"]
        except (OSError, UnicodeDecodeError) as exc:
            return {}, [f"{profile}: cannot read: {exc}"]
        except json.JSONDecodeError as exc:
            return {}, [f"{profile}: line {exc.lineno} column {exc.colno}: invalid JSON: "
                        f"{exc.msg}"]
        if not isinstance(data, dict):
            return {}, [f"{profile}: a clinic profile is a JSON object ({{...}}), not "
                        f"{type(data).__name__}"]
        values.update(data)
    for name in CLINIC_FLAGS:
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    if getattr(args, "large_print", None):
        values["large_print"] = True
    where = str(profile) if profile is not None else "command line"
    try:
        PrintSettings.model_validate(values)
    except ValidationError as exc:
        return {}, [f"{where}: {field_path(tuple(e['loc'])) or '(profile)'}: {e['msg']}"
                    for e in exc.errors()]
    return values, []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None or args.command == "gui":
            return _gui(getattr(args, "case", None), args.rules_dir)
        if args.command == "schema":
            if args.markdown:
                from ldn_cds.core.catalogue import render_case_format

                sys.stdout.write(render_case_format())
                return EXIT_OK
            from ldn_cds.core.models import case_json_schema

            print(json.dumps(case_json_schema(), indent=2, ensure_ascii=False))
            return EXIT_OK
        if args.command == "rules":
            return _rules(args)
        if args.command == "assess":
            return _assess(args)
        if args.command == "print":
            return _print(args)
        if args.command == "import-fhir":
            from ldn_cds.fhir_cli import import_fhir

            return import_fhir(args)
        if args.command == "serve":
            from ldn_cds.service_cli import serve

            return serve(args, lambda: _load_rules(args))
        if args.command in registry_cli.COMMANDS:
            return registry_cli.run(args, lambda: _load_rules(args))
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last guard: a message, never a traceback, for users
        if args.debug:
            raise
        print(f"ldn-cds: error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE  # pragma: no cover


def _load_rules(args: argparse.Namespace) -> Any:
    from ldn_cds.resources import load_ruleset_or_report

    return load_ruleset_or_report(args.rules_dir)


def foreign_ruleset_line(ruleset: Any) -> str:
    """One line naming a rule set that is not the shipped one (its folder and full hash)."""
    return (f"Rule set not the shipped one: {ruleset.origin}, sha256 {ruleset.sha256} "
            f"({ruleset.manifest.id} {ruleset.version})")


def _rules(args: argparse.Namespace) -> int:
    from ldn_cds.core.catalogue import render_markdown, render_medications
    from ldn_cds.core.rulecheck import check_examples
    from ldn_cds.core.sources import source_out

    ruleset = _load_rules(args)
    if ruleset is None:
        return EXIT_BAD_INPUT
    if args.markdown:
        sys.stdout.write(render_markdown(ruleset))
        return EXIT_OK
    if args.medications:
        sys.stdout.write(render_medications(ruleset))
        return EXIT_OK
    if args.check:
        count, problems = check_examples(ruleset)
        for problem in problems:
            print(f"✘ {problem}", file=sys.stderr)
        if problems:
            print(f"✘ {len(problems)} of {count} example cases failed", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"✔ rule set {ruleset.manifest.id} {ruleset.version} "
              f"(sha256 {ruleset.sha256[:12]}): {len(ruleset.rules)} rules valid, "
              f"{count} example cases passed")
        if ruleset.shipped:
            print("✔ this is the rule set shipped with ldn-cds")
        else:
            print(f"⚠ {foreign_ruleset_line(ruleset)}")
        return EXIT_OK
    print(f"{ruleset.manifest.title}\nrule set {ruleset.manifest.id} {ruleset.version} "
          f"sha256 {ruleset.sha256}")
    print("" if ruleset.shipped else f"⚠ {foreign_ruleset_line(ruleset)}\n")
    for rule in ruleset.rules:
        print(f"{rule.id} v{rule.version} [{rule.kind}, {rule.indicator.value}, "
              f"effect {rule.effect.value}, if unknown {rule.effect_if_unknown.value}]")
        print(f"  {rule.title}: {rule.statement}")
        for ref in rule.sources:
            src = source_out(ruleset, ref)
            print(f"  - {src.label} [{src.evidence}]" + (f" {src.url}" if src.url else ""))
    return EXIT_OK


def _assess(args: argparse.Namespace) -> int:
    if getattr(args, "from_fhir", False):
        from ldn_cds.fhir_cli import assess_fhir

        return assess_fhir(args)
    ruleset = _load_rules(args)
    if ruleset is None:
        return EXIT_BAD_INPUT
    status = EXIT_OK
    if not ruleset.shipped:
        # a foreign rule set is named on every output: first line of the text, stderr for JSON
        print(foreign_ruleset_line(ruleset), file=sys.stderr if args.json else sys.stdout)
    writer = None
    outputs: _PdfOutputs | None = None
    settings = None
    if args.pdf_dir is not None:
        from ldn_cds.core.report_content import PrintSettings

        options, problems = clinic_options(args)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            return EXIT_BAD_INPUT
        settings = PrintSettings.model_validate(options)
        try:
            from ldn_cds.pdf import write_case_pdfs
        except ImportError as exc:
            print(f"ldn-cds: PDF output is not available: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        writer = write_case_pdfs
        outputs = _prepare_pdf_dir(args.pdf_dir)
        if outputs is None:
            return EXIT_USAGE
    fhir_out = None
    if getattr(args, "fhir_out", None) is not None:
        from ldn_cds.fhir_cli import FhirOutputs

        fhir_out = FhirOutputs.open(args.fhir_out)
        if fhir_out is None:
            if outputs is not None:
                outputs.close()
            return EXIT_USAGE
    saver = registry_cli.open_saver(args, ruleset)
    if isinstance(saver, str):
        print(saver, file=sys.stderr)
        if outputs is not None:
            outputs.close()
        return EXIT_BAD_INPUT
    try:
        for path, problem in expand_paths(args.paths):
            if problem:
                print(f"{path}: {problem}", file=sys.stderr)
                status = EXIT_BAD_INPUT
                continue
            case, result, problems = assess_file(path, ruleset, args.date)
            for line in problems:
                print(line, file=sys.stderr)
            if result is None:
                status = EXIT_BAD_INPUT
                continue
            if args.json:
                payload = {"file": str(path), **result.model_dump(mode="json", by_alias=True)}
                payload["ruleset"].update(shipped=ruleset.shipped, origin=ruleset.origin)
                print(json.dumps(payload, ensure_ascii=False))
            else:
                start = result.earliest_start_on.isoformat() if result.earliest_start_on else "-"
                mme = ("not computable" if result.mme_per_day is None
                       else f"{result.mme_per_day:g}")
                print(f"{path}: {result.verdict.value} (earliest permitted start {start}; "
                      f"MME/day {mme}; {len(result.findings)} findings)")
            if writer is not None and outputs is not None:
                try:
                    writer(case, result, ruleset, out_dir=outputs.staging, stem=path.stem,
                           settings=settings)
                    outputs.publish(path)
                except OSError as exc:
                    outputs.discard()  # never a summary without its handout
                    print(f"{path}: cannot write PDFs: {exc}", file=sys.stderr)
                    status = EXIT_BAD_INPUT
            if fhir_out is not None:
                trouble = fhir_out.write(path, case, result, ruleset)
                if trouble is not None:
                    print(trouble, file=sys.stderr)
                    status = EXIT_BAD_INPUT
            if saver is not None:
                message = saver.save(path, case, result)
                if message is not None:
                    print(message, file=sys.stderr)
                    status = EXIT_BAD_INPUT
            sys.stdout.flush()
    finally:
        if outputs is not None:
            outputs.close()
        if saver is not None:
            saver.close()
    return status


class _PdfOutputs:
    """Gives every case of a batch its own PDF names: never one patient's over another's.

    The writer names a case's PDFs after its record id (else the file name), cleaned to a safe
    file name, so two cases can end up with one name (the same id, no id, or ids such as
    ``../../x``, ``~/x`` and ``x``).  Each case is written into a private staging folder
    inside the output folder, then moved to ``<name>-summary.pdf`` / ``<name>-handout.pdf``,
    with ``-2``, ``-3``, ... appended when an earlier case of this batch took the name; the
    new name is reported on stderr.
    """

    def __init__(self, out_dir: Path) -> None:
        import tempfile

        self.out_dir = out_dir
        self.staging = Path(tempfile.mkdtemp(prefix=".ldn-cds-", dir=out_dir))
        self.used: set[str] = set()

    def publish(self, source: Path) -> None:
        import os

        produced = sorted(self.staging.iterdir())
        stems = {p.name.rsplit("-", 1)[0] for p in produced}
        for stem in sorted(stems):
            name = unique_stem(stem, self.used)
            if name != stem:
                print(f"{source}: PDFs written as {name}-summary.pdf and {name}-handout.pdf: "
                      f"an earlier case in this batch is already named {stem!r}",
                      file=sys.stderr)
            for item in produced:
                if item.name.rsplit("-", 1)[0] == stem:
                    suffix = item.name[len(stem):]
                    os.replace(item, self.out_dir / f"{name}{suffix}")

    def discard(self) -> None:
        for item in self.staging.iterdir():
            item.unlink(missing_ok=True)

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.staging, ignore_errors=True)


def _prepare_pdf_dir(out_dir: Path) -> _PdfOutputs | None:
    """The output folder (created owner-only when missing), or None after a usage message."""
    from ldn_cds.fileio import output_folder_problem

    problem = output_folder_problem(out_dir, "--pdf-dir")
    if problem is None:
        try:
            return _PdfOutputs(out_dir)
        except OSError as exc:
            problem = f"--pdf-dir {out_dir}: cannot write the folder: {exc.strerror or exc}"
    print(f"ldn-cds assess: error: {problem}", file=sys.stderr)
    return None


def _gui(case: Path | None, rules_dir: Path | None = None) -> int:
    try:
        from ldn_cds.gui.app import run
    except ImportError as exc:
        print(f"ldn-cds: the desktop window is not available: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return int(run(case, rules_dir=rules_dir))


def _print(args: argparse.Namespace) -> int:
    options, problems = clinic_options(args)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return EXIT_BAD_INPUT
    args.print_options = options
    try:
        from ldn_cds.gui.printing import print_case_cli
    except ImportError as exc:
        print(f"ldn-cds: printing is not available: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    ruleset = _load_rules(args)
    if ruleset is None:
        return EXIT_BAD_INPUT
    return int(print_case_cli(args, ruleset))
