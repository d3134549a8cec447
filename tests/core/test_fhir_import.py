"""FHIR R4 import: hand-made bundles shaped like record-system exports become cases.

Expectations come from reading each bundle as a physician would (e.g. Percocet 5/325, one
tablet every 6 hours, is 4 x 5 = 20 mg oxycodone a day), not from running the importer.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_cds.core.assessment import assess
from ldn_cds.core.fhir_import import FhirImportError, ImportResult, ReportItem, import_bundle
from ldn_cds.core.models import parse_case
from ldn_cds.core.rulecheck import RuleSetError, build_ruleset
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import read_files, resources_dir

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
ON = date(2026, 11, 23)
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SCT = "http://snomed.info/sct"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def run(bundle: Any, ruleset: RuleSet) -> ImportResult:
    return import_bundle(bundle, ruleset, on=ON)


def reasons(result: ImportResult, resource_type: str, rid: str) -> list[str]:
    return [i.reason for i in result.report if i.resource_type == resource_type and i.id == rid]


def only_opioid(result: ImportResult) -> dict[str, Any]:
    meds = result.case_data["opioids"]["medications"]
    assert len(meds) == 1
    found: dict[str, Any] = meds[0]
    return found


def test_there_are_at_least_ten_hand_made_bundles() -> None:
    assert len(list(DATA.glob("*.json"))) >= 10


# -- what each bundle holds ------------------------------------------------------------------


def test_epic_percocet_by_brand_every_6_hours(ruleset: RuleSet) -> None:
    result = run(load("epic-percocet-current.json"), ruleset)
    case = result.case_data
    assert case["patient"] == {"name": "Maria Lopez", "record_id": "E1001",
                               "date_of_birth": "1971-05-14", "sex": "female"}
    assert case["pain"]["conditions"] == ["fibromyalgia"]
    assert case["pain"]["score_now"] == 6  # the latest of 8 (June) and 6 (November)
    assert case["opioids"]["status"] == "current"
    med = only_opioid(result)
    assert "oxycodone" in med["drug"]
    assert med["release"] == "immediate"
    assert (med["daily_dose"], med["unit"], med["use"]) == (20, "mg/day", "daily")
    # unanswered safety questions stay unknown
    assert "history" not in case
    assert "pregnant" not in case["patient"]
    assert result.case is not None


def test_cerner_fentanyl_patch_through_a_medication_reference(ruleset: RuleSet) -> None:
    result = run(load("cerner-fentanyl-patch.json"), ruleset)
    med = only_opioid(result)
    assert "fentanyl" in med["drug"]
    assert (med["release"], med["daily_dose"], med["unit"]) == ("transdermal", 25, "mcg/h")
    assert result.case_data["pain"]["conditions"] == ["osteoarthritis"]


def test_suboxone_film_statement_and_a_refuted_condition(ruleset: RuleSet) -> None:
    result = run(load("suboxone-film-statement.json"), ruleset)
    med = only_opioid(result)
    assert "buprenorphine" in med["drug"]
    assert (med["daily_dose"], med["unit"]) == (8, "mg/day")  # 1 film of 8 mg/2 mg a day
    assert result.case_data["pain"]["conditions"] == ["rheumatoid_arthritis"]
    assert any("refuted" in r for r in reasons(result, "Condition", "c2"))


def test_unmappable_opioid_looking_text_makes_status_unknown(ruleset: RuleSet) -> None:
    result = run(load("unmappable-opioid-text.json"), ruleset)
    case = result.case_data
    assert case["opioids"]["status"] == "unknown"  # never "none"
    text = "hydro 10 mg tab - pt reports from outside prescriber"
    assert text in case["other_medications"]  # shown to the physician as written
    assert "levothyroxine 75 mcg tablet" in case["other_medications"]
    assert any("may be an opioid" in r for r in reasons(result, "MedicationStatement", "ms4"))


def test_stopped_oxycodone_dose_range_counts_its_upper_bound(ruleset: RuleSet) -> None:
    result = run(load("oxycodone-stopped-range.json"), ruleset)
    case = result.case_data
    assert case["opioids"]["status"] == "stopped"
    med = only_opioid(result)
    # 1-2 tablets of 5 mg every 4 hours as needed: at most 2 x 5 x 6 = 60 mg a day
    assert (med["daily_dose"], med["use"], med["last_dose_on"]) == (60, "as_needed",
                                                                     "2026-10-20")
    said = " ".join(reasons(result, "MedicationRequest", "m5"))
    assert "upper bound" in said
    assert "as needed" in said
    # a resolved migraine is not a current condition, and the report says so
    assert case["pain"]["conditions"] == ["chronic_low_back_pain"]
    assert any("resolved" in r for r in reasons(result, "Condition", "c2"))


def test_searchset_with_include_and_no_medicines(ruleset: RuleSet) -> None:
    result = run(load("searchset-no-medicines.json"), ruleset)
    case = result.case_data
    assert case["patient"]["name"] == "Grace Kim"  # the included Patient is read
    assert case["patient"]["pregnant"] is False
    assert case["pain"]["conditions"] == ["rheumatoid_arthritis"]  # migraine is inactive
    # no medicine in the bundle is not "no opioids" and not "no other medicines"
    assert "opioids" not in case
    assert "other_medications" not in case
    assessment = assess(parse_case(case), on=ON, ruleset=ruleset)
    assert assessment.verdict.value == "needs_information"


def test_transaction_naltrexone_allergy(ruleset: RuleSet) -> None:
    result = run(load("transaction-naltrexone-allergy.json"), ruleset)
    assert result.case_data["history"] == {"naltrexone_hypersensitivity": True}
    assert any("only naltrexone and naloxone" in r
               for r in reasons(result, "AllergyIntolerance", "a2"))
    assert result.case_data["pain"]["conditions"] == ["crohns_disease"]


def test_batch_refuted_allergy_is_not_an_answer_and_pregnancy_is(ruleset: RuleSet) -> None:
    result = run(load("batch-refuted-allergy-pregnant.json"), ruleset)
    assert "history" not in result.case_data  # refuted: unanswered, not "no"
    assert any("refuted" in r for r in reasons(result, "AllergyIntolerance", "a1"))
    assert result.case_data["patient"]["pregnant"] is True
    assert result.case_data["pain"]["conditions"] == ["me_cfs"]


def test_dispense_whose_supply_ended_is_a_stopped_opioid(ruleset: RuleSet) -> None:
    result = run(load("dispense-tramadol-ended.json"), ruleset)
    med = only_opioid(result)
    # handed over 2026-10-01 for 30 days; 1 tablet of 50 mg three times a day (TID)
    assert result.case_data["opioids"]["status"] == "stopped"
    assert (med["daily_dose"], med["last_dose_on"]) == (150, "2026-10-31")
    assert any("end of the supply" in r for r in reasons(result, "MedicationDispense", "d1"))


def test_contained_medication_and_other_medicines(ruleset: RuleSet) -> None:
    result = run(load("contained-morphine-er.json"), ruleset)
    med = only_opioid(result)
    assert (med["release"], med["daily_dose"]) == ("extended", 30)  # 15 mg twice a day
    assert result.case_data["other_medications"] == ["levothyroxine (SYNTHROID) 75 MCG tablet"]
    assert any("stopped or completed" in r for r in reasons(result, "MedicationRequest", "m12"))
    assert any("not read" in r for r in reasons(result, "Encounter", "e1"))


def test_cerner_medication_with_ingredient_strength_and_urn_references(
        ruleset: RuleSet) -> None:
    result = run(load("cerner-dilaudid-ingredient-strength.json"), ruleset)
    med = only_opioid(result)
    # Dilaudid names no strength; Medication.ingredient says 2 mg per tablet; 1 tablet every
    # 4 hours as needed is at most 6 tablets, 12 mg hydromorphone a day
    assert (med["drug"], med["daily_dose"], med["use"]) == ("Dilaudid oral tablet", 12,
                                                            "as_needed")
    assert result.case_data["patient"]["record_id"] == "10002700"
    assert "other_medications" not in result.case_data  # gabapentin was completed in March
    assert any("stopped or completed" in r
               for r in reasons(result, "MedicationStatement", "ms-gaba"))


def test_look_alikes_do_not_map(ruleset: RuleSet) -> None:
    result = run(load("look-alikes.json"), ruleset)
    case = result.case_data
    assert "opioids" not in case  # oxybutynin, hydroxyzine and Tylenol are not opioids
    assert case["other_medications"] == ["oxybutynin 5 mg tablet",
                                         "hydroxyzine HCl 25 mg tablet", "Tylenol 325 mg tablet"]
    # myalgia is not fibromyalgia; a right code in the wrong system maps nothing
    assert "pain" not in case
    assert len([i for i in result.report if i.resource_type == "Condition"]) == 3
    assert "history" not in case  # a naproxen allergy says nothing about naltrexone


def test_problem_list_answers_the_safety_history_it_holds(ruleset: RuleSet) -> None:
    """A problem list: each active (or current-by-default) coded Condition answers its
    question, a past, provisional or unverified one answers nothing, and two codes for one
    question keep the more serious answer."""
    result = run(load("problem-list-safety-history.json"), ruleset)
    history = result.case_data["history"]
    assert history == {"opioid_use_disorder": "remission",  # F11.20, clinical status remission
                       "renal": "severe",  # N18.4 beats CKD stage 3
                       "depression": True,  # no clinical status: taken as current, said
                       "hypothyroidism_cause": "hashimoto"}  # E06.3
    assert result.case_data["pain"]["conditions"] == ["fibromyalgia"]
    said = {i.id: i.reason for i in result.report if i.resource_type == "Condition"}
    assert "the more serious answer, severe, was kept" in said["h3"]
    assert "no clinical status in the record, taken as current" in said["h5"]
    assert "resolved" in said["h4"]  # acute hepatitis, resolved: liver stays open
    assert "liver" not in history
    assert "unverified" in said["h7"]
    assert "does not say which answer" in said["h8"]  # CKD, stage not stated
    assert "provisional" in said["h9"]
    assert "suicidal_ideation" not in history


@pytest.mark.parametrize(("code", "clinical", "expected", "words"), [
    ("F11.20", "active", None, "does not say which answer"),  # OUD: remission or maintenance?
    ("F11.21", "active", "remission", "opioid use disorder: remission"),
    ("1081000119105", "active", "on_maintenance", "on maintenance"),
    ("F11.20", "resolved", None, "not answered from a past condition"),
])
def test_opioid_use_disorder_codes(ruleset: RuleSet, code: str, clinical: str,
                                   expected: str | None, words: str) -> None:
    system = SCT if code.isdigit() else "http://hl7.org/fhir/sid/icd-10-cm"
    condition = {"resourceType": "Condition", "id": "c1",
                 "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/"
                                                "CodeSystem/condition-clinical",
                                                "code": clinical}]},
                 "code": {"coding": [{"system": system, "code": code}], "text": "OUD"}}
    result = run({"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": condition}]}, ruleset)
    assert result.case_data.get("history", {}).get("opioid_use_disorder") == expected
    (said,) = reasons(result, "Condition", "c1")
    assert words in said


def test_a_dose_given_in_hospital_is_not_a_current_or_stopped_opioid(
        ruleset: RuleSet) -> None:
    """MedicationAdministration: morphine given on 21 November says it was taken then, not
    whether it goes on: opioid use is unknown, with the date in the report; a dose not given
    (not-done) is ignored; a non-opioid given is listed."""
    result = run(load("hospital-morphine-administration.json"), ruleset)
    case = result.case_data
    assert case["opioids"]["status"] == "unknown"
    (med,) = case["opioids"]["medications"]
    assert med == {"drug": "morphine sulfate 4 mg/mL injection"}  # no daily dose, no date
    (said,) = reasons(result, "MedicationAdministration", "ma1")
    assert "given on 2026-11-21 (administration completed)" in said
    assert "no daily dose from one dose given" in said
    assert "no dosage instructions" not in said  # said once, not twice
    assert "not-done" in reasons(result, "MedicationAdministration", "ma2")[0]
    assert case["other_medications"] == ["ondansetron 4 mg injection"]


def test_stopped_ldn_fills_the_ldn_section_and_a_next_page_is_reported(
        ruleset: RuleSet) -> None:
    result = run(load("ldn-stopped-paged-search.json"), ruleset)
    case = result.case_data
    # 1 capsule of 4.5 mg once a day, bounds ending 2026-11-15: the restart dose depends on it
    assert case["ldn"] == {"status": "stopped", "dose_mg": 4.5, "last_dose_on": "2026-11-15"}
    assert case["other_medications"] == ["gabapentin 300 mg capsule"]  # LDN is not listed
    assert "opioids" not in case  # naltrexone is not an opioid
    pages = [i for i in result.report if i.resource_type == "Bundle"]
    assert len(pages) == 1
    assert "more pages" in pages[0].reason
    assessment = assess(parse_case(complete(case, {"opioids": {"status": "none"}})),
                        on=ON, ruleset=ruleset)
    already = next(f for f in assessment.findings if f.rule_id == "already-on-ldn")
    assert "4.5 mg" in already.summary


def test_current_ldn_is_in_the_ldn_section_and_listed(ruleset: RuleSet) -> None:
    request = {"resourceType": "MedicationRequest", "id": "r9", "status": "active",
               "intent": "order",
               "medicationCodeableConcept": {"text": "LDN 3 mg capsule"},
               "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1,
                                                            "periodUnit": "d"}},
                                      "doseAndRate": [{"doseQuantity": {
                                          "value": 3, "unit": "mg"}}]}]}
    result = run({"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": request}]}, ruleset)
    assert result.case_data["ldn"] == {"status": "current", "dose_mg": 3}
    assert result.case_data["other_medications"] == ["LDN 3 mg capsule"]


def test_a_batch_response_is_read_and_a_failed_search_is_reported(ruleset: RuleSet) -> None:
    result = run(load("batch-response-one-search-forbidden.json"), ruleset)
    case = result.case_data
    assert case["patient"]["name"] == "Lea Stone"
    assert case["opioids"]["status"] == "current"  # from the searchset inside the response
    assert (only_opioid(result)["daily_dose"]) == 15  # 5 mg every 8 hours
    failed = [i for i in result.report if i.resource_type == "Bundle"]
    assert len(failed) == 1
    assert "HTTP 403 Forbidden" in failed[0].reason
    assert failed[0].reason.startswith("entry[2]")


# -- round trips: import -> the physician answers the rest -> assess -------------------------

ANSWERS: dict[str, Any] = {
    "other_medications": [],  # "no others" (an imported list is kept as it is)
    "patient": {"breastfeeding": False},
    "pain": {"types": ["nociplastic"], "duration_months": 24, "score_now": 7},
    "history": {"naltrexone_hypersensitivity": False, "liver": "none", "renal": "none",
                "opioid_use_disorder": "none", "surgery_planned": False,
                "hypothyroidism_on_levothyroxine": False, "immunosuppressed": False,
                "depression": False, "suicidal_ideation": False,
                "depression_or_suicidality": False, "insomnia_or_vivid_dreams": False,
                "multiple_drug_sensitivities": False},
}


def complete(imported: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """What the physician adds: every answer the import left open; the record's answers
    stay as imported."""
    out = copy.deepcopy(imported)
    for source in (extra, ANSWERS):
        for key, value in source.items():
            if isinstance(value, dict):
                section = out.setdefault(key, {})
                for field, answer in value.items():
                    section.setdefault(field, answer)
            else:
                out.setdefault(key, value)
    return out


FEMALE = {"patient": {"pregnant": False}}


@pytest.mark.parametrize(("name", "extra", "verdict"), [
    ("epic-percocet-current.json", FEMALE, "not_yet"),  # a current full agonist
    ("cerner-fentanyl-patch.json", {}, "not_yet"),
    ("cerner-dilaudid-ingredient-strength.json", FEMALE, "not_yet"),
    ("contained-morphine-er.json",
     {**FEMALE, "history": {"hypothyroidism_on_levothyroxine": True}}, "not_yet"),
    ("suboxone-film-statement.json",
     {**FEMALE, "history": {"opioid_use_disorder": "on_maintenance"}}, "contraindicated"),
    ("transaction-naltrexone-allergy.json", {"opioids": {"status": "none"}},
     "contraindicated"),
    ("batch-refuted-allergy-pregnant.json", {"opioids": {"status": "none"}},
     "contraindicated"),  # pregnant
    ("dispense-tramadol-ended.json", {}, "candidate"),  # supply ended 2026-10-31
    ("oxycodone-stopped-range.json", {}, "candidate"),  # last dose 2026-10-20
    ("searchset-no-medicines.json", {"opioids": {"status": "none"}}, "candidate"),
    ("hospital-morphine-administration.json", FEMALE,
     "needs_information"),  # morphine given yesterday: whether it goes on is not known
    ("ldn-stopped-paged-search.json", {"opioids": {"status": "none"}}, "candidate"),
    ("problem-list-safety-history.json", {"opioids": {"status": "none"}},
     "candidate_with_cautions"),  # OUD in remission, CKD stage 4, depression
    ("batch-response-one-search-forbidden.json", FEMALE, "not_yet"),
    ("unmappable-opioid-text.json",
     {**FEMALE, "history": {"hypothyroidism_on_levothyroxine": True}},
     "needs_information"),  # the record cannot say whether 'hydro' is an opioid
])
def test_round_trip_verdict(ruleset: RuleSet, name: str, extra: dict[str, Any],
                            verdict: str) -> None:
    result = run(load(name), ruleset)
    assert result.case is not None, result.problems
    case = parse_case(complete(result.case_data, extra))
    assessment = assess(case, on=ON, ruleset=ruleset)
    assert assessment.verdict.value == verdict, [f.rule_id for f in assessment.findings]
    if verdict == "not_yet":
        assert any(f.rule_id == "opioid-current" for f in assessment.findings)


def test_mme_of_imported_patch_and_tablets(ruleset: RuleSet) -> None:
    """The imported doses are the ones the MME table converts (fentanyl 25 mcg/h is 60 MME
    with the CDC factor 2.4; 20 mg oxycodone is 30 MME)."""
    patch = assess(parse_case(run(load("cerner-fentanyl-patch.json"), ruleset).case_data),
                   on=ON, ruleset=ruleset)
    pills = assess(parse_case(run(load("epic-percocet-current.json"), ruleset).case_data),
                   on=ON, ruleset=ruleset)
    assert (patch.mme_per_day, pills.mme_per_day) == (60, 30)


# -- edge cases made from the bundles ----------------------------------------------------------


def test_request_and_dispense_of_one_medicine_count_once(ruleset: RuleSet) -> None:
    bundle = load("epic-percocet-current.json")
    request = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "MedicationRequest")
    dispense = {"resourceType": "MedicationDispense", "id": "d9", "status": "completed",
                "medicationCodeableConcept": request["medicationCodeableConcept"],
                "whenHandedOver": "2026-11-15", "daysSupply": {"value": 30},
                "dosageInstruction": request["dosageInstruction"]}
    bundle["entry"].append({"resource": dispense})
    result = run(bundle, ruleset)
    assert only_opioid(result)["daily_dose"] == 20  # not 40
    assert any("merged" in i.reason for i in result.report)


def test_on_hold_opioid_is_unknown_not_current_or_none(ruleset: RuleSet) -> None:
    bundle = load("epic-percocet-current.json")
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "MedicationRequest":
            entry["resource"]["status"] = "on-hold"
    assert run(bundle, ruleset).case_data["opioids"]["status"] == "unknown"


def test_a_proposed_opioid_counts_as_current_and_says_so(ruleset: RuleSet) -> None:
    bundle = load("epic-percocet-current.json")
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "MedicationRequest":
            entry["resource"]["intent"] = "proposal"
    result = run(bundle, ruleset)
    assert result.case_data["opioids"]["status"] == "current"
    assert any("intent proposal" in r for r in reasons(result, "MedicationRequest", "m1"))


def test_entered_in_error_request_is_ignored_and_reported(ruleset: RuleSet) -> None:
    bundle = load("epic-percocet-current.json")
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "MedicationRequest":
            entry["resource"]["status"] = "entered-in-error"
    result = run(bundle, ruleset)
    assert "opioids" not in result.case_data
    assert any("entered-in-error" in r for r in reasons(result, "MedicationRequest", "m1"))


def test_unverified_mapping_entry_is_not_used(ruleset: RuleSet) -> None:
    bundle = load("look-alikes.json")
    bundle["entry"].append({"resource": {
        "resourceType": "Condition", "id": "ms",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G35"}],
                 "text": "Multiple sclerosis"}}})
    result = run(bundle, ruleset)
    assert "pain" not in result.case_data
    assert any("unverified" in r for r in reasons(result, "Condition", "ms"))


def test_reference_to_a_medication_outside_the_bundle(ruleset: RuleSet) -> None:
    bundle = load("cerner-fentanyl-patch.json")
    bundle["entry"] = [e for e in bundle["entry"]
                       if e["resource"]["resourceType"] != "Medication"]
    result = run(bundle, ruleset)
    # the display 'fentanyl 25 mcg/hr patch' still names an opioid
    assert result.case_data["opioids"]["status"] == "current"
    assert any("not in the bundle" in r for r in reasons(result, "MedicationRequest", "m2"))


def test_male_and_pregnant_in_one_record_is_a_problem_not_a_case(ruleset: RuleSet) -> None:
    bundle = load("batch-refuted-allergy-pregnant.json")
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["gender"] = "male"
    result = run(bundle, ruleset)
    assert result.case is None
    assert any("pregnant" in p for p in result.problems)


@pytest.mark.parametrize(("bundle", "where"), [
    ([], ""),
    ({"resourceType": "Patient"}, "resourceType"),
    ({"resourceType": "Bundle", "type": "document", "entry": []}, "type"),
    ({"resourceType": "Bundle", "entry": []}, "type"),
    ({"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "x"}]},
     "entry[0].resource"),
    ({"resourceType": "Bundle", "type": "collection",
      "entry": [{"resource": {"id": "1"}}]}, "entry[0].resource.resourceType"),
    ({"resourceType": "Bundle", "type": "collection",
      "entry": [{"resource": {"resourceType": "MedicationRequest", "intent": "order",
                              "medicationCodeableConcept": {"text": "oxycodone"}}}]},
     "entry[0].resource.status"),
    ({"resourceType": "Bundle", "type": "collection",
      "entry": [{"resource": {"resourceType": "MedicationStatement", "status": "active"}}]},
     "entry[0].resource.medication[x]"),
    ({"resourceType": "Bundle", "type": "collection",
      "entry": [{"resource": {"resourceType": "Patient", "id": "a"}},
                {"resource": {"resourceType": "Patient", "id": "b"}}]}, "entry"),
    ({"resourceType": "Bundle", "type": "collection",
      "entry": [{"resource": {"resourceType": "Patient", "id": "a"}},
                {"resource": {"resourceType": "MedicationStatement", "status": "active",
                              "subject": {"reference": "Patient/b"},
                              "medicationCodeableConcept": {"text": "oxycodone"}}}]},
     "entry[1].resource.subject.reference"),
])
def test_bad_input_names_the_field(ruleset: RuleSet, bundle: Any, where: str) -> None:
    with pytest.raises(FhirImportError) as info:
        run(bundle, ruleset)
    assert info.value.where == where
    assert info.value.message


# -- the mapping is rule-set data ----------------------------------------------------------------


def _files() -> dict[str, Any]:
    files, problems = read_files(resources_dir())
    assert problems == []
    return copy.deepcopy(files)


def test_mapping_schema_forbids_unknown_keys_and_names_the_place() -> None:
    files = _files()
    files["fhir/conditions.yaml"]["conditions"][0]["snomed_ct"] = "x"
    with pytest.raises(RuleSetError) as info:
        build_ruleset(files)
    where = [str(p) for p in info.value.problems]
    assert any(p.startswith("fhir/conditions.yaml: conditions[0].snomed_ct") for p in where)


def test_mapping_to_a_condition_outside_the_coded_list_is_a_problem() -> None:
    files = _files()
    files["fhir/conditions.yaml"]["conditions"][0]["condition"] = "fibro"
    with pytest.raises(RuleSetError) as info:
        build_ruleset(files)
    assert any(p.file == "fhir/conditions.yaml" and "conditions[0]" in p.location
               and "'fibro'" in p.message for p in info.value.problems)


@pytest.mark.parametrize(("change", "words"), [
    ({"value": "severe"}, "is not an answer of history.opioid_use_disorder"),
    ({"field": "kidney"}, "field"),
    ({"remission_value": "on_maintenance", "value": None}, None),  # allowed: an answer
])
def test_a_history_code_must_give_an_answer_of_its_question(
        change: dict[str, Any], words: str | None) -> None:
    files = _files()
    entry = files["fhir/conditions.yaml"]["history"][0]
    assert entry["field"] == "opioid_use_disorder"
    entry.update(change)
    if words is None:
        build_ruleset(files)
        return
    with pytest.raises(RuleSetError) as info:
        build_ruleset(files)
    assert any(p.file == "fhir/conditions.yaml" and p.location.startswith("history[0]")
               and words in f"{p.location} {p.message}" for p in info.value.problems)


def test_a_code_in_both_lists_is_a_problem() -> None:
    files = _files()
    data = files["fhir/conditions.yaml"]
    data["history"][0].update(system=data["conditions"][0]["system"],
                              code=data["conditions"][0]["code"])
    with pytest.raises(RuleSetError) as info:
        build_ruleset(files)
    assert any("listed twice" in p.message for p in info.value.problems)


def test_every_mapping_entry_names_its_source(ruleset: RuleSet) -> None:
    assert ruleset.fhir is not None
    assert all(len(e.source) >= 10 for e in ruleset.fhir.conditions)
    codes = {(e.system, e.code) for e in ruleset.fhir.conditions}
    assert ("snomed", "203082005") in codes
    assert ("icd10cm", "M79.7") in codes


# -- any bundle imports with a report or fails with a clear error --------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -/0123456789", max_size=30)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32), _word)
_codes = st.sampled_from(["1049640", "245134", "1010606", "835603", "203082005", "M79.7",
                          "72514-3", "82810-3", "77386006", "60001007", "active",
                          "refuted", "resolved", "remission", "TID", "h", "d", "F11.20",
                          "F11.21", "1081000119105", "N18.4", "N18.9", "K72.90", "K74.60",
                          "F32.9", "E06.3"])
_systems = st.sampled_from([RX, SCT, "http://loinc.org", "http://hl7.org/fhir/sid/icd-10-cm",
                            "urn:x", None])
_coding = st.fixed_dictionaries({"system": _systems, "code": st.one_of(_codes, _scalar)},
                                optional={"display": _word})
_concept = st.fixed_dictionaries({}, optional={"coding": st.lists(_coding, max_size=3),
                                               "text": st.one_of(_word, _scalar)})
_quantity = st.fixed_dictionaries({}, optional={"value": _scalar,
                                                "unit": st.sampled_from(["tablet", "mg",
                                                                         "patch", "mL"])})
_dosage = st.fixed_dictionaries({}, optional={
    "timing": st.fixed_dictionaries({}, optional={
        "repeat": st.fixed_dictionaries({}, optional={
            "frequency": _scalar, "frequencyMax": _scalar, "period": _scalar,
            "periodUnit": st.sampled_from(["h", "d", "wk", "mo", "x"]), "periodMax": _scalar,
            "boundsPeriod": st.fixed_dictionaries({}, optional={"end": _word})}),
        "code": _concept}),
    "doseAndRate": st.lists(st.fixed_dictionaries({}, optional={
        "doseQuantity": _quantity,
        "doseRange": st.fixed_dictionaries({}, optional={"low": _quantity,
                                                         "high": _quantity})}), max_size=2),
    "asNeededBoolean": st.booleans()})
_dates = st.one_of(st.sampled_from(["2026-11-01", "2026-11-20T10:00:00Z", "2026-02-30",
                                    "2026-11", "9999-12-31", "0001-01-01"]), _scalar)
_status = st.sampled_from(["active", "completed", "stopped", "on-hold", "final",
                           "entered-in-error", "unknown"])
_resource = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Patient", "Condition", "MedicationRequest",
                                      "MedicationStatement", "MedicationDispense",
                                      "MedicationAdministration", "AllergyIntolerance",
                                      "Observation", "Medication", "Encounter",
                                      "OperationOutcome"]),
     "status": st.one_of(_status, _status, _status, _scalar),
     "intent": st.just("order")},
    optional={
        "id": st.one_of(_word, _scalar),
        "medicationCodeableConcept": st.one_of(_concept, _scalar),
        "medicationReference": st.fixed_dictionaries({}, optional={
            "reference": st.sampled_from(["#m", "Medication/m", "Medication/zz"]),
            "display": _word}),
        "contained": st.lists(st.fixed_dictionaries(
            {"resourceType": st.just("Medication"), "id": st.just("m")},
            optional={"code": _concept}), max_size=1),
        "code": st.one_of(_concept, _scalar),
        "clinicalStatus": _concept, "verificationStatus": _concept,
        "dosageInstruction": st.lists(_dosage, max_size=2),
        "dosage": st.one_of(st.lists(_dosage, max_size=2), _scalar),
        "valueQuantity": _quantity, "valueInteger": _scalar,
        "valueCodeableConcept": _concept, "effectiveDateTime": _dates,
        "whenHandedOver": _dates, "daysSupply": _quantity, "birthDate": _dates,
        "gender": st.sampled_from(["female", "male", "other", "unknown"]),
        "name": st.lists(st.fixed_dictionaries({}, optional={
            "text": _word, "given": st.lists(_word, max_size=2), "family": _word}),
            max_size=2),
    })
_good_entry = st.fixed_dictionaries({"resource": _resource}, optional={"fullUrl": _word})
_entry = st.one_of(_good_entry, _good_entry, _good_entry, _scalar)  # mostly well formed
_readable = st.fixed_dictionaries({
    "resourceType": st.just("Bundle"),
    "type": st.sampled_from(["collection", "searchset", "transaction", "batch",
                             "batch-response"]),
    "entry": st.lists(_entry, max_size=6)})
_nested = st.fixed_dictionaries({  # a batch-response holding searchsets
    "resourceType": st.just("Bundle"), "type": st.just("batch-response"),
    "entry": st.lists(st.one_of(st.fixed_dictionaries({"resource": _readable}), _entry,
                                st.fixed_dictionaries({"response": st.fixed_dictionaries(
                                    {"status": st.sampled_from(["200 OK", "404", "x"])})})),
                      max_size=3)})
_bundle = st.one_of(
    _readable, _readable, _readable, _readable, _nested,
    st.fixed_dictionaries({"resourceType": st.just("Bundle"),
                           "type": st.sampled_from(["document", "history", "message"]),
                           "entry": st.lists(_entry, max_size=2)}),
    _scalar, st.lists(_scalar, max_size=2))


_well_formed = st.fixed_dictionaries({
    "resourceType": st.just("Bundle"),
    "type": st.sampled_from(["collection", "searchset", "transaction", "batch"]),
    "entry": st.lists(_good_entry, min_size=1, max_size=8)})


@st.composite
def any_bundle(draw: st.DrawFn) -> Any:
    """Mostly readable bundles with odd contents, some not bundles at all (a composite, so
    that Hypothesis names it briefly instead of printing the whole nested strategy)."""
    return draw(st.one_of(_bundle, _well_formed))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundle=any_bundle())
def test_any_bundle_imports_with_a_report_or_fails_clearly(ruleset: RuleSet,
                                                           bundle: Any) -> None:
    try:
        result = import_bundle(bundle, ruleset, on=ON)
    except FhirImportError as exc:
        error: FhirImportError | None = exc
    else:
        error = None
    if error is not None:
        assert error.message  # one clear line, and no other exception got here
        return
    assert isinstance(result.report, list)
    assert all(isinstance(item, ReportItem) and item.reason for item in result.report)
    if result.case is None:
        assert result.problems  # the reason is said
    else:
        opioids = result.case_data.get("opioids", {})
        # nothing in a bundle ever makes the importer answer "no opioids", or "no" to a
        # safety question
        assert opioids.get("status") != "none"
        for answer in result.case_data.get("history", {}).values():
            assert answer not in ("none", False)
        json.dumps(result.case_data)  # writable as a case file


# -- the hand-made bundles are valid FHIR (checked by an independent model library) ---------------


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.name)
def test_hand_made_bundle_is_valid_fhir(path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle  # R4 JSON parses as R4B (platform notes)

    bundle = Bundle.model_validate(load(path.name))
    assert bundle.entry


def test_the_fhir_check_would_catch_a_broken_resource() -> None:
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    data = load("epic-percocet-current.json")
    data["entry"][2]["resource"]["dosageInstruction"][0]["timing"]["repeat"]["periodUnit"] = 6
    with pytest.raises(ValidationError):
        Bundle.model_validate(data)
