"""Case model: the product.md contract parses; bad input is rejected with its field path."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from ldn_cds.core.errors import describe, field_path
from ldn_cds.core.models import (
    Case,
    DoseUnit,
    OpioidStatus,
    Release,
    Sex,
    case_json_schema,
    parse_case,
)

CONTRACT_EXAMPLE = """
{
  "schema_version": 1,
  "assessed_on": "2026-11-23",
  "patient": {"name": "Jane Doe", "record_id": "MRN-1", "date_of_birth": "1968-04-02",
              "sex": "female", "pregnant": false, "breastfeeding": false},
  "pain": {"types": ["neuropathic"], "conditions": ["diabetic_neuropathy"],
           "duration_months": 14, "score_now": 7},
  "opioids": {"status": "stopped",
              "medications": [{"drug": "oxycodone", "release": "immediate", "daily_dose": 20,
                               "unit": "mg/day", "last_dose_on": "2026-11-10"}]},
  "history": {"naltrexone_hypersensitivity": false, "liver": "none", "renal": "none",
              "opioid_use_disorder": "none", "surgery_planned": false, "planned_surgery_on": null,
              "hypothyroidism_on_levothyroxine": false, "immunosuppressed": false,
              "depression_or_suicidality": false},
  "other_medications": ["levothyroxine"]
}
"""


def _base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CONTRACT_EXAMPLE)
    return data


def _problems(data: dict[str, Any] | str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        parse_case(data)
    return describe(info.value)


def test_contract_example_parses() -> None:
    case = parse_case(CONTRACT_EXAMPLE)
    assert case.schema_version == 1
    assert case.assessed_on == date(2026, 11, 23)
    assert case.patient.sex is Sex.FEMALE
    assert case.patient.date_of_birth == date(1968, 4, 2)
    med = case.opioids.medications[0]  # type: ignore[index]
    assert case.opioids.status is OpioidStatus.STOPPED
    assert (med.drug, med.release, med.daily_dose, med.unit) == (
        "oxycodone", Release.IMMEDIATE, 20, DoseUnit.MG_PER_DAY)
    assert med.last_dose_on == date(2026, 11, 10)
    assert case.other_medications == ["levothyroxine"]
    assert case.history.planned_surgery_on is None


def test_dict_and_json_give_the_same_case() -> None:
    assert parse_case(_base()) == parse_case(CONTRACT_EXAMPLE)


def test_absent_means_unknown() -> None:
    case = parse_case({"schema_version": 1})
    assert case.patient.date_of_birth is None
    assert case.patient.pregnant is None
    assert case.opioids.status is None
    assert case.opioids.medications is None
    assert case.other_medications is None
    assert case.history.naltrexone_hypersensitivity is None
    assert case.pain.conditions is None


def test_empty_list_means_none_and_null_section_means_unknown() -> None:
    case = parse_case({"schema_version": 1, "other_medications": [], "history": None,
                       "opioids": {"status": "none", "medications": []}})
    assert case.other_medications == []
    assert case.opioids.medications == []
    assert case.history.liver is None


def test_drug_names_are_normalised() -> None:
    data = _base()
    data["opioids"]["medications"][0]["drug"] = "  OxyCodone "
    # whitespace is collapsed; the case is kept as written (the matcher ignores case)
    assert parse_case(data).opioids.medications[0].drug == "OxyCodone"  # type: ignore[index]


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    node[parts[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("patient.shoe_size", 42, "patient.shoe_size", "unknown field"),
        ("colour", "blue", "colour", "unknown field"),
        ("pain.score_now", "7", "pain.score_now", "valid integer"),
        ("pain.score_now", 11, "pain.score_now", "less than or equal to 10"),
        ("pain.score_now", -1, "pain.score_now", "greater than or equal to 0"),
        ("patient.sex", "f", "patient.sex", "'female', 'male' or 'other'"),
        ("opioids.status", "sometimes", "opioids.status", "'none'"),
        ("history.liver", "bad", "history.liver", "'cirrhosis'"),
        ("patient.date_of_birth", "02/04/1968", "patient.date_of_birth", "YYYY-MM-DD"),
        ("patient.date_of_birth", "1968-02-30", "patient.date_of_birth", "real calendar date"),
        ("patient.pregnant", "no", "patient.pregnant", "valid boolean"),
        ("opioids.medications.0.daily_dose", 0, "opioids.medications[0].daily_dose",
         "greater than 0"),
        ("opioids.medications.0.unit", "mcg/h", "opioids.medications[0]", "transdermal"),
        ("pain.conditions", ["Fibromyalgia"], "pain.conditions", "snake_case"),
        ("schema_version", 2, "schema_version", "must be 1"),
        ("patient", [], "patient", "object"),
    ],
)
def test_bad_input_names_the_field(path: str, value: Any, field: str, message: str) -> None:
    problems = _problems(_set(_base(), path, value))
    assert any(p == field and message in m for p, m in problems), problems


def test_future_last_dose_is_rejected() -> None:
    data = _set(_base(), "opioids.medications.0.last_dose_on", "2026-11-24")
    problems = _problems(data)
    assert any("last_dose_on" in m and "future" in m for _, m in problems), problems


def test_birth_after_assessment_is_rejected() -> None:
    problems = _problems(_set(_base(), "patient.date_of_birth", "2027-01-01"))
    assert any("date_of_birth is after assessed_on" in m for _, m in problems)


def test_male_and_pregnant_is_rejected() -> None:
    data = _base()
    data["patient"].update(sex="male", pregnant=True)
    problems = _problems(data)
    assert any(p == "patient" and "male" in m for p, m in problems), problems


def test_transdermal_in_mg_per_day_is_rejected() -> None:
    data = _base()
    data["opioids"]["medications"][0].update(drug="fentanyl", release="transdermal")
    problems = _problems(data)
    assert any(p == "opioids.medications[0]" and "mcg/h" in m for p, m in problems)


def test_surgery_date_without_surgery_is_rejected() -> None:
    problems = _problems(_set(_base(), "history.planned_surgery_on", "2027-01-01"))
    assert any(p == "history" and "surgery_planned" in m for p, m in problems)


def test_several_problems_reported_at_once() -> None:
    data = _base()
    data["pain"]["score_now"] = 12
    data["patient"]["sex"] = "x"
    data["extra"] = 1
    fields = {p for p, _ in _problems(data)}
    assert {"pain.score_now", "patient.sex", "extra"} <= fields


def test_unknown_key_lists_allowed_fields() -> None:
    problems = _problems(_set(_base(), "history.alergy", True))
    assert [p for p, _ in problems] == ["history.alergy"]
    assert "naltrexone_hypersensitivity" in problems[0][1]


def test_field_path_rendering() -> None:
    assert field_path(("opioids", "medications", 0, "drug")) == "opioids.medications[0].drug"
    assert field_path(()) == "(case)"


def test_timestamp_is_not_a_date() -> None:
    problems = _problems(_set(_base(), "assessed_on", "2026-11-23T10:00:00"))
    assert any(p == "assessed_on" for p, _ in problems)


def test_json_schema() -> None:
    schema = case_json_schema()
    json.dumps(schema)  # serialisable
    assert schema["$schema"].startswith("https://json-schema.org/")
    props = schema["properties"]
    for key in ("schema_version", "patient", "pain", "opioids", "history",
                "other_medications", "plan"):
        assert key in props
    assert schema.get("additionalProperties") is False
    assert "schema_version" in schema["required"]
    defs = json.dumps(schema["$defs"])
    assert "transdermal" in defs
    assert "on_maintenance" in defs


def test_case_is_immutable() -> None:
    case = parse_case(CONTRACT_EXAMPLE)
    with pytest.raises(ValidationError):
        case.assessed_on = date(2027, 1, 1)  # type: ignore[misc]


def test_model_round_trip() -> None:
    case = parse_case(CONTRACT_EXAMPLE)
    again = Case.model_validate_json(case.model_dump_json())
    assert again == case
