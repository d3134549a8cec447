"""The generated vocabulary table is exactly what scripts/build_vocabulary.py builds from the
committed copy of the CDC Opioid CDS value sets, and it records its provenance."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from ldn_cds.core.ruleset import RuleSet

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_vocabulary", ROOT / "scripts" / "build_vocabulary.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_table_is_the_scripts_output() -> None:
    script = _script()
    table = script.build(script.DEFAULT_VALUESETS)
    committed = (ROOT / "resources" / "vocabulary" / "rxnorm_opioids.json").read_text(
        encoding="utf-8")
    assert script.render(table) == committed, "run: python scripts/build_vocabulary.py"
    assert script.main(["--check"]) == 0


def test_provenance_is_recorded(ruleset: RuleSet) -> None:
    source = ruleset.vocabulary.provenance
    assert source["repository"] == "https://github.com/cqframework/opioid-cds-r4"
    assert source["commit"] == "b29bdcbf"
    assert source["license"] == "CC0 1.0"
    files = {vs["file"] for vs in source["valuesets"]}
    assert {"opioid-analgesics-with-ambulatory-misuse-potential.json",
            "buprenorphine-medications.json", "methadone-medications.json",
            "fentanyl-type-medications.json", "naloxone-medications.json",
            "extended-release-opioid-with-ambulatory-misuse-potential.json"} <= files
    assert all(vs["expansion_timestamp"] for vs in source["valuesets"])


def test_every_code_maps_to_known_ingredients(ruleset: RuleSet) -> None:
    vocab = ruleset.vocabulary
    assert len(vocab.codes) > 900
    for code, entry in vocab.codes.items():
        assert code.isdigit()
        assert set(entry.ingredients) <= set(vocab.ingredients), code


def test_depot_codes_are_depot(ruleset: RuleSet) -> None:
    codes = ruleset.vocabulary.codes
    depot = {c: e for c, e in codes.items() if e.brand in {"Sublocade", "Brixadi", "Probuphine"}}
    assert depot
    assert all(e.formulation.value == "depot" for e in depot.values())


def test_parse_display_names() -> None:
    script = _script()
    assert script.parse_display(
        "acetaminophen 325 MG / hydrocodone bitartrate 10 MG Oral Tablet [Norco]")[:3] == (
        ["acetaminophen", "hydrocodone"], "Norco", "immediate")
    assert script.parse_display(
        "Abuse-Deterrent 12 HR oxycodone hydrochloride 15 MG Extended Release Oral Tablet "
        "[Oxycontin]")[:3] == (["oxycodone"], "Oxycontin", "extended")
    assert script.parse_display(
        "72 HR fentanyl 0.075 MG/HR Transdermal System")[:3] == (
        ["fentanyl"], None, "transdermal")
    assert script.parse_display("buprenorphine 74.2 MG Drug Implant [Probuphine]")[2] == "depot"
    assert json.dumps(script.parse_display("morphine sulfate liposomal 10 MG/ML Injection")[0]) \
        == '["morphine"]'
