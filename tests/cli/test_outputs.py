"""`assess --pdf-dir`: one patient's PDFs never overwrite another's (issue 9), in a subprocess."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli.test_cli import JANE, run_script


def _case(folder: Path, file_name: str, name: str, record_id: str | None) -> Path:
    data = json.loads(JANE.read_text(encoding="utf-8"))
    data["patient"]["name"] = name
    if record_id is None:
        data["patient"].pop("record_id", None)
    else:
        data["patient"]["record_id"] = record_id
    path = folder / file_name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _patient_of(pdf: Path) -> str:
    text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    names = [n for n in ("Alice Able", "Bob Baker", "Cleo Cole") if n in text]
    assert len(names) == 1, (pdf, names)
    return names[0]


@pytest.mark.parametrize(
    ("ids", "expected_stems"),
    [
        (("MRN-7", "MRN-7", "MRN-7"), ["MRN-7", "MRN-7-2", "MRN-7-3"]),
        (("../../x", "~/x", "x"), ["x", "x-2", "x-3"]),
    ],
    ids=["same-record-id", "ids-that-clean-to-one-name"],
)
def test_cases_with_one_output_name_get_their_own_pdfs(
    tmp_path: Path, ids: tuple[str, str, str], expected_stems: list[str]
) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    people = ("Alice Able", "Bob Baker", "Cleo Cole")
    paths = [_case(cases, f"{i}.json", who, rid)
             for i, (who, rid) in enumerate(zip(people, ids, strict=True))]
    out = tmp_path / "out"
    done = run_script("assess", *paths, "--pdf-dir", out)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{stem}-{kind}.pdf" for stem in expected_stems
                             for kind in ("summary", "handout"))
    for who, stem in zip(people, expected_stems, strict=True):
        assert _patient_of(out / f"{stem}-summary.pdf") == who
        assert _patient_of(out / f"{stem}-handout.pdf") == who
    assert done.stderr.count("PDFs written as") == 2  # said so, for each renamed case
    assert f"{expected_stems[1]}-summary.pdf" in done.stderr


def test_cases_without_record_id_in_two_folders_do_not_collide(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _case(tmp_path / "a", "visit.json", "Alice Able", None)
    second = _case(tmp_path / "b", "visit.json", "Bob Baker", None)
    out = tmp_path / "out"
    done = run_script("assess", first, second, "--pdf-dir", out)
    assert done.returncode == 0, done.stderr
    assert _patient_of(out / "visit-summary.pdf") == "Alice Able"
    assert _patient_of(out / "visit-2-handout.pdf") == "Bob Baker"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_pdf_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me", encoding="utf-8")
    done = run_script("assess", JANE, "--pdf-dir", target)
    assert done.returncode == 2
    assert "is a file, not a folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8") == "keep me"


def test_pdf_dir_below_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me", encoding="utf-8")
    done = run_script("assess", JANE, "--pdf-dir", target / "out")
    assert done.returncode == 2
    assert "cannot create" in done.stderr
    assert "Traceback" not in done.stderr


def test_new_pdf_dir_is_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_script("assess", JANE, "--pdf-dir", out)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert len(list(out.iterdir())) == 2


@pytest.mark.parametrize("copies", ["0", "-1", "100", "two"])
def test_print_copies_out_of_range_is_a_usage_error(copies: str) -> None:
    done = run_script("print", JANE, "--copies", copies)
    assert done.returncode == 2, done.stderr
    assert "--copies" in done.stderr
    assert "Traceback" not in done.stderr
