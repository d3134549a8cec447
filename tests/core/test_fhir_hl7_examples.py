"""FHIR R4 import of the official HL7 FHIR R4 (4.0.1) example resources.

The examples are copies from the specification's example package (hl7.fhir.r4.examples 4.0.1,
CC0); tests/data/fhir/hl7-r4/SOURCES.md says where each was read. Unlike the hand-made bundles,
nobody wrote them for this importer: they hold what real exports hold (contained Medications,
NDC and SNOMED codes instead of RxNorm, dose ranges, statuses other than active, several
identifiers). Expectations come from reading each example as a physician would.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ldn_cds.core.assessment import assess
from ldn_cds.core.fhir_import import FhirImportError, ImportResult, import_bundle
from ldn_cds.core.models import parse_case
from ldn_cds.core.ruleset import RuleSet

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir" / "hl7-r4"
ON = date(2026, 11, 23)
FILES = sorted(DATA.glob("*.json"))
MEDICINE_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationDispense")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def collection(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


def run(bundle: Any, ruleset: RuleSet) -> ImportResult:
    return import_bundle(bundle, ruleset, on=ON)


def reasons(result: ImportResult, resource_type: str, rid: str) -> list[str]:
    return [i.reason for i in result.report if i.resource_type == resource_type and i.id == rid]


def chalmers() -> dict[str, Any]:
    """The official Patient/example (Peter James Chalmers), as the spec's batch-response
    example carries it."""
    patient: dict[str, Any] = load("Bundle-bundle-response-medsallergies.json")["entry"][0][
        "resource"]
    assert (patient["resourceType"], patient["id"]) == ("Patient", "example")
    return patient


def medicine_text(resource: dict[str, Any]) -> str:
    """The medicine as the record names it: the contained Medication's code, else the
    CodeableConcept (every medicine example here has exactly one display)."""
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        ref = resource["medicationReference"]["reference"]
        concept = next(c["code"] for c in resource["contained"] if "#" + c["id"] == ref)
    text: str = concept.get("text") or concept["coding"][0]["display"]
    return text


def accounted_for(result: ImportResult, resource: dict[str, Any]) -> bool:
    """The resource is in the case or in the report: nothing is dropped silently."""
    kind, rid = resource["resourceType"], resource.get("id")
    if any(i.resource_type == kind and i.id == rid for i in result.report):
        return True
    case = result.case_data
    if kind == "Patient":
        return bool(case.get("patient"))
    if kind in MEDICINE_TYPES:
        text = medicine_text(resource)
        drugs = [m["drug"] for m in case.get("opioids", {}).get("medications", [])]
        return text in case.get("other_medications", []) or text in drugs
    return False


# -- the copies are R4 and complete ---------------------------------------------------------------


def test_there_are_official_examples_of_every_kind_and_each_has_a_source() -> None:
    kinds = {p.name.split("-")[0] for p in FILES}
    assert {"Patient", "Condition", "MedicationRequest", "MedicationStatement",
            "MedicationDispense", "AllergyIntolerance", "Bundle"} <= kinds
    assert len(FILES) >= 15
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "CC0" in sources
    for path in FILES:
        assert f"`{path.name}`" in sources, path.name  # provenance of every copy


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_official_example_is_valid_r4(path: Path) -> None:
    from fhir.resources.R4B import get_fhir_model_class  # R4 JSON parses as R4B

    data = load(path.name)
    model = get_fhir_model_class(data["resourceType"]).model_validate(data)
    assert model.model_dump(exclude_none=True)["id"] == data["id"]
    assert path.name == f"{data['resourceType']}-{data['id']}.json"  # the package's name
    if data["resourceType"] in MEDICINE_TYPES:
        # R4 medication[x], not R5 medication.concept / reference
        assert "medication" not in data
        assert ("medicationCodeableConcept" in data) != ("medicationReference" in data)


# -- each example on its own: imports, reports, never says "no opioids" ---------------------------

SINGLE = [p for p in FILES if not p.name.startswith("Bundle-")]


@pytest.mark.parametrize("path", SINGLE, ids=lambda p: p.name)
def test_each_official_example_imports_and_nothing_is_dropped(ruleset: RuleSet,
                                                              path: Path) -> None:
    resource = load(path.name)
    result = run(collection(resource), ruleset)  # a FhirImportError here is a bug
    assert result.case is not None, result.problems
    assert result.problems == []
    assert accounted_for(result, resource), [i.line() for i in result.report]
    assert all(i.reason for i in result.report)
    assert result.case_data.get("opioids", {}).get("status") != "none"
    if resource["resourceType"] != "Patient":
        assert any(i.resource_type == "Patient" and i.id is None and not i.mapped
                   for i in result.report)  # "no Patient resource" is said


# -- Patients -------------------------------------------------------------------------------------


def test_patient_f201_name_birth_date_sex(ruleset: RuleSet) -> None:
    result = run(collection(load("Patient-f201.json")), ruleset)
    # the official name's text is "Roel" (given "Roelof Olaf", family "Bor"): text comes first
    assert result.case_data["patient"] == {"name": "Roel", "record_id": "123456789",
                                           "date_of_birth": "1960-03-13", "sex": "male"}
    # two BSN identifiers, none typed MR: the first is used and the report says to check it
    said = reasons(result, "Patient", "f201")
    assert len(said) == 1
    assert "none marked as the medical record number" in said[0]


def test_patient_example_chalmers_official_name_and_mrn(ruleset: RuleSet) -> None:
    result = run(collection(chalmers()), ruleset)
    # official name (not the usual "Jim" or the maiden name); the identifier typed MR
    assert result.case_data["patient"] == {"name": "Peter James Chalmers",
                                           "record_id": "12345",
                                           "date_of_birth": "1974-12-25", "sex": "male"}
    assert reasons(result, "Patient", "example") == []  # nothing to caveat


def test_two_official_patients_examples_are_not_merged(ruleset: RuleSet) -> None:
    # Roel (Patient/f201) and a prescription of Donald Duck (Patient/pat1)
    with pytest.raises(FhirImportError) as info:
        run(collection(load("Patient-f201.json"), load("MedicationRequest-medrx0302.json")),
            ruleset)
    assert info.value.where == "entry[1].resource.subject.reference"
    assert "Patient/pat1" in info.value.message


# -- Conditions -----------------------------------------------------------------------------------


def test_conditions_outside_the_mapping_are_reported_never_guessed(ruleset: RuleSet) -> None:
    assert ruleset.fhir is not None
    mapped_codes = {e.code for e in ruleset.fhir.conditions}
    assert not {"39065001", "422504002"} & mapped_codes  # burn of ear, ischemic stroke
    conditions = [load(f"Condition-{i}.json") for i in ("example", "example2", "stroke")]
    result = run(collection(chalmers(), *conditions), ruleset)
    assert "pain" not in result.case_data
    for rid, label in (("example", "Burnt Ear"), ("example2", "Asthma"), ("stroke", "Stroke")):
        items = [i for i in result.report if i.resource_type == "Condition" and i.id == rid]
        assert len(items) == 1
        assert not items[0].mapped
        assert items[0].reason.startswith(
            f"{label}: neither a pain condition nor a safety-history code")
    # a stroke is not read into the safety history either: the physician answers it
    assert "history" not in result.case_data


def test_roel_resolved_fever_and_sepsis(ruleset: RuleSet) -> None:
    result = run(collection(load("Patient-f201.json"), load("Condition-f201.json"),
                            load("Condition-f203.json")), ruleset)
    assert result.case_data["patient"]["name"] == "Roel"
    assert "pain" not in result.case_data
    assert reasons(result, "Condition", "f201") == [
        "Fever: clinical status resolved; not a current condition"]
    assert reasons(result, "Condition", "f203")[0].startswith(
        "Bacterial sepsis: neither a pain condition nor a safety-history code")


# -- AllergyIntolerance ---------------------------------------------------------------------------


def test_allergies_to_other_things_do_not_answer_naltrexone(ruleset: RuleSet) -> None:
    allergies = [load(f"AllergyIntolerance-{i}.json")
                 for i in ("medication", "fishallergy", "nkla")]
    result = run(collection(chalmers(), *allergies), ruleset)
    # penicillin (unconfirmed, high criticality), fresh fish, "no known latex allergy"
    assert "history" not in result.case_data  # not "yes", and not "no" either
    for rid, label in (("medication", "Penicillin G"),
                       ("fishallergy", "Allergic to fresh fish. Tolerates canned fish"),
                       ("nkla", "No Known Latex Allergy")):
        assert reasons(result, "AllergyIntolerance", rid) == [
            f"{label}: only naltrexone and naloxone allergies are read"]


# -- medicines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text"), [
    ("MedicationRequest-medrx0302.json", "Azithromycin 250mg capsule (product)"),
    ("MedicationRequest-medrx0310.json", "Tylenol PM"),  # acetaminophen + diphenhydramine
    ("MedicationRequest-medrx0311.json", "Chlorthalidone 50mg tablet (product)"),
    ("MedicationRequest-medrx0312.json", "Phenytoin 25mg/ml oral suspension"),
    ("MedicationStatement-example002.json", "Tylenol PM"),
    ("MedicationStatement-example004.json", "Amoxicillin (product)"),
    ("MedicationStatement-example007.json", "Mometasone Furoate 0.05mg/Actuat"),
])
def test_active_non_opioid_lands_in_other_medications_as_written(
        ruleset: RuleSet, name: str, text: str) -> None:
    result = run(collection(load(name)), ruleset)
    assert result.case_data["other_medications"] == [text]
    assert "opioids" not in result.case_data  # not an opioid, and absence is not "none"


def test_rxnorm_code_outside_the_vocabulary_is_said(ruleset: RuleSet) -> None:
    result = run(collection(load("MedicationRequest-medrx0312.json")), ruleset)
    said = reasons(result, "MedicationRequest", "medrx0312")
    assert any("RxNorm 1313112 is not in the medication vocabulary" in r for r in said)


def test_completed_percocet_request_is_a_stopped_opioid_without_a_guessed_dose(
        ruleset: RuleSet) -> None:
    result = run(collection(load("MedicationRequest-medrx0307.json")), ruleset)
    opioids = result.case_data["opioids"]
    assert opioids["status"] == "stopped"
    # "Percocet tablet" (NDC 16590-619-30) names no strength: 1 tablet every 4 hours as
    # needed is up to 6 tablets, but of how many mg of oxycodone the record does not say
    assert opioids["medications"] == [{"drug": "Percocet tablet", "release": "immediate",
                                       "use": "as_needed", "last_dose_on": "2016-01-15"}]
    said = " ".join(reasons(result, "MedicationRequest", "medrx0307"))
    assert "strength per unit not found" in said
    # its as-needed reason is fibromyalgia (SNOMED 203082005), but a reason for a medicine
    # is not a Condition of the record: not read as a pain condition
    assert "pain" not in result.case_data
    assert "other_medications" not in result.case_data


def test_dispense_in_progress_is_not_dropped(ruleset: RuleSet) -> None:
    result = run(collection(load("MedicationDispense-meddisp0301.json")), ruleset)
    # vancomycin, being dispensed (in-progress): listed as written, and the report has a line
    assert result.case_data["other_medications"] == [
        "Vancomycin Hydrochloride (VANCOMYCIN HYDROCHLORIDE)"]
    (said,) = reasons(result, "MedicationDispense", "meddisp0301")
    assert "in-progress" in said
    # "hydrochloride" begins like hydrocodone but is a salt: no opioid question is raised,
    # and none is answered (absence stays not asked)
    assert "opioids" not in result.case_data
    assert "may be an opioid" not in said


def test_all_medicine_examples_of_donald_duck_in_one_bundle(ruleset: RuleSet) -> None:
    resources = [load(p.name) for p in FILES if p.name.startswith("Medication")]
    result = run(collection(*resources), ruleset)
    assert result.case is not None, result.problems
    assert all(accounted_for(result, r) for r in resources)
    case = result.case_data
    assert [m["drug"] for m in case["opioids"]["medications"]] == ["Percocet tablet"]
    assert case["opioids"]["status"] == "stopped"  # the completed Percocet request
    assert sorted(case["other_medications"]) == sorted({
        "Vancomycin Hydrochloride (VANCOMYCIN HYDROCHLORIDE)",
        "Azithromycin 250mg capsule (product)", "Tylenol PM",
        "Chlorthalidone 50mg tablet (product)", "Phenytoin 25mg/ml oral suspension",
        "Amoxicillin (product)", "Mometasone Furoate 0.05mg/Actuat"})  # Tylenol PM once


# -- the official Bundle example ------------------------------------------------------------------


def test_the_servers_batch_response_is_read_as_one_record(ruleset: RuleSet) -> None:
    """The spec's answer to a batch of searches (current medications, allergies, problems;
    all medication statements): its Patient is read, and each of the four empty searches is
    reported and answers nothing (absence is not "none")."""
    result = run(load("Bundle-bundle-response-medsallergies.json"), ruleset)
    case = result.case_data
    assert case["patient"]["name"] == "Peter James Chalmers"
    for missing in ("opioids", "other_medications", "history", "pain"):
        assert missing not in case
    empty = [i for i in result.report if i.resource_type == "Bundle"]
    assert [i.reason.split(":")[0] for i in empty] == [
        f"entry[{n}].resource" for n in (1, 2, 3, 4)]
    assert all("empty search result" in i.reason and not i.mapped for i in empty)
    assessment = assess(parse_case(case), on=ON, ruleset=ruleset)
    assert assessment.verdict.value == "needs_information"


def test_empty_searchsets_given_as_a_collection_answer_nothing(ruleset: RuleSet) -> None:
    response = load("Bundle-bundle-response-medsallergies.json")
    result = run(collection(*(e["resource"] for e in response["entry"])), ruleset)
    case = result.case_data
    assert case["patient"]["name"] == "Peter James Chalmers"
    for missing in ("opioids", "other_medications", "history", "pain"):
        assert missing not in case
    nested = [i for i in result.report if i.resource_type == "Bundle"]
    assert len(nested) == 4
    assert all(not i.mapped for i in nested)


def test_chalmers_record_assesses_as_needs_information(ruleset: RuleSet) -> None:
    resources = [chalmers(), *(load(f"Condition-{i}.json")
                               for i in ("example", "example2", "stroke")),
                 *(load(f"AllergyIntolerance-{i}.json")
                   for i in ("medication", "fishallergy", "nkla"))]
    result = run(collection(*resources), ruleset)
    assert all(accounted_for(result, r) for r in resources)
    assert result.case is not None
    assessment = assess(result.case, on=ON, ruleset=ruleset)
    assert assessment.verdict.value == "needs_information"
