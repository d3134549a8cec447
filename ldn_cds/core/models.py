"""The case: what the physician knows about the patient (case-file contract, ``schema_version: 1``).

Every field may be absent or ``null``, which means **not known**; it never means "no".
A list that is absent is not known; an empty list means "none".  Unknown keys are errors.

The models are strict: a JSON number where text is expected, a string where a number is
expected, or an unknown enum value is rejected with the field's location.  Parse case files
with :func:`parse_case` (from a JSON document or a JSON-like ``dict``).
"""

from __future__ import annotations

import json
import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """Accept a date or an ISO ``YYYY-MM-DD`` string; nothing else (no timestamps)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar date (YYYY-MM-DD)") from None
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class PainType(StrEnum):
    INFLAMMATORY = "inflammatory"
    NEUROPATHIC = "neuropathic"
    NOCIPLASTIC = "nociplastic"
    NOCICEPTIVE = "nociceptive"
    MIXED = "mixed"


class OpioidStatus(StrEnum):
    NONE = "none"
    CURRENT = "current"
    STOPPED = "stopped"
    UNKNOWN = "unknown"


class Release(StrEnum):
    """Formulation class: immediate, extended, transdermal patch, or depot (monthly or weekly
    injection, implant)."""

    IMMEDIATE = "immediate"
    EXTENDED = "extended"
    TRANSDERMAL = "transdermal"
    DEPOT = "depot"


class Use(StrEnum):
    """How an opioid is taken: every day (scheduled) or only now and then."""

    DAILY = "daily"
    AS_NEEDED = "as_needed"


class DoseUnit(StrEnum):
    MG_PER_DAY = "mg/day"
    MCG_PER_HOUR = "mcg/h"


class Liver(StrEnum):
    NONE = "none"
    MILD = "mild"
    CIRRHOSIS = "cirrhosis"
    ACUTE_HEPATITIS = "acute_hepatitis"
    LIVER_FAILURE = "liver_failure"


class Renal(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class OpioidUseDisorder(StrEnum):
    NONE = "none"
    REMISSION = "remission"
    ON_MAINTENANCE = "on_maintenance"


class TestResult(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


class ThyroidCause(StrEnum):
    HASHIMOTO = "hashimoto"
    THYROIDECTOMY = "thyroidectomy"
    OTHER = "other"


class DoseForm(StrEnum):
    CAPSULE = "capsule"
    LIQUID = "liquid"


Text = Annotated[str, Field(max_length=10_000)]


class Patient(_Model):
    """Who the patient is.  ``pregnant`` and ``breastfeeding`` apply to female and other sex."""

    name: Text | None = Field(None, description="Full name as printed on documents.")
    record_id: Text | None = Field(None, description="Medical record number or other local id.")
    date_of_birth: IsoDate | None = Field(None, description="ISO date YYYY-MM-DD.")
    sex: Sex | None = Field(None, description="female | male | other.")
    pregnant: bool | None = Field(None, description="Pregnant now (true/false); null = not asked.")
    breastfeeding: bool | None = Field(None, description="Breastfeeding now; null = not asked.")
    postmenopausal: bool | None = Field(
        None, description="Post-menopausal (recorded): the pregnancy question does not apply."
    )

    @model_validator(mode="after")
    def _male_not_pregnant(self) -> Patient:
        if self.sex is Sex.MALE and self.pregnant:
            raise ValueError(
                "pregnant is true but sex is 'male': correct the sex or the pregnancy answer"
            )
        return self


class Pain(_Model):
    """The pain being treated."""

    types: list[PainType] | None = Field(None, description="Pain mechanisms; [] = none recorded.")
    conditions: list[str] | None = Field(
        None, description="snake_case diagnoses, e.g. fibromyalgia, crps, diabetic_neuropathy "
        "(the coded list: resources/vocabulary/conditions.yaml)."
    )
    other_conditions: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        None, description="Conditions written as free text (not in the coded list), kept as "
        "written; no rule reads them and the result says so. [] = none."
    )
    duration_months: int | None = Field(None, ge=0, le=1200, description="Months of pain.")
    score_now: int | None = Field(None, ge=0, le=10, description="Numeric rating scale 0-10.")

    @field_validator("conditions")
    @classmethod
    def _snake_case(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for item in value:
            if not _SNAKE.match(item):
                raise ValueError(
                    f"condition {item!r} must be a snake_case name such as 'fibromyalgia' "
                    "or 'diabetic_neuropathy'"
                )
        return value


class OpioidMedication(_Model):
    """One opioid the patient takes or took."""

    drug: str = Field(
        min_length=1, max_length=200,
        description="The opioid as written: generic or brand, e.g. oxycodone, OxyContin, "
        "hydrocodone/APAP 10/325. Recognised by ingredient.",
    )
    release: Release | None = Field(
        None, description="immediate | extended | transdermal | depot (monthly or weekly "
        "injection, implant). Null: taken from the product name where it says.",
    )
    daily_dose: float | None = Field(
        None, gt=0, le=100_000,
        description="Total daily dose of the opioid ingredient in `unit` (for a combination "
        "such as hydrocodone/APAP, the hydrocodone).",
    )
    unit: DoseUnit | None = Field(None, description="mg/day, or mcg/h for patches.")
    use: Use | None = Field(
        None, description="daily (scheduled, most days) | as_needed (occasional)."
    )
    last_dose_on: IsoDate | None = Field(
        None, description="Date of the last dose (ISO). For a patch: the date the last "
        "patch was removed. For a depot: the date of the last injection.",
    )

    @field_validator("drug")
    @classmethod
    def _normalise_drug(cls, value: str) -> str:
        cleaned = " ".join(value.split())  # as written (the matcher ignores case)
        if not cleaned:
            raise ValueError("drug must name the opioid, e.g. 'oxycodone'")
        return cleaned

    @model_validator(mode="after")
    def _unit_matches_release(self) -> OpioidMedication:
        if self.unit is DoseUnit.MCG_PER_HOUR and self.release not in (None, Release.TRANSDERMAL):
            raise ValueError("unit 'mcg/h' is for patches: set release to 'transdermal'")
        if self.release is Release.TRANSDERMAL and self.unit is DoseUnit.MG_PER_DAY:
            raise ValueError("a transdermal patch is dosed in 'mcg/h', not 'mg/day'")
        return self


class Opioids(_Model):
    """Opioid exposure.  ``status`` null means the question was not asked."""

    status: OpioidStatus | None = Field(None, description="none | current | stopped | unknown.")
    medications: list[OpioidMedication] | None = Field(
        None, description="Opioids taken now (current) or recently (stopped); [] = none."
    )
    urine_drug_screen: TestResult | None = Field(
        None, description="Opioid urine screen result, if done."
    )
    naloxone_challenge: TestResult | None = Field(
        None, description="Naloxone challenge result, if done."
    )
    acute_withdrawal: bool | None = Field(
        None, description="Signs of acute opioid withdrawal now; null = not assessed."
    )


class History(_Model):
    """Safety history.  Every answer is true / false / null (not asked)."""

    naltrexone_hypersensitivity: bool | None = Field(
        None, description="Allergy to naltrexone or an excipient.")
    liver: Liver | None = Field(
        None, description="none | mild | cirrhosis | acute_hepatitis | liver_failure.")
    renal: Renal | None = Field(None, description="none | mild | moderate | severe.")
    opioid_use_disorder: OpioidUseDisorder | None = Field(
        None, description="none | remission | on_maintenance (methadone or buprenorphine "
        "treatment now).")
    surgery_planned: bool | None = Field(None, description="Elective surgery or procedure.")
    planned_surgery_on: IsoDate | None = Field(
        None, description="Date of the planned operation, when known.")
    hypothyroidism_on_levothyroxine: bool | None = Field(
        None, description="Hypothyroidism treated with thyroid hormone.")
    immunosuppressed: bool | None = Field(
        None, description="Organ transplant or permanent immunosuppression.")
    depression_or_suicidality: bool | None = Field(
        None, description="Case format 1.0: depression or suicidality (kept; the split "
        "fields below take precedence when answered).",
    )
    depression: bool | None = Field(None, description="Depression (current or recurrent).")
    suicidal_ideation: bool | None = Field(
        None, description="Current suicidal ideation (thoughts of self-harm now)."
    )
    hypothyroidism_cause: ThyroidCause | None = Field(
        None, description="hashimoto | thyroidectomy | other: the cause of the hypothyroidism."
    )
    insomnia_or_vivid_dreams: bool | None = Field(
        None, description="Insomnia or vivid dreams reported (moves the dose to the morning)."
    )
    multiple_drug_sensitivities: bool | None = Field(
        None, description="Known sensitivity to many drugs (chooses the slow titration)."
    )

    @model_validator(mode="after")
    def _surgery_date_needs_surgery(self) -> History:
        if self.surgery_planned is False and self.planned_surgery_on is not None:
            raise ValueError(
                "planned_surgery_on is set but surgery_planned is false: "
                "set surgery_planned to true or remove the date"
            )
        return self


class LdnStatus(StrEnum):
    NONE = "none"
    CURRENT = "current"
    STOPPED = "stopped"


class LdnUse(_Model):
    """LDN the patient already takes or took (a restart or a transfer of care)."""

    status: LdnStatus | None = Field(None, description="none | current | stopped.")
    dose_mg: float | None = Field(None, gt=0, le=50, description="Daily LDN dose in mg.")
    last_dose_on: IsoDate | None = Field(
        None, description="Last dose, when stopped (a pause of 2 weeks or less restarts at "
        "the previous dose).",
    )


class CeilingOverride(_Model):
    """A prescriber's explicit decision to go above the 6 mg ceiling."""

    max_mg: float = Field(gt=0, le=50, description="New ceiling in mg/day.")
    reason: str = Field(
        min_length=3, max_length=2000, description="Why, in the prescriber's words."
    )


