"""Render both PDFs for every example case and rasterise them for a visual check.

Usage: python scripts/render_pdfs.py [OUT_DIR] [--a4] [--large-print] [--dpi N]

Writes ``<record>-summary.pdf``/``-handout.pdf`` per case and, when ``pdftoppm`` (poppler-utils)
is installed, ``<record>-<doc>-<page>.png`` beside them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

from ldn_cds.core.assessment import assess
from ldn_cds.core.models import parse_case
from ldn_cds.core.report_content import PrintSettings
from ldn_cds.pdf import write_case_pdfs
from ldn_cds.resources import default_ruleset, examples_dir

DEMO_SETTINGS = PrintSettings(
    clinic_name="Riverside Pain Clinic",
    clinic_address="12 River Road, Springfield",
    clinic_phone="(555) 010-2000",
    prescriber="Dr. A. Example, MD",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", nargs="?", default="build/pdfs", type=Path)
    parser.add_argument("--a4", action="store_true")
    parser.add_argument("--large-print", action="store_true")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    settings = DEMO_SETTINGS.model_copy(
        update={"paper": "a4" if args.a4 else "letter", "large_print": args.large_print}
    )
    ruleset = default_ruleset()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    for path in sorted(examples_dir().glob("*.json")):
        case = parse_case(json.loads(path.read_text(encoding="utf-8")))
        on = case.assessed_on or date.today()
        assessment = assess(case, on=on, ruleset=ruleset)
        written = write_case_pdfs(case, assessment, ruleset, out_dir=args.out_dir,
                                  stem=path.stem, settings=settings, invariant=True)
        for pdf in written:
            print(f"{path.name}: {assessment.verdict.value} -> {pdf}")
            if pdftoppm:
                subprocess.run([pdftoppm, "-png", "-r", str(args.dpi), str(pdf),
                                str(pdf.with_suffix(""))], check=True)
    if not pdftoppm:
        print("pdftoppm not found: install poppler-utils to rasterise the pages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
