"""``ldn-cds assess --fhir-out DIR``, run as the real console script: one private bundle per
case, named like the PDFs, never one patient's over another's."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from ldn_cds.fhir_cli import safe_stem
from ldn_cds.resources import examples_dir

SCRIPT = Path(sys.executable).with_name("ldn-cds")
JANE = examples_dir() / "jane-doe.json"
PREGNANT = examples_dir() / "pregnant.json"
DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def kinds(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"]]


def test_fhir_out_writes_one_private_bundle_per_case(tmp_path: Path) -> None:
    out = tmp_path / "fhir"
    proc = run("assess", JANE, PREGNANT, "--fhir-out", out, "--date", "2026-11-23", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 2  # the JSON lines are unchanged
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["MRN-1-fhir.json", "MRN-1006-fhir.json"]
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
        Bundle.model_validate_json(f.read_text(encoding="utf-8"))
    jane = json.loads((out / "MRN-1-fhir.json").read_text(encoding="utf-8"))
    assert "MedicationRequest" in kinds(jane)
    pregnant = json.loads((out / "MRN-1006-fhir.json").read_text(encoding="utf-8"))
    assert "MedicationRequest" not in kinds(pregnant)
    assert "DetectedIssue" in kinds(pregnant)


def test_the_same_name_twice_in_a_batch_never_overwrites(tmp_path: Path) -> None:
    data = json.loads(JANE.read_text(encoding="utf-8"))
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({**data, "patient": {**data["patient"], "record_id": "../x",
                                                     "name": "First Patient"}}))
    second.write_text(json.dumps({**data, "patient": {**data["patient"], "record_id": "x",
                                                      "name": "Second Patient"}}))
    out = tmp_path / "out"
    proc = run("assess", first, second, "--fhir-out", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["x-2-fhir.json", "x-fhir.json"]
    assert "x-2-fhir.json" in proc.stderr
    names = {json.loads(p.read_text())["entry"][0]["resource"]["name"][0]["text"]
             for p in out.iterdir()}
    assert names == {"First Patient", "Second Patient"}


def test_fhir_out_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    proc = run("assess", JANE, "--fhir-out", target)
    assert proc.returncode == 2
    assert "--fhir-out" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_fhir_out_is_refused_for_an_unreviewed_import(tmp_path: Path) -> None:
    proc = run("assess", "--from-fhir", DATA / "epic-percocet-current.json",
               "--fhir-out", tmp_path / "out")
    assert proc.returncode == 2
    assert "--fhir-out" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("record_id", ["MRN-1", "../../x", "~/x", "", "ä ö", None, "..."])
def test_the_stem_is_the_pdfs_stem(record_id: str | None) -> None:
    pytest.importorskip("reportlab")
    from ldn_cds.pdf.render import safe_stem as pdf_stem

    assert safe_stem(record_id, "case-file") == pdf_stem(record_id, "case-file")
