"""Clinic details on the printed documents, from the command line (real console, subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

from ldn_cds.resources import examples_dir
from tests.pdf.helpers import all_text, flat

JANE = examples_dir() / "jane-doe.json"
CLINIC = ["--clinic-name", "Riverside Pain Clinic", "--clinic-phone", "(555) 010-2000",
          "--prescriber", "Dr. A. Example, MD"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "ldn_cds", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False, env=env)


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as doc:
        return flat(" ".join(page.extract_text() or "" for page in doc.pages))


def body_size(path: Path) -> float:
    """The most common font size of the document's characters."""
    with pdfplumber.open(path) as doc:
        sizes = Counter(round(c["size"], 1) for page in doc.pages for c in page.chars)
    return sizes.most_common(1)[0][0]


def assess_pdfs(tmp_path: Path, *args: str | Path) -> tuple[str, str]:
    done = run("assess", JANE, "--pdf-dir", tmp_path, *args)
    assert done.returncode == 0, done.stderr
    handout = next(tmp_path.glob("*-handout.pdf"))
    summary = next(tmp_path.glob("*-summary.pdf"))
    return pdf_text(handout), pdf_text(summary)


def test_clinic_flags_reach_the_handout_card_and_summary(tmp_path: Path) -> None:
    handout, summary = assess_pdfs(tmp_path, *CLINIC)
    for text in (handout, summary):
        assert "Riverside Pain Clinic" in text
        assert "(555) 010-2000" in text
        assert "Dr. A. Example, MD" in text
    # the wallet card carries the prescriber and the phone too (the card is the last but
    # one block of the handout: its lines follow its title)
    card = handout.split("I take low-dose naltrexone (LDN)")[1]
    assert "Phone: (555) 010-2000" in card
    assert "Prescriber: Dr. A. Example, MD" in card
    assert "Call Riverside Pain Clinic at (555) 010-2000" in handout


def test_without_clinic_details_the_documents_print_write_in_blanks(tmp_path: Path) -> None:
    handout, summary = assess_pdfs(tmp_path)
    for text in (handout, summary):
        assert "Clinic not set" not in text
        assert "Clinic: ____" in text
        assert "Phone: ____" in text
    assert "Prescriber: ____" in handout.split("I take low-dose naltrexone (LDN)")[1]


def test_clinic_profile_file_and_flags_win_over_it(tmp_path: Path) -> None:
    profile = tmp_path / "clinic.json"
    profile.write_text(json.dumps({
        "clinic_name": "Hillside Clinic", "clinic_phone": "(555) 010-3000",
        "prescriber": "Dr. B. Profile", "paper": "a4",
    }), encoding="utf-8")
    handout, _summary = assess_pdfs(tmp_path / "a", "--clinic-profile", profile)
    assert "Hillside Clinic" in handout
    assert "Dr. B. Profile" in handout
    handout, _summary = assess_pdfs(tmp_path / "b", "--clinic-profile", profile,
                                    "--clinic-phone", "(555) 010-4000")
    assert "(555) 010-4000" in handout
    assert "(555) 010-3000" not in handout
    assert "Hillside Clinic" in handout
    with pdfplumber.open(next((tmp_path / "b").glob("*-handout.pdf"))) as doc:
        assert round(doc.pages[0].width) == 595  # a4 from the profile


@pytest.mark.parametrize(("content", "field"), [
    ({"clinic_name": "X", "clinic_fone": "1"}, "clinic_fone"),
    ({"paper": "legal"}, "paper"),
    ({"large_print": "maybe"}, "large_print"),
])
def test_bad_clinic_profile_is_one_line_naming_file_and_field(
    tmp_path: Path, content: dict[str, object], field: str
) -> None:
    profile = tmp_path / "clinic.json"
    profile.write_text(json.dumps(content), encoding="utf-8")
    for command in (("assess", JANE, "--pdf-dir", tmp_path / "out"),
                    ("print", JANE, "--printer", "NoSuchQueue")):
        done = run(*command, "--clinic-profile", profile)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert str(profile) in lines[0]
        assert field in lines[0]
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_unreadable_clinic_profile(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    for profile in (broken, tmp_path / "missing.json"):
        done = run("assess", JANE, "--pdf-dir", tmp_path / "out", "--clinic-profile", profile)
        assert done.returncode == 1
        assert done.stderr.strip().count("\n") == 0
        assert str(profile) in done.stderr


def test_large_print_flag(tmp_path: Path) -> None:
    run_normal = run("assess", JANE, "--pdf-dir", tmp_path / "n")
    run_large = run("assess", JANE, "--pdf-dir", tmp_path / "l", "--large-print")
    assert run_normal.returncode == 0
    assert run_large.returncode == 0
    normal = body_size(next((tmp_path / "n").glob("*-handout.pdf")))
    large = body_size(next((tmp_path / "l").glob("*-handout.pdf")))
    assert 14 <= large <= 16
    assert large > normal


def test_print_command_takes_the_clinic_arguments(tmp_path: Path) -> None:
    """The arguments are accepted (the missing printer is what fails here)."""
    done = run("print", JANE, "--printer", "NoSuchQueue", *CLINIC, "--large-print")
    assert done.returncode == 1
    assert "NoSuchQueue" in done.stderr
    assert "unrecognized arguments" not in done.stderr


def test_print_overrides_reach_the_rendered_documents(example_files: list[Path]) -> None:
    pytest.importorskip("PySide6.QtPdf")
    from ldn_cds.core.assessment import assess
    from ldn_cds.gui.printing import render_documents
    from ldn_cds.gui.settings import ClinicSettings
    from ldn_cds.resources import default_ruleset
    from tests.conftest import ON, load_example

    ruleset = default_ruleset()
    case = load_example(JANE)
    result = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
    saved = ClinicSettings(clinic_name="Saved Clinic", clinic_phone="(555) 010-9999")
    docs = render_documents(case, result, ruleset, saved, summary=False,
                            overrides={"clinic_phone": "(555) 010-2000"})
    text = all_text(docs[0].data)
    assert "Saved Clinic" in text
    assert "(555) 010-2000" in text
    assert "010-9999" not in text
