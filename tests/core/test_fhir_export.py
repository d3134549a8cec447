"""FHIR export of a result: every bundle is parsed back by a FHIR model library (R4B models of
fhir.resources), the Patient survives a round trip through the importer, the same input gives
the same bundle, and the titration and findings are where a record system looks for them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings

from ldn_cds.core.assessment import Assessment, assess
from ldn_cds.core.fhir_export import export_bundle
from ldn_cds.core.fhir_import import import_bundle
from ldn_cds.core.models import Case, parse_case
from ldn_cds.core.rulecheck import example_case
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import examples_dir
from tests.conftest import ON
from tests.core.test_properties import cases

EXAMPLES = sorted(examples_dir().glob("*.json"))
VIGNETTES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("vignettes.yaml")).read_text(encoding="utf-8"))


def load(path: Path) -> Case:
    return parse_case(json.loads(path.read_text(encoding="utf-8")))


def result_of(case: Case, ruleset: RuleSet) -> Assessment:
    return assess(case, on=case.assessed_on or ON, ruleset=ruleset)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def check_structure(bundle: dict[str, Any]) -> Bundle:
    """Parsed back by fhir.resources (R4B), with ids, fullUrls and resolvable references."""
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert len(urls) == len(bundle["entry"])
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    refs = [r["reference"] for res in resources(bundle, "DetectedIssue")
            for r in [res["patient"], *res.get("implicated", [])]]
    refs += [res["subject"]["reference"] for res in resources(bundle, "MedicationRequest")]
    assert set(refs) <= urls
    return parsed


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_exports_a_bundle_fhir_resources_reads(path: Path,
                                                             ruleset: RuleSet) -> None:
    case = load(path)
    result = result_of(case, ruleset)
    bundle = export_bundle(case, result, ruleset)
    check_structure(bundle)
    assert len(resources(bundle, "Patient")) == 1
    assert len(resources(bundle, "DetectedIssue")) == len(result.findings)
    assert len(resources(bundle, "MedicationRequest")) == (result.dose_plan is not None)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_patient_comes_back_through_the_importer(path: Path, ruleset: RuleSet) -> None:
    case = load(path)
    bundle = export_bundle(case, result_of(case, ruleset), ruleset)
    back = import_bundle(json.loads(json.dumps(bundle)), ruleset, on=ON)
    patient = back.case_data.get("patient", {})
    assert patient.get("name") == case.patient.name
    assert patient.get("record_id") == case.patient.record_id
    dob = case.patient.date_of_birth
    assert patient.get("date_of_birth") == (dob.isoformat() if dob else None)
    assert patient.get("sex") == (case.patient.sex.value if case.patient.sex else None)
    # the proposal is a draft: the importer does not take it for a medicine the patient takes
    assert "naltrexone" not in (back.case_data.get("other_medications") or [])


def test_same_input_same_bundle(ruleset: RuleSet) -> None:
    case = load(examples_dir() / "jane-doe.json")
    one = export_bundle(case, result_of(case, ruleset), ruleset)
    two = export_bundle(load(examples_dir() / "jane-doe.json"),
                        result_of(case, ruleset), ruleset)
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    other = load(examples_dir() / "crohns-candidate.json")
    ids = {e["resource"]["id"] for e in one["entry"]}
    other_ids = {e["resource"]["id"]
                 for e in export_bundle(other, result_of(other, ruleset), ruleset)["entry"]}
    assert not ids & other_ids


def test_the_titration_is_one_dosage_instruction_per_step(ruleset: RuleSet) -> None:
    case = load(examples_dir() / "jane-doe.json")
    result = result_of(case, ruleset)
    plan = result.dose_plan
    assert plan is not None
    bundle = export_bundle(case, result, ruleset)
    (request,) = resources(bundle, "MedicationRequest")
    assert request["intent"] == "proposal"
    assert request["status"] == "draft"
    assert request["medicationCodeableConcept"] == {"text": "naltrexone"}
    dosages = request["dosageInstruction"]
    assert len(dosages) == len(plan.steps)
    for dosage, step in zip(dosages, plan.steps, strict=True):
        repeat = dosage["timing"]["repeat"]
        assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, 1, "d")
        assert repeat["boundsPeriod"]["start"] == step.start.isoformat()
        end = step.until or plan.review_on
        assert repeat["boundsPeriod"]["end"] == end.isoformat()
        quantity = dosage["doseAndRate"][0]["doseQuantity"]
        assert quantity["value"] == pytest.approx(step.dose_mg)
        assert (quantity["unit"], quantity["code"]) == ("mg", "mg")
        assert f"{step.dose_mg:g} mg" in dosage["text"]
    notes = " ".join(n["text"] for n in request["note"])
    assert ruleset.sha256 in notes
    assert ruleset.version in notes
    assert [r["text"] for r in request["reasonCode"]] == [
        ruleset.conditions.label(c) for c in case.pain.conditions or []]


def test_no_rxnorm_code_is_written_for_naltrexone(ruleset: RuleSet) -> None:
    """The vocabulary holds no code for naltrexone alone (only opioid combinations)."""
    alone = [c for c, e in ruleset.vocabulary.codes.items() if e.ingredients == ["naltrexone"]]
    assert alone == []
    case = load(examples_dir() / "jane-doe.json")
    (request,) = resources(export_bundle(case, result_of(case, ruleset), ruleset),
                           "MedicationRequest")
    assert "coding" not in request["medicationCodeableConcept"]


def test_no_dose_plan_no_request_but_the_issues(ruleset: RuleSet) -> None:
    case = load(examples_dir() / "pregnant.json")
    result = result_of(case, ruleset)
    assert result.dose_plan is None
    assert result.findings
    bundle = export_bundle(case, result, ruleset)
    check_structure(bundle)
    assert resources(bundle, "MedicationRequest") == []
    issues = resources(bundle, "DetectedIssue")
    assert [i["code"]["text"] for i in issues] == [f.rule_id for f in result.findings]
    assert all("implicated" not in i for i in issues)


def test_each_finding_is_a_detected_issue(ruleset: RuleSet) -> None:
    case = load(examples_dir() / "jane-doe.json")
    result = result_of(case, ruleset)
    bundle = export_bundle(case, result, ruleset)
    (request,) = resources(bundle, "MedicationRequest")
    issues = resources(bundle, "DetectedIssue")
    severity = {"critical": "high", "warning": "moderate", "info": "low"}
    for issue, finding in zip(issues, result.findings, strict=True):
        assert issue["status"] == "final"
        assert issue["severity"] == severity[finding.indicator.value]
        assert issue["code"]["text"] == finding.rule_id
        assert finding.summary in issue["detail"]
        assert issue["implicated"] == [{"reference": f"urn:uuid:{request['id']}"}]
        labels = [d["display"] for e in issue.get("evidence", []) for d in e["detail"]]
        assert labels == [s.label for s in finding.sources]
        urls = [s.url for s in finding.sources if s.url]
        assert issue.get("reference") == (urls[0] if urls else None)


def test_the_patient_holds_only_what_the_case_holds(ruleset: RuleSet) -> None:
    case = parse_case({"schema_version": 1})
    bundle = export_bundle(case, assess(case, on=ON, ruleset=ruleset), ruleset)
    check_structure(bundle)
    (patient,) = resources(bundle, "Patient")
    assert set(patient) == {"resourceType", "id"}


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["name"] for v in VIGNETTES])
def test_every_vignette_exports_a_valid_bundle(vignette: dict[str, Any],
                                               ruleset: RuleSet) -> None:
    case = parse_case(example_case(ruleset, vignette["patch"]))
    on = date.fromisoformat(str(vignette["date"])) if vignette.get("date") else ON
    result = assess(case, on=on, ruleset=ruleset)
    check_structure(export_bundle(case, result, ruleset))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_any_generated_case_exports_a_valid_bundle(case: Case, ruleset: RuleSet) -> None:
    result = assess(case, on=ON, ruleset=ruleset)
    bundle = export_bundle(case, result, ruleset)
    check_structure(bundle)
    assert len(resources(bundle, "DetectedIssue")) == len(result.findings)
