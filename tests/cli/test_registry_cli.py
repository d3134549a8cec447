"""The registry commands, run as a physician would: real subprocesses on a real database."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ldn_cds.resources import examples_dir

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "LDN_CDS_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run([sys.executable, "-m", "ldn_cds", *args], capture_output=True,
                          text=True, env=full_env, timeout=120, check=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "registry" / "registry.sqlite3"


def test_assess_save_then_follow_up_then_export_and_verify(db: Path, tmp_path: Path) -> None:
    done = run("assess", "--save", "--prescriber", "Dr A. Test",
               str(examples_dir() / "jane-doe.json"),
               str(examples_dir() / "tramadol-current.json"), db=db)
    assert done.returncode == 0, done.stderr
    listed = run("patients", "--json", db=db)
    people = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {p["record_id"] for p in people} >= {"MRN-1"}
    assert all(p["assessments"] == 1 for p in people)

    added = run("followup", "add", "MRN-1", "--date", "2027-02-16", "--dose", "4.5", "--pain",
                "3", "--pgic", "2", "--side-effect", "vivid_dreams", "--adherence", "most",
                db=db)
    assert added.returncode == 0, added.stderr
    assert "recorded for patient" in added.stdout

    out = tmp_path / "export.csv"
    exported = run("export", "--format", "csv", "--deidentified", "--date", "2027-03-01",
                   "-o", str(out), db=db)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == len(people)
    text = out.read_text()
    for person in people:
        for value in (person["name"], person["record_id"], person["date_of_birth"]):
            if value:
                assert value not in text
    jane = next(r for r in rows if r["followups"] == "1")
    assert jane["reduction_percent"] == "57.1"      # 7 -> 3
    assert jane["classification"] == "substantial"
    assert jane["start_day"] == "0"
    assert out.stat().st_mode & 0o077 == 0

    verified = run("audit", "verify", db=db)
    assert verified.returncode == 0, verified.stderr
    assert "chain intact" in verified.stdout


def test_audit_verify_names_the_first_broken_entry(db: Path) -> None:
    assert run("assess", "--save", str(examples_dir() / "jane-doe.json"), db=db).returncode == 0
    assert run("followup", "add", "MRN-1", "--date", "2027-01-10", "--pain", "5",
               db=db).returncode == 0
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET row_id = 9 WHERE seq = 2")
    con.commit()
    con.close()
    broken = run("audit", "verify", db=db)
    assert broken.returncode == 1
    assert "BROKEN. First broken: entry 2:" in broken.stderr
    assert "Traceback" not in broken.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["followup", "add", "NOPE", "--date", "2027-01-10"], "no patient 'NOPE'"),
    (["followup", "add", "MRN-1", "--date", "2027-01-10", "--pain", "11"],
     "--pain: Input should be less than or equal to 10"),
    (["followup", "add", "MRN-1", "--date", "2027-01-10", "--reason", "nausea"],
     "stop reason is given but 'stopped' is not set"),
])
def test_bad_follow_up_input_is_one_clear_line(db: Path, args: list[str], message: str) -> None:
    assert run("assess", "--save", str(examples_dir() / "jane-doe.json"), db=db).returncode == 0
    done = run(*args, db=db)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_registry_that_cannot_be_opened_is_named_and_nothing_is_assessed_twice(
        tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    assert run("assess", "--save", str(examples_dir() / "jane-doe.json"),
               db=newer).returncode == 0
    con = sqlite3.connect(newer)
    con.execute("UPDATE ldn_meta SET value = '42'")
    con.commit()
    con.close()
    done = run("assess", "--save", str(examples_dir() / "jane-doe.json"), db=newer)
    assert done.returncode == 1
    assert "newer ldn-cds (schema version 42" in done.stderr
    listed = run("patients", db=newer)
    assert listed.returncode == 1
    assert "It was not changed" in listed.stderr


def test_outcomes_show_the_published_figures_beside_the_practice(db: Path) -> None:
    assert run("assess", "--save", str(examples_dir() / "jane-doe.json"), db=db).returncode == 0
    assert run("followup", "add", "MRN-1", "--date", "2027-02-16", "--pain", "3",
               db=db).returncode == 0
    done = run("outcomes", "--date", "2027-03-01", "--json", db=db)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["started"] == 1
    assert data["meaningful_percent"] == 100.0
    assert {f["measure"] for f in data["published"]} >= {"mean_reduction_percent",
                                                          "stopped_percent"}
    text = run("outcomes", "--date", "2027-03-01", db=db).stdout
    assert "37.8%" in text
    assert "36%" in text
    assert "87%" in text
