"""The codes the FHIR import maps (``resources/fhir/conditions.yaml``): schema and cross-checks.

Kept apart from :mod:`ldn_cds.core.fhir_import` so that loading the rule set (which validates
this file) does not import the importer itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ldn_cds.core.models import PainType

MAPPING_FILE = "fhir/conditions.yaml"
SystemKey = Literal["snomed", "icd10cm", "loinc", "rxnorm"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionCode(_Data):
    """One code of a Condition and the coded pain condition it is."""

    system: SystemKey
    code: str = Field(min_length=1, max_length=40)
    display: str = Field(min_length=2)
    condition: str = Field(pattern=r"^[a-z][a-z0-9_]*$",
                           description="A code of vocabulary/conditions.yaml.")
    pain_types: list[PainType] = Field(default_factory=list)
    pain_types_source: str | None = Field(None, min_length=10)
    verified: bool = Field(description="False: known here but not checked; not used.")
    source: str = Field(min_length=10, description="Where the code was checked.")
    note: str | None = None

    @model_validator(mode="after")
    def _types_need_source(self) -> ConditionCode:
        if self.pain_types and self.pain_types_source is None:
            raise ValueError("pain_types needs pain_types_source (what says so)")
        return self


HistoryField = Literal["opioid_use_disorder", "liver", "renal", "depression",
                       "suicidal_ideation", "hypothyroidism_cause"]
HISTORY_VALUES: dict[str, tuple[str | bool, ...]] = {
    # the answers a code may give, least to most serious: two codes for one question give
    # the more serious answer (the other is reported)
    "opioid_use_disorder": ("remission", "on_maintenance"),
    "liver": ("mild", "cirrhosis", "acute_hepatitis", "liver_failure"),
    "renal": ("mild", "moderate", "severe"),
    "depression": (True,),
    "suicidal_ideation": (True,),
    "hypothyroidism_cause": ("other", "thyroidectomy", "hashimoto"),
}


class HistoryCode(_Data):
    """One code of a Condition and the safety-history answer it gives (``value``), or, with
    ``value`` null, a diagnosis the record holds that the physician must answer about."""

    system: SystemKey
    code: str = Field(min_length=1, max_length=40)
    display: str = Field(min_length=2)
    field: HistoryField
    value: str | bool | None
    remission_value: str | None = Field(
        None, description="The answer when the Condition's clinical status is 'remission'.")
    verified: bool = Field(description="False: known here but not checked; not used.")
    source: str = Field(min_length=10, description="Where the code was seen with its display.")
    note: str | None = None

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> HistoryCode:
        allowed = HISTORY_VALUES[self.field]
        for name, value in (("value", self.value), ("remission_value", self.remission_value)):
            if value is not None and value not in allowed:
                raise ValueError(f"{name} {value!r} is not an answer of history.{self.field} "
                                 f"(one of {', '.join(map(str, allowed))})")
        return self


class ObservationCode(_Data):
    system: SystemKey
    code: str = Field(min_length=1, max_length=40)
    display: str = Field(min_length=2)
    source: str = Field(min_length=10)


class ObservationCodes(_Data):
    pain_score: list[ObservationCode] = Field(min_length=1)
    pregnancy_status: list[ObservationCode] = Field(min_length=1)
    pregnant: list[ObservationCode] = Field(min_length=1)
    not_pregnant: list[ObservationCode] = Field(min_length=1)


class FhirMapping(_Data):
    """``resources/fhir/conditions.yaml``: the codes the FHIR import maps."""

    systems: dict[SystemKey, str]
    conditions: list[ConditionCode] = Field(min_length=1)
    history: list[HistoryCode] = Field(default_factory=list)
    observations: ObservationCodes
    allergy_ingredients: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_and_complete(self) -> FhirMapping:
        missing = {"snomed", "icd10cm", "loinc", "rxnorm"} - set(self.systems)
        if missing:
            raise ValueError(f"systems: missing {sorted(missing)}")
        seen: set[tuple[str, str]] = set()
        coded: list[ConditionCode | HistoryCode] = [*self.conditions, *self.history]
        for entry in coded:
            key = (entry.system, entry.code)
            if key in seen:
                raise ValueError(f"conditions: {entry.system} code {entry.code!r} listed twice")
            seen.add(key)
        return self

    def url(self, key: SystemKey) -> str:
        return self.systems[key]


def check_mapping(mapping: FhirMapping, condition_codes: Iterable[str],
                  ingredients: Iterable[str] | None) -> list[tuple[str, str]]:
    """Cross-checks against the rest of the rule set: (location, message) per problem."""
    problems: list[tuple[str, str]] = []
    coded = set(condition_codes)
    for i, entry in enumerate(mapping.conditions):
        if entry.condition not in coded:
            problems.append((f"conditions[{i}] ({entry.system} {entry.code}).condition",
                             f"{entry.condition!r} is not in vocabulary/conditions.yaml"))
    if ingredients is not None:
        known = set(ingredients)
        for i, ing in enumerate(mapping.allergy_ingredients):
            if ing not in known:
                problems.append((f"allergy_ingredients[{i}]",
                                 f"{ing!r} is not an ingredient of the medication vocabulary"))
    return problems
