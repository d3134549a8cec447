"""The real console script, run in a subprocess: output contract, batches, errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ldn_cds.resources import examples_dir

SCRIPT = Path(sys.executable).with_name("ldn-cds")
JANE = examples_dir() / "jane-doe.json"
VERDICTS = {"candidate", "candidate_with_cautions", "not_yet", "contraindicated",
            "needs_information"}


def run_module(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ldn_cds", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


def run_script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


def check_contract(obj: dict[str, Any]) -> None:
    assert obj["verdict"] in VERDICTS
    assert obj["earliest_start_on"] is None or isinstance(obj["earliest_start_on"], str)
    # a number, or null with the reason when it cannot be computed (never 0 for an unknown)
    assert obj["mme_per_day"] is None or isinstance(obj["mme_per_day"], int | float)
    if obj["mme_per_day"] is None:
        assert obj["mme_note"]
    assert isinstance(obj["findings"], list)
    for finding in obj["findings"]:
        assert {"rule_id", "indicator", "summary", "sources"} <= set(finding)
        assert finding["sources"]
        assert all(s["label"] for s in finding["sources"])
    plan = obj["dose_plan"]
    if obj["verdict"] in {"contraindicated", "needs_information"}:
        assert plan is None
    if plan is not None:
        assert {"start_mg", "target_mg", "max_mg", "steps"} <= set(plan)
        assert all({"from", "dose_mg"} <= set(step) for step in plan["steps"])
        assert plan["steps"][0]["from"] >= obj["earliest_start_on"]
        assert plan["supply_through"] >= plan["review_on"]  # the supply reaches the review
    assert {"version", "sha256"} <= set(obj["ruleset"])
    assert len(obj["ruleset"]["sha256"]) == 64


def lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_console_script_exists() -> None:
    assert SCRIPT.is_file()


def test_assess_shipped_examples_in_order() -> None:
    files = sorted(examples_dir().glob("*.json"), reverse=True)  # any order the user gives
    proc = run_script("assess", *files, "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = lines(proc.stdout)
    assert [o["file"] for o in out] == [str(f) for f in files]
    for obj in out:
        check_contract(obj)


def test_jane_doe_via_module() -> None:
    proc = run_module("assess", JANE, "--json")
    assert proc.returncode == 0, proc.stderr
    (obj,) = lines(proc.stdout)
    check_contract(obj)
    # oxycodone IR last 2026-11-10 + 10 d = 2026-11-20, before the 2026-11-23 assessment
    assert obj["verdict"] == "candidate_with_cautions"
    assert obj["earliest_start_on"] == "2026-11-23"
    assert obj["mme_per_day"] == 30


def test_folder_argument() -> None:
    proc = run_script("assess", examples_dir(), "--json")
    assert proc.returncode == 0, proc.stderr
    out = lines(proc.stdout)
    expected = sorted(examples_dir().glob("*.json"))
    assert [o["file"] for o in out] == [str(p) for p in expected]


def test_date_override() -> None:
    proc = run_script("assess", examples_dir() / "methadone-washout.json", "--json",
                      "--date", "2026-12-10")
    assert proc.returncode == 0, proc.stderr
    (obj,) = lines(proc.stdout)
    assert obj["assessed_on"] == "2026-12-10"
    assert obj["verdict"] == "candidate"  # methadone washout ended 2026-11-30
    assert obj["earliest_start_on"] == "2026-12-10"


def test_text_output_without_json() -> None:
    proc = run_script("assess", JANE)
    assert proc.returncode == 0
    assert "candidate_with_cautions" in proc.stdout
    assert "2026-11-23" in proc.stdout


BAD_FILES = {
    "missing.json": None,
    "binary.json": b"\xff\xfe\x00garbage",
    "invalid.json": b'{"schema_version": 1,',
    "wrong-type.json": {"schema_version": 1, "pain": {"score_now": "seven"}},
    "out-of-range.json": {"schema_version": 1, "pain": {"score_now": 11}},
    "unknown-key.json": {"schema_version": 1, "patient": {"shoe_size": 42}},
    "unknown-enum.json": {"schema_version": 1, "opioids": {"status": "sometimes"}},
    "array.json": [1, 2],
}
EXPECTED_ERRORS = {
    "missing.json": "file not found",
    "binary.json": "cannot read",
    "invalid.json": "invalid JSON",
    "wrong-type.json": "pain.score_now: Input should be a valid integer",
    "out-of-range.json": "pain.score_now: Input should be less than or equal to 10",
    "unknown-key.json": "patient.shoe_size: unknown field",
    "unknown-enum.json": "opioids.status: Input should be",
    "array.json": "a case file is a JSON object",
}


@pytest.fixture
def batch(tmp_path: Path) -> list[Path]:
    good = sorted(examples_dir().glob("*.json"))[:3]
    paths: list[Path] = []
    for name, content in BAD_FILES.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(json.dumps(content), encoding="utf-8")
        paths.append(path)
    # interleave: good, bad, bad, good, bad, ...
    mixed = [good[0], *paths[:3], good[1], *paths[3:], good[2]]
    return mixed


def test_batch_with_bad_files(batch: list[Path]) -> None:
    proc = run_script("assess", *batch, "--json")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    good = [p for p in batch if p.parent == examples_dir()]
    assert [o["file"] for o in lines(proc.stdout)] == [str(p) for p in good]
    err_lines = proc.stderr.splitlines()
    bad_paths = {p.name: p for p in batch if p.name in BAD_FILES}
    for name, message in EXPECTED_ERRORS.items():
        # each problem line names the file first, then the field, then the message
        mine = [line for line in err_lines if line.startswith(f"{bad_paths[name]}: ")]
        assert len(mine) == 1, (name, err_lines)
        assert message in mine[0], (name, mine)
    assert len(err_lines) == len(BAD_FILES)


def test_usage_errors_exit_2() -> None:
    for args in (["assess"], ["assess", str(JANE), "--date", "23/11/2026"], ["frobnicate"]):
        proc = run_script(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "usage:" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_rules_lists_catalogue() -> None:
    proc = run_script("rules")
    assert proc.returncode == 0
    assert "opioid-washout v2.0.0" in proc.stdout
    assert "sha256" in proc.stdout


def test_rules_check() -> None:
    proc = run_script("rules", "--check")
    assert proc.returncode == 0, proc.stderr
    from ldn_cds.resources import default_ruleset

    assert f"{len(default_ruleset().rules)} rules valid" in proc.stdout
    assert "example cases passed" in proc.stdout


def test_rules_check_reports_a_broken_rule_set(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "resources"
    shutil.copytree(examples_dir().parent, root)
    washout = root / "tables" / "washout.yaml"
    washout.write_text(washout.read_text(encoding="utf-8").replace(
        "washout_class: unlisted", "washout_class: nowhere"), encoding="utf-8")
    proc = run_script("--rules-dir", root, "rules", "--check")
    assert proc.returncode == 1
    assert "tables/washout.yaml" in proc.stderr
    assert "no class 'nowhere'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_schema() -> None:
    proc = run_script("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert "properties" in schema
    assert "opioids" in schema["properties"]


def test_rules_markdown_matches_docs() -> None:
    proc = run_script("rules", "--markdown")
    assert proc.returncode == 0
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert proc.stdout == docs.read_text(encoding="utf-8")
