"""Command line: ``ldn-cds [gui|assess|rules|schema|print]``.

Exit codes: 0 success; 1 bad input (one line per problem on stderr naming file and field; the
other cases in a batch are still processed); 2 usage error.  No traceback reaches the user
unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ldn_cds import __version__

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


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
    printer.add_argument("--copies", type=int, default=1)
    printer.add_argument("--date", type=_iso, help="assessment date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None or args.command == "gui":
            return _gui(getattr(args, "case", None))
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
    from ldn_cds.core.rulecheck import RuleSetError
    from ldn_cds.resources import default_ruleset, load_ruleset

    try:
        return load_ruleset(args.rules_dir) if args.rules_dir else default_ruleset()
    except RuleSetError as exc:
        for problem in exc.problems:
            print(f"rule set: {problem}", file=sys.stderr)
        return None


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
        return EXIT_OK
    print(f"{ruleset.manifest.title}\nrule set {ruleset.manifest.id} {ruleset.version} "
          f"sha256 {ruleset.sha256}\n")
    for rule in ruleset.rules:
        print(f"{rule.id} v{rule.version} [{rule.kind}, {rule.indicator.value}, "
              f"effect {rule.effect.value}, if unknown {rule.effect_if_unknown.value}]")
        print(f"  {rule.title}: {rule.statement}")
        for ref in rule.sources:
            src = source_out(ruleset, ref)
            print(f"  - {src.label} [{src.evidence}]" + (f" {src.url}" if src.url else ""))
    return EXIT_OK


def expand_paths(paths: Sequence[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files in input order; a folder expands to its *.json files sorted by name."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                yield path, "folder contains no .json case files"
            for item in found:
                yield item, None
        else:
            yield path, None


def read_case(path: Path) -> tuple[Any, list[str]]:
    """Read and validate one case file; return (case, problems as 'file: field: message')."""
    from pydantic import ValidationError

    from ldn_cds.core.errors import describe
    from ldn_cds.core.models import parse_case

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"{path}: file not found"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: cannot read: {exc}"]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"]
    if not isinstance(data, dict):
        return None, [f"{path}: a case file is a JSON object ({{...}}), not "
                      f"{type(data).__name__}"]
    try:
        return parse_case(data), []
    except ValidationError as exc:
        return None, [f"{path}: {field}: {message}" for field, message in describe(exc)]


def assess_file(path: Path, ruleset: Any, on: date | None) -> tuple[Any, Any, list[str]]:
    """(case, assessment, problems) for one file; the date falls back to the case's, then today."""
    from ldn_cds.core.assessment import assess
    from ldn_cds.core.dosing import DosingError

    case, problems = read_case(path)
    if case is None:
        return None, None, problems
    when = on or case.assessed_on or date.today()
    try:
        return case, assess(case, on=when, ruleset=ruleset), []
    except DosingError as exc:
        return case, None, [f"{path}: plan: {exc}"]


def _assess(args: argparse.Namespace) -> int:
    ruleset = _load_rules(args)
    if ruleset is None:
        return EXIT_BAD_INPUT
    status = EXIT_OK
    writer = None
    if args.pdf_dir is not None:
        try:
            from ldn_cds.pdf import write_case_pdfs
        except ImportError as exc:
            print(f"ldn-cds: PDF output is not available: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        writer = write_case_pdfs
        args.pdf_dir.mkdir(parents=True, exist_ok=True)
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
            print(json.dumps(payload, ensure_ascii=False))
        else:
            start = result.earliest_start_on.isoformat() if result.earliest_start_on else "-"
            mme = ("not computable" if result.mme_per_day is None
                   else f"{result.mme_per_day:g}")
            print(f"{path}: {result.verdict.value} (earliest permitted start {start}; "
                  f"MME/day {mme}; {len(result.findings)} findings)")
        if writer is not None:
            try:
                writer(case, result, ruleset, out_dir=args.pdf_dir, stem=path.stem)
            except OSError as exc:
                print(f"{path}: cannot write PDFs: {exc}", file=sys.stderr)
                status = EXIT_BAD_INPUT
        sys.stdout.flush()
    return status


def _gui(case: Path | None) -> int:
    try:
        from ldn_cds.gui.app import run
    except ImportError as exc:
        print(f"ldn-cds: the desktop window is not available: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return int(run(case))


def _print(args: argparse.Namespace) -> int:
    try:
        from ldn_cds.gui.printing import print_case_cli
    except ImportError as exc:
        print(f"ldn-cds: printing is not available: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    ruleset = _load_rules(args)
    if ruleset is None:
        return EXIT_BAD_INPUT
    return int(print_case_cli(args, ruleset))