class PlanChoices(_Model):
    """The prescriber's dose-plan choices; every field optional (the rules pick defaults)."""

    protocol: str | None = Field(None, description="Titration protocol id, e.g. 'standard'.")
    form: DoseForm | None = Field(None, description="capsule | liquid (1 mg/mL).")
    start_on: IsoDate | None = Field(None, description="First dose date.")
    maintenance_days: int | None = Field(
        None, ge=0, le=365,
        description="Days of target-dose capsules per fill after titration; refills are "
        "added so that the supply reaches the review (0: one fill that reaches it).",
    )
    target_mg: float | None = Field(None, gt=0, le=50, description="Target dose in mg.")
    ceiling_override: CeilingOverride | None = Field(
        None, description="Ceiling above 6 mg, with the prescriber's reason.")


class Override(_Model):
    """A prescriber's acknowledgement or override of one finding, with a coded reason."""

    rule_id: str = Field(min_length=1, max_length=100, description="The finding's rule id.")
    reason_code: str = Field(min_length=1, max_length=100,
                             description="One of the rule's coded override reasons.")
    comment: Text = Field("", description="The prescriber's words.")
    by: Text | None = Field(None, description="Who recorded the override.")
    on: IsoDate | None = Field(None, description="When.")


class Case(_Model):
    """One patient case (``schema_version: 1``)."""

    schema_version: Literal[1] = Field(description="Case format version; must be 1.")
    assessed_on: IsoDate | None = Field(None, description="Date of the assessment (ISO).")
    patient: Patient = Field(default_factory=Patient, description="Who the patient is.")
    pain: Pain = Field(default_factory=Pain, description="The pain being treated.")
    opioids: Opioids = Field(default_factory=Opioids, description="Opioid exposure.")
    history: History = Field(default_factory=History, description="Safety history.")
    other_medications: list[Annotated[str, Field(max_length=200)]] | None = Field(
        None, description="Other medicines, generic or brand; [] = none."
    )
    prior_therapies: list[Annotated[str, Field(max_length=200)]] | None = Field(
        None, description="Pain treatments tried before (for the prior-authorization letter)."
    )
    confirmed_not_opioids: list[Annotated[str, Field(max_length=200)]] | None = Field(
        None, description="Entries of other_medications, as written, that the prescriber "
        "confirmed contain no opioid (for names the vocabulary does not recognise).",
    )
    ldn: LdnUse = Field(default_factory=LdnUse,
                        description="LDN already taken (continue or restart).")
    plan: PlanChoices = Field(default_factory=PlanChoices,
                              description="The prescriber's dose-plan choices.")
    overrides: list[Override] = Field(
        default_factory=list, description="Findings the prescriber overrode, with reasons.")

    @model_validator(mode="before")
    @classmethod
    def _null_sections_are_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("patient", "pain", "opioids", "history", "plan", "ldn"):
                if key in data and data[key] is None:
                    del data[key]
            if data.get("overrides", []) is None:
                del data["overrides"]
        return data

    @model_validator(mode="after")
    def _dates_consistent(self) -> Case:
        on = self.assessed_on
        dob = self.patient.date_of_birth
        if on is not None and dob is not None and dob > on:
            raise ValueError("patient.date_of_birth is after assessed_on: check both dates")
        for med in self.opioids.medications or ():
            if on is not None and med.last_dose_on is not None and med.last_dose_on > on:
                raise ValueError(
                    f"opioids.medications: last_dose_on {med.last_dose_on} for {med.drug} is "
                    f"after assessed_on {on}: a last dose cannot be in the future"
                )
        if on is not None and self.ldn.last_dose_on is not None and self.ldn.last_dose_on > on:
            raise ValueError(
                f"ldn.last_dose_on {self.ldn.last_dose_on} is after assessed_on {on}: "
                "a last dose cannot be in the future"
            )
        return self


def parse_case(data: str | bytes | dict[str, Any]) -> Case:
    """Validate a case from JSON text or a JSON-like dict (dates as ISO strings).

    Raises:
        pydantic.ValidationError: with one entry per problem and its location.
    """
    if isinstance(data, dict):
        data = json.dumps(data, default=_iso)
    return Case.model_validate_json(data)


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not valid in a case file")


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of the case file."""
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ldn-cds case file (schema_version 1)"
    return schema
