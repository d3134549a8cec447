"""Facts: the named inputs a rule may read, each computed from the case and the date.

A fact's value is a plain value or ``None`` for *not known*.  Rules name facts in their
``inputs`` and conditions; the loader rejects a rule that names a fact not defined here.
Derived facts (age, washout) are computed here, in one place, so that every rule and every
printed trace agree on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from ldn_cds.core.models import Case, DoseUnit, OpioidStatus, Release, Sex
from ldn_cds.core.ruleset import RuleSet, WashoutClass


@dataclass(frozen=True)
class FactSpec:
    """One fact: its name, meaning, value kind and allowed values (for enum facts)."""

    name: str
    description: str
    kind: str  # "bool", "enum", "number", "list"
    allowed: tuple[str, ...] = ()
    question: str = ""


@dataclass(frozen=True)
class WashoutLine:
    """Washout for one stopped opioid."""

    drug: str
    release: str | None
    washout_class: WashoutClass
    assumed: bool
    note: str | None
    last_dose_on: date | None
    ends_on: date | None


class MmeLine(BaseModel):
    """MME of one listed opioid (also the assessment's output row)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drug: str
    release: str | None
    daily_dose: float | None
    unit: str | None
    factor: float | None
    mme: float | None
    note: str | None


class Context:
    """Everything a fact may read: the case, the assessment date and the rule set's tables."""

    def __init__(self, case: Case, on: date, ruleset: RuleSet) -> None:
        self.case = case
        self.on = on
        self.ruleset = ruleset
        self._cache: dict[str, Any] = {}
        self._washout: tuple[WashoutLine, ...] | None = None

    def fact(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = FACTS[name][1](self)
        return self._cache[name]

    # -- derived quantities shared by facts and the assessment --------------------------------

    def age_years(self) -> int | None:
        dob = self.case.patient.date_of_birth
        if dob is None:
            return None
        years = self.on.year - dob.year
        if (self.on.month, self.on.day) < (dob.month, dob.day):
            years -= 1
        return years

    def washout_lines(self) -> tuple[WashoutLine, ...]:
        """Washout per listed opioid (all listed opioids, whatever the status)."""
        if self._washout is None:
            self._washout = tuple(
                washout_for(self.ruleset, med.drug, med.release, med.last_dose_on)
                for med in self.case.opioids.medications or ()
            )
        return self._washout

    def washout_ends_on(self) -> date | None:
        """First day after the washout over all listed opioids (last dose + interval);
        None if any last-dose date is unknown."""
        lines = self.washout_lines()
        if not lines or any(line.ends_on is None for line in lines):
            return None
        return max(line.ends_on for line in lines if line.ends_on is not None)


def washout_for(
    ruleset: RuleSet, drug: str, release: Any, last_dose_on: date | None
) -> WashoutLine:
    """Look up the washout class of one opioid (first matching assignment wins)."""
    release_key = release.value if release is not None else "unknown"
    table = ruleset.tables.washout
    classes = {c.id: c for c in table.classes}
    for assignment in table.assignments:
        if assignment.drugs and drug not in assignment.drugs:
            continue
        if assignment.releases and release_key not in assignment.releases:
            continue
        wclass = classes[assignment.washout_class]
        ends_on = last_dose_on + timedelta(days=wclass.days) if last_dose_on else None
        return WashoutLine(
            drug=drug,
            release=None if release is None else release_key,
            washout_class=wclass,
            assumed=assignment.assumed,
            note=assignment.note,
            last_dose_on=last_dose_on,
            ends_on=ends_on,
        )
    raise LookupError(f"washout table has no catch-all assignment for {drug!r}")


def mme_lines(case: Case, ruleset: RuleSet) -> tuple[MmeLine, ...]:
    """MME per listed opioid with the rule set's factor table (CDC 2022)."""
    table = ruleset.tables.mme
    lines = []
    for med in case.opioids.medications or ():
        factor = None
        release = med.release
        if release is None and med.unit is DoseUnit.MCG_PER_HOUR:
            release = Release.TRANSDERMAL  # the model allows mcg/h only for patches
        for candidate in table.factors:
            if candidate.drug != med.drug:
                continue
            if candidate.releases and release not in candidate.releases:
                continue
            if med.unit is not None and candidate.unit is not med.unit:
                continue
            factor = candidate
            break
        note: str | None = None
        mme: float | None = None
        if factor is None:
            note = table.no_factor_notes.get(med.drug, table.no_factor_notes.get("*"))
        elif med.daily_dose is None:
            note = "daily dose not recorded: not counted"
        elif med.unit is None:
            note = "dose unit not recorded: not counted"
        else:
            mme = round(med.daily_dose * factor.factor, 2)
        lines.append(
            MmeLine(
                drug=med.drug,
                release=None if med.release is None else med.release.value,
                daily_dose=med.daily_dose,
                unit=None if med.unit is None else med.unit.value,
                factor=None if factor is None else factor.factor,
                mme=mme,
                note=note,
            )
        )
    return tuple(lines)


def _in_washout(ctx: Context) -> bool | None:
    status = ctx.case.opioids.status
    if status is None or status is OpioidStatus.UNKNOWN:
        return None
    if status is not OpioidStatus.STOPPED:
        return False
    ends = ctx.washout_ends_on()
    if ends is None:
        return None
    return ctx.on < ends


def _stopped_details_missing(ctx: Context) -> bool | None:
    opioids = ctx.case.opioids
    if opioids.status is not OpioidStatus.STOPPED:
        return False if opioids.status is not None else None
    meds = opioids.medications
    return not meds or any(m.last_dose_on is None for m in meds)


def _listed_but_status_none(ctx: Context) -> bool | None:
    opioids = ctx.case.opioids
    if opioids.status is None:
        return None
    return opioids.status is OpioidStatus.NONE and bool(opioids.medications)


def _pregnancy_applies(ctx: Context) -> bool | None:
    """False only for a known male; true for female/other, or when a pregnancy or
    breastfeeding is recorded although sex is not (the model rejects a pregnant male)."""
    patient = ctx.case.patient
    if patient.sex is None:
        return True if patient.pregnant or patient.breastfeeding else None
    return patient.sex is not Sex.MALE


def _attr(section: str, field: str) -> Callable[[Context], Any]:
    def read(ctx: Context) -> Any:
        value = getattr(getattr(ctx.case, section), field)
        if value is None:
            return None
        if isinstance(value, list):
            return tuple(getattr(v, "value", v) for v in value)
        return getattr(value, "value", value)

    return read


def _other_medications(ctx: Context) -> tuple[str, ...] | None:
    meds = ctx.case.other_medications
    return None if meds is None else tuple(meds)


_ENUM_LIVER = ("none", "mild", "cirrhosis", "acute_hepatitis", "liver_failure")
_ENUM_RENAL = ("none", "mild", "moderate", "severe")
_ENUM_OUD = ("none", "remission", "on_maintenance")
_ENUM_TEST = ("negative", "positive")
_ENUM_STATUS = ("none", "current", "stopped", "unknown")
_ENUM_SEX = ("female", "male", "other")
_PAIN_TYPES = ("inflammatory", "neuropathic", "nociplastic", "nociceptive", "mixed")


def _spec(
    name: str, kind: str, description: str, question: str, allowed: tuple[str, ...] = ()
) -> FactSpec:
    return FactSpec(name=name, description=description, kind=kind, allowed=allowed,
                    question=question)


FACTS: dict[str, tuple[FactSpec, Callable[[Context], Any]]] = {
    spec.name: (spec, fn)
    for spec, fn in [
        (_spec("patient.sex", "enum", "Sex recorded for the patient.",
               "What is the patient's sex?", _ENUM_SEX), _attr("patient", "sex")),
        (_spec("patient.age_years", "number",
               "Age in whole years on the assessment date, from the date of birth.",
               "What is the patient's date of birth?"), lambda c: c.age_years()),
        (_spec("patient.pregnancy_applies", "bool",
               "True unless the patient is male (pregnancy questions apply); true when a "
               "pregnancy is recorded even if sex is not.",
               "What is the patient's sex?"), _pregnancy_applies),
        (_spec("patient.pregnant", "bool", "Pregnant now.", "Is the patient pregnant?"),
         _attr("patient", "pregnant")),
        (_spec("patient.breastfeeding", "bool", "Breastfeeding now.",
               "Is the patient breastfeeding?"), _attr("patient", "breastfeeding")),
        (_spec("pain.types", "list", "Pain mechanisms recorded.",
               "Which pain types does the patient have?", _PAIN_TYPES), _attr("pain", "types")),
        (_spec("pain.conditions", "list", "Pain diagnoses recorded (snake_case).",
               "Which pain conditions does the patient have?"), _attr("pain", "conditions")),
        (_spec("pain.duration_months", "number", "Months of pain.",
               "How long has the pain lasted (months)?"), _attr("pain", "duration_months")),
        (_spec("opioids.status", "enum", "Opioid use: none, current, stopped or unknown.",
               "Does the patient take, or recently take, any opioid?", _ENUM_STATUS),
         _attr("opioids", "status")),
        (_spec("opioids.in_washout", "bool",
               "Stopped opioids and the assessment date is before the end of the washout "
               "(last dose + the agent's interval from the washout table).",
               "When was the last dose of each stopped opioid?"), _in_washout),
        (_spec("opioids.stopped_details_missing", "bool",
               "Opioids stopped but no opioid or no last-dose date is recorded.",
               "Which opioid was stopped, and when was the last dose?"),
         _stopped_details_missing),
        (_spec("opioids.listed_but_status_none", "bool",
               "Opioid status is 'none' yet opioid medicines are listed.",
               "Does the patient take the listed opioids?"), _listed_but_status_none),
        (_spec("opioids.urine_drug_screen", "enum", "Opioid urine drug screen result.",
               "Was an opioid urine drug screen done, and what was the result?", _ENUM_TEST),
         _attr("opioids", "urine_drug_screen")),
        (_spec("opioids.acute_withdrawal", "bool", "Signs of acute opioid withdrawal now.",
               "Does the patient have signs of acute opioid withdrawal?"),
         _attr("opioids", "acute_withdrawal")),
        (_spec("opioids.naloxone_challenge", "enum", "Naloxone challenge result.",
               "Was a naloxone challenge done, and what was the result?", _ENUM_TEST),
         _attr("opioids", "naloxone_challenge")),
        (_spec("other_medications", "list", "Other medicines (generic or brand names).",
               "Which other medicines does the patient take? (an empty list means none)"),
         _other_medications),
        (_spec("history.naltrexone_hypersensitivity", "bool",
               "Known hypersensitivity to naltrexone or an excipient.",
               "Has the patient had an allergic reaction to naltrexone?"),
         _attr("history", "naltrexone_hypersensitivity")),
        (_spec("history.liver", "enum", "Liver disease.",
               "Does the patient have liver disease, and how severe?", _ENUM_LIVER),
         _attr("history", "liver")),
        (_spec("history.renal", "enum", "Kidney impairment.",
               "Does the patient have kidney impairment, and how severe?", _ENUM_RENAL),
         _attr("history", "renal")),
        (_spec("history.opioid_use_disorder", "enum", "Opioid use disorder history.",
               "Does the patient have an opioid use disorder (history or on maintenance)?",
               _ENUM_OUD), _attr("history", "opioid_use_disorder")),
        (_spec("history.surgery_planned", "bool", "Elective surgery or procedure planned.",
               "Is any surgery or procedure planned?"), _attr("history", "surgery_planned")),
        (_spec("history.hypothyroidism_on_levothyroxine", "bool",
               "Hypothyroidism (e.g. Hashimoto's) treated with levothyroxine.",
               "Does the patient have hypothyroidism treated with levothyroxine?"),
         _attr("history", "hypothyroidism_on_levothyroxine")),
        (_spec("history.immunosuppressed", "bool",
               "Organ transplant or permanent immunosuppression.",
               "Is the patient immunosuppressed or a transplant recipient?"),
         _attr("history", "immunosuppressed")),
        (_spec("history.depression_or_suicidality", "bool", "Depression or suicidality.",
               "Does the patient have depression or suicidal thoughts?"),
         _attr("history", "depression_or_suicidality")),
        (_spec("history.insomnia_or_vivid_dreams", "bool", "Insomnia or vivid dreams reported.",
               "Does the patient report insomnia or vivid dreams?"),
         _attr("history", "insomnia_or_vivid_dreams")),
        (_spec("history.multiple_drug_sensitivities", "bool",
               "Known sensitivity to many drugs.",
               "Is the patient sensitive to many medicines?"),
         _attr("history", "multiple_drug_sensitivities")),
    ]
}


def fact_spec(name: str) -> FactSpec:
    return FACTS[name][0]
