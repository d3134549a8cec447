"""``ldn-cds import-fhir`` and ``ldn-cds assess --from-fhir``, run as the real console script."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli.test_cli import check_contract, lines

SCRIPT = Path(sys.executable).with_name("ldn-cds")
DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
PERCOCET = DATA / "epic-percocet-current.json"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_import_fhir_writes_a_private_case_and_reports_to_stderr(tmp_path: Path) -> None:
    out = tmp_path / "maria.json"
    proc = run("import-fhir", PERCOCET, "-o", out, "--date", "2026-11-23")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    case = json.loads(out.read_text(encoding="utf-8"))
    assert case["patient"]["record_id"] == "E1001"
    assert case["opioids"]["medications"][0]["daily_dose"] == 20
    report = [line for line in proc.stderr.splitlines() if line.startswith(f"{PERCOCET}: ")]
    assert any("Observation/o2" in line and "pain score 6" in line for line in report)
    assert any("import report:" in line for line in report)
    # the written case is a case file the rest of the program reads
    assessed = run("assess", out, "--json")
    assert assessed.returncode == 0, assessed.stderr
    (obj,) = lines(assessed.stdout)
    check_contract(obj)
    assert obj["verdict"] == "needs_information"  # safety history not in the record


def test_import_fhir_prints_the_case_without_output_file() -> None:
    proc = run("import-fhir", DATA / "cerner-fentanyl-patch.json", "--date", "2026-11-23")
    assert proc.returncode == 0, proc.stderr
    case = json.loads(proc.stdout)
    assert case["opioids"]["medications"][0]["unit"] == "mcg/h"
    assert case["assessed_on"] == "2026-11-23"  # the date asked for


def test_the_day_of_an_import_is_not_the_day_of_the_assessment() -> None:
    proc = run("import-fhir", DATA / "cerner-fentanyl-patch.json")
    assert proc.returncode == 0, proc.stderr
    assert "assessed_on" not in json.loads(proc.stdout)


def test_assess_from_fhir_json_lines_in_input_order() -> None:
    files = sorted(DATA.glob("*.json"), reverse=True)
    proc = run("assess", "--from-fhir", *files, "--json", "--date", "2026-11-23")
    assert proc.returncode == 0, proc.stderr
    out = lines(proc.stdout)
    assert [o["file"] for o in out] == [str(f) for f in files]
    for obj in out:
        check_contract(obj)
        assert isinstance(obj["import_report"], list)
        for item in obj["import_report"]:
            assert {"resource_type", "id", "reason"} <= set(item)
            assert item["reason"]
    by_name = {Path(o["file"]).name: o for o in out}
    assert by_name["suboxone-film-statement.json"]["verdict"] == "contraindicated"
    assert by_name["transaction-naltrexone-allergy.json"]["verdict"] == "contraindicated"
    unmapped = by_name["unmappable-opioid-text.json"]
    assert unmapped["verdict"] == "needs_information"
    assert any(i["resource_type"] == "MedicationStatement" and i["id"] == "ms4"
               for i in unmapped["import_report"])


def test_assess_from_fhir_text_lists_the_report() -> None:
    proc = run("assess", "--from-fhir", DATA / "look-alikes.json", "--date", "2026-11-23")
    assert proc.returncode == 0, proc.stderr
    assert "needs_information" in proc.stdout
    assert "Condition/c1: not mapped: Myalgia" in proc.stdout


def _write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_bad_bundles_one_line_each_and_the_batch_continues(tmp_path: Path) -> None:
    not_json = _write(tmp_path / "a-not-json.json", '{"resourceType": "Bundle",')
    not_bundle = _write(tmp_path / "b-patient.json", {"resourceType": "Patient", "id": "1"})
    missing = _write(tmp_path / "c-missing.json", {
        "resourceType": "Bundle", "type": "collection",
        "entry": [{"resource": {"resourceType": "MedicationRequest", "intent": "order",
                                "medicationCodeableConcept": {"text": "oxycodone 5 mg"}}}]})
    huge = tmp_path / "d-huge.json"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    good = DATA / "searchset-no-medicines.json"
    proc = run("assess", "--from-fhir", not_json, not_bundle, missing, huge, good, "--json",
               "--date", "2026-11-23")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = proc.stderr.splitlines()
    assert len(errors) == 4
    assert errors[0].startswith(f"{not_json}: line 1")
    assert errors[1].startswith(f"{not_bundle}: resourceType: ")
    assert errors[2].startswith(f"{missing}: entry[0].resource.status: missing")
    assert errors[3].startswith(f"{huge}: too large")
    (obj,) = lines(proc.stdout)
    assert obj["file"] == str(good)
    huge.unlink()


def test_import_fhir_bad_input_exit_1_no_file_written(tmp_path: Path) -> None:
    bad = _write(tmp_path / "doc.json", {"resourceType": "Bundle", "type": "document"})
    out = tmp_path / "case.json"
    proc = run("import-fhir", bad, "-o", out)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith(f"{bad}: type: bundle type 'document'")
    assert not out.exists()


def test_contradicting_record_becomes_a_draft_not_a_case(tmp_path: Path) -> None:
    bundle = json.loads((DATA / "batch-refuted-allergy-pregnant.json").read_text("utf-8"))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["gender"] = "male"
    source = _write(tmp_path / "male-pregnant.json", bundle)
    out = tmp_path / "case.json"
    proc = run("import-fhir", source, "-o", out, "--date", "2026-11-23")
    assert proc.returncode == 1
    assert "pregnant" in proc.stderr
    assessed = run("assess", out, "--json")
    assert assessed.returncode == 1
    assert "a draft, not a finished case" in assessed.stderr


def test_pdf_dir_is_refused_with_from_fhir(tmp_path: Path) -> None:
    proc = run("assess", "--from-fhir", PERCOCET, "--pdf-dir", tmp_path / "pdf")
    assert proc.returncode == 2
    assert "--pdf-dir" in proc.stderr
    assert not (tmp_path / "pdf").exists()


def test_saving_an_unreviewed_import_to_the_registry_is_refused(tmp_path: Path) -> None:
    proc = run("assess", "--from-fhir", PERCOCET, "--save")
    assert proc.returncode == 2
    assert "--save" in proc.stderr


def test_written_case_is_not_world_readable_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        proc = run("import-fhir", PERCOCET, "-o", tmp_path / "x.json")
    finally:
        os.umask(old)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o600
