"""Schema of ``texts.yaml``: every sentence of the outputs that is not handout wording.

Verdict texts, intended use, what to do next, the clinician summary's sentences and headings,
the record note and prescription wording, MME notes, fact questions and medicine role words
are data, so that the rule-set SHA-256 printed in every footer covers them (issue 8).

A text may contain placeholders such as ``{date}``; each field declares the placeholders the
code fills (:class:`Slots`).  A placeholder the code does not fill is a load problem naming
the file and the key, never a KeyError at print time; a missing or misspelt key is one too
(every model forbids unknown keys).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ldn_cds.core.fhir_mapping import HISTORY_VALUES
from ldn_cds.core.medicines import Role
from ldn_cds.core.models import Release

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Slots:
    """The placeholders the code fills in a text (metadata of a field)."""

    names: frozenset[str]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", frozenset(names))


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders in ``text``."""
    return set(_PLACEHOLDER.findall(text))


def fill(template: str, **values: str) -> str:
    """``template`` with each ``{name}`` replaced by its value (checked at load: every
    placeholder of a text is one the code fills)."""
    if "{" not in template:
        return template

    def sub(match: re.Match[str]) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise ValueError(f"no value for {{{match.group(1)}}} in {template!r}") from None

    return _PLACEHOLDER.sub(sub, template)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


class _Wording(BaseModel):
    """Strict: unknown keys are errors; each text may use only the placeholders its field
    declares with :class:`Slots` (none when it declares none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _known_placeholders(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        allowed: frozenset[str] = frozenset()
        for meta in cls.model_fields[info.field_name].metadata:
            if isinstance(meta, Slots):
                allowed = meta.names
        for text in _strings(value):
            unknown = placeholders(text) - allowed
            if unknown:
                names = ", ".join("{" + n + "}" for n in sorted(unknown))
                can = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
                raise ValueError(f"placeholder {names} is not filled by the program "
                                 f"(this text can use: {can})")
        return value


Text = Annotated[str, Field(min_length=1)]


class VerdictWords(_Wording):
    candidate: Text
    candidate_with_cautions: Text
    not_yet: Text
    contraindicated: Text
    needs_information: Text


class AssessmentWords(_Wording):
    """Sentences of the assessment (JSON, window, both documents)."""

    cannot_evaluate: Annotated[Text, Slots("title", "missing")]
    missing_default: Text
    no_plan_not_started: Text
    no_plan_undated: Text
    previous_above_ceiling: Annotated[Text, Slots("dose", "ceiling")]
    previous_dose_name: Annotated[Text, Slots("dose")]
    start_before_earliest: Annotated[Text, Slots("requested", "earliest")]
    bedtime_reason: Text
    medicine_not_recognised: Text
    medicine_ambiguous: Annotated[Text, Slots("meanings")]
    medicine_confirmed: Text
    earliest_unknown: Text
    washout_end_unknown: Text
    mme_unknown: Text
    washout_days_unknown: Text
    age_unknown: Text
    names_none: Text
    oud_agents_unknown: Text
    buprenorphine_dose_unknown: Text
    surgery_on: Annotated[Text, Slots("date")]
    ldn_dose_unknown: Text


class FactWords(_Wording):
    """Sentences the facts produce: MME notes, washout notes, protocol reasons,
    contradictions."""

    formulation_from_product: Annotated[Text, Slots("formulation")]
    release_conflict: Annotated[Text, Slots("recorded", "product")]
    washout_not_recognised: Text
    washout_recognised_as: Annotated[Text, Slots("label")]
    mme_not_recognised: Text
    mme_not_opioid: Annotated[Text, Slots("role")]
    mme_oud_treatment: Text
    mme_depot: Text
    mme_combination: Text
    mme_no_dose: Text
    mme_no_unit: Text
    mme_status_unknown: Text
    mme_other_without_dose: Annotated[Text, Slots("names")]
    mme_not_computable: Annotated[Text, Slots("reasons")]
    mme_stopped_on: Annotated[Text, Slots("date")]
    mme_stopped: Text
    protocol_by_prescriber: Text
    protocol_standard: Text
    protocol_unknown: Text
    contradiction_immunosuppressed: Annotated[Text, Slots("names")]
    contradiction_hypothyroidism: Annotated[Text, Slots("names")]


class MedicinePhrases(_Wording):
    """What an unresolved part of a medicine entry may be."""

    unrecognised_part: Annotated[Text, Slots("part")]
    opioid_like_part: Annotated[Text, Slots("part", "like")]
    partly_recognised: Annotated[Text, Slots("meanings")]


class MedicineWords(_Wording):
    """What a medicine entry was recognised as: its role and formulation in words."""

    roles: dict[Role, Text]
    not_recognised: Text
    releases: dict[Release, Text]
    phrases: MedicinePhrases

    @model_validator(mode="after")
    def _every_key(self) -> MedicineWords:
        for name, keys, enum in (("roles", self.roles, Role), ("releases", self.releases,
                                                              Release)):
            missing = [m.value for m in enum if m not in keys]
            if missing:
                raise ValueError(f"{name}: no words for {missing}")
        return self


class DosingWords(_Wording):
    """Dose-plan wording: the review basis and the dispensing lines."""

    review_at_target: Annotated[Text, Slots("span", "dose")]
    review_split: Annotated[Text, Slots("span", "time_at_target", "dose")]
    capsules_titration: Annotated[Text, Slots("strength")]
    capsules_maintenance: Annotated[Text, Slots("strength")]
    liquid: Annotated[Text, Slots("strength")]
    form_reason: Text


class NoteWords(_Wording):
    """The prescription lines and the record note (``notes``)."""

    at_bedtime: Text
    in_the_morning: Text
    day: Annotated[Text, Slots("day")]
    days: Annotated[Text, Slots("first", "last")]
    capsule_on_days: Annotated[Text, Slots("days")]
    capsule_daily_from: Annotated[Text, Slots("day")]
    refills_none: Text
    refills: Annotated[Text, Slots("refills", "day")]
    capsule_line: Annotated[Text, Slots(
        "strength", "when", "period", "quantity", "days", "refills")]
    liquid_step: Annotated[Text, Slots("ml", "dose", "days")]
    liquid_line: Annotated[Text, Slots(
        "strength", "number", "total", "when", "chart", "ml", "days", "refills")]
    not_recorded: Text
    pain_type: Annotated[Text, Slots("types")]
    months: Annotated[Text, Slots("months")]
    prior_therapies_missing: Text
    prior_therapies_none: Text
    titration: Annotated[Text, Slots("start", "target", "reached")]
    review: Annotated[Text, Slots("date", "basis", "until")]
    record_note: Annotated[Text, Slots(
        "ruleset", "version", "protocol", "start_dose", "timing", "start", "target", "reached",
        "form", "review")]


class SummaryWords(_Wording):
    """The clinician summary (window and PDF): headings, labels and sentences."""

    title: Annotated[Text, Slots("date")]
    document_title: Annotated[Text, Slots("name")]
    document_subject: Annotated[Text, Slots("date", "verdict")]
    footer: Annotated[Text, Slots("date", "program", "ruleset", "version", "sha256")]
    name_missing: Text
    start_label: Annotated[Text, Slots("start")]
    washout_label: Annotated[Text, Slots("date")]
    start_not_started: Text
    start_undated: Text
    next_steps: VerdictWords
    no_verdict_reason: Text
    review_on: Annotated[Text, Slots("date")]
    no_dose_plan: Text
    at_bedtime: Text
    in_the_morning: Text
    capsules: Text
    liquid: Text
    dose_line: Annotated[Text, Slots(
        "start_dose", "when", "start", "target", "reached", "form", "protocol", "review")]
    mme_not_computable: Annotated[Text, Slots("why")]
    mme_no_reason: Text
    mme_per_day: Annotated[Text, Slots("mme")]
    question_caution: Text
    why_label: Text
    dose_label: Text
    mme_label: Text
    next_label: Text
    questions_label: Text
    intended_use_label: Text
    overridden: Annotated[Text, Slots("code")]
    findings: Text
    no_findings: Text
    missing_information: Text
    missing_line: Annotated[Text, Slots("question", "input", "blocks", "rules")]
    blocks_decision: Text
    caution: Text
    unevaluated: Annotated[Text, Slots("titles")]
    nothing_missing: Text
    medicines: Text
    mme_heading: Text
    evidence_heading: Text
    no_pain_recorded: Text
    no_evidence_for: Text
    evidence_words: dict[str, Text]
    direction_words: dict[str, Text]
    plan_heading: Text
    plan_start_target: Annotated[Text, Slots("start_dose", "start", "target", "reached", "ceiling")]
    notes_heading: Text
    insurance_heading: Text
    prior_authorization_heading: Text
    no_comment: Text
    trace_heading: Text
    trace_intro: Annotated[Text, Slots("ruleset", "version", "sha256", "not_fired", "total")]


class HandoutFrame(_Wording):
    """Headings and fill-ins of the patient handout around ``handout.yaml``'s sentences."""

    title_plan: Text
    title_no_plan: Text
    heading: Annotated[Text, Slots("title", "name")]
    plan: Text
    how_to_take: Text
    first_weeks: Text
    get_help: Text
    wait: Text
    not_started: Text
    not_started_yet: Text
    notes: Text
    surgery: Text
    cost: Text
    diary: Text
    next: Text
    subject: Text
    your_clinic: Text
    who_with_phone: Annotated[Text, Slots("name", "phone")]
    who_without_phone: Annotated[Text, Slots("name")]
    card_dose: Annotated[Text, Slots("start", "target")]
    how_much: Text
    diary_could_do: Text


class IndicatorWords(_Wording):
    critical: Text
    warning: Text
    info: Text


class PlanRows(_Wording):
    protocol: Text
    why: Text
    form: Text
    timing: Text
    start_target_ceiling: Text
    review: Text


class Labels(_Wording):
    """Field labels, table column headers and short fill-ins of both documents."""

    patient: Annotated[Text, Slots("name")]
    record: Annotated[Text, Slots("record")]
    born: Annotated[Text, Slots("date")]
    age: Annotated[Text, Slots("age")]
    not_recorded: Text
    unknown: Text
    none: Text
    clinic_and_phone: Annotated[Text, Slots("clinic", "phone")]
    clinic: Annotated[Text, Slots("clinic")]
    phone: Annotated[Text, Slots("phone")]
    prescriber: Annotated[Text, Slots("name")]
    critical: Annotated[Text, Slots("titles")]
    cannot_evaluate_suffix: Text
    indicators: IndicatorWords
    finding: Annotated[Text, Slots("indicator", "status")]
    status_fired: Text
    status_cannot_evaluate: Text
    inputs_missing: Text
    evidence_grade: Text
    sources_disagree: Text
    sources: Text
    overridden: Text
    not_graded: Text
    mme_columns: list[Text] = Field(min_length=6, max_length=6)
    not_computed: Text
    total: Text
    total_line: Annotated[Text, Slots("total", "table")]
    washout_columns: list[Text] = Field(min_length=5, max_length=5)
    washout_days: Annotated[Text, Slots("days", "range")]
    assumed: Text
    dose_columns: list[Text] = Field(min_length=3, max_length=3)
    ml_per_dose: Text
    capsules_per_dose: Text
    ongoing: Text
    no_dose_plan: Text
    plan_columns: list[Text] = Field(min_length=2, max_length=2)
    plan_rows: PlanRows
    chosen_by: Annotated[Text, Slots("protocol", "who")]
    bedtime: Text
    morning: Text
    timing: Annotated[Text, Slots("when", "reason")]
    review: Annotated[Text, Slots("date", "basis")]
    start_date: Text
    ceiling_override: Text
    dispense_columns: list[Text] = Field(min_length=3, max_length=3)
    prescription: Text
    cost: Text
    diagnosis: Text
    duration: Text
    prior_therapies: Text
    none_listed: Text
    rationale: Text
    evidence: Text
    monitoring_plan: Text
    overrides: Text
    reason_code: Annotated[Text, Slots("code")]
    comment: Text
    trace_columns: list[Text] = Field(min_length=5, max_length=5)
    medicine_columns: list[Text] = Field(min_length=3, max_length=3)
    opioid_list: Text
    other_medicines: Text
    handout_dose_columns: list[Text] = Field(min_length=2, max_length=2)
    diary_columns: list[Text] = Field(min_length=3, max_length=3)
    card_name: Annotated[Text, Slots("name")]
    handout_for: Annotated[Text, Slots("name")]


class ServiceWords(_Wording):
    """The CDS Hooks service's own words: discovery and the cards about the request."""

    label: Text
    ruleset_label: Annotated[Text, Slots("id", "version")]
    titles: dict[str, Text] = Field(description="Discovery title, by service id.")
    descriptions: dict[str, Text] = Field(description="Discovery description, by service id.")
    prefetch: dict[str, Text] = Field(description="What each prefetch key holds, in words.")
    foreign_ruleset: Annotated[Text, Slots("id", "version")]
    foreign_ruleset_line: Annotated[Text, Slots("origin", "sha256", "id", "version")]
    ldn_orders: Text
    ldn_orders_detail: Annotated[Text, Slots("orders")]
    drafts_current: Text
    drafts_current_detail: Annotated[Text, Slots("orders")]
    fetched: Annotated[Text, Slots("what")]
    fetched_detail: Annotated[Text, Slots("what", "server")]
    missing: Annotated[Text, Slots("what")]
    missing_detail: Annotated[Text, Slots("what")]
    not_fetched: Annotated[Text, Slots("reasons")]
    answer_unreadable: Annotated[Text, Slots("problem")]
    not_assessed: Text
    verdict_detail: Annotated[Text, Slots("verdict")]
    earliest_start: Annotated[Text, Slots("date")]


class FhirWords(_Wording):
    """The FHIR import report: what was not mapped, or mapped with a caveat, and why."""

    # the bundle (notes about its entries)
    more_pages: Text
    request_failed: Annotated[Text, Slots("status")]
    empty_search: Text
    no_patient: Text
    operation_outcome: Text
    type_not_read: Annotated[Text, Slots("type")]
    # Patient
    identifiers: Annotated[Text, Slots("count")]
    birth_partial: Annotated[Text, Slots("birth")]
    gender: Annotated[Text, Slots("gender")]
    # Condition
    no_code: Text
    condition_refuted: Annotated[Text, Slots("label", "status")]
    condition_inactive: Annotated[Text, Slots("label", "status")]
    condition_unverified: Annotated[Text, Slots("label", "code", "condition")]
    condition_unmapped: Annotated[Text, Slots("label")]
    condition_unconfirmed: Annotated[Text, Slots("label", "status")]
    condition_no_clinical: Annotated[Text, Slots("label")]
    # Conditions that answer a safety-history question
    history_questions: dict[str, Text] = Field(
        description="The safety-history question in words, by history field.")
    history_unverified: Annotated[Text, Slots("label", "code", "question")]
    history_unconfirmed: Annotated[Text, Slots("label", "status", "question")]
    history_inactive: Annotated[Text, Slots("label", "status", "question")]
    history_remission: Annotated[Text, Slots("label", "question")]
    history_which: Annotated[Text, Slots("label", "question", "answers")]
    answers_or: Text
    history_no_clinical: Text
    yes: Text
    history_answered: Annotated[Text, Slots("label", "question", "answer", "caveat")]
    history_also: Annotated[Text, Slots("label", "question", "other", "answer")]
    history_same: Annotated[Text, Slots("label", "question", "answer")]
    # AllergyIntolerance
    allergy_no_code: Text
    allergy_other: Annotated[Text, Slots("label")]
    allergy_refuted: Annotated[Text, Slots("label", "status")]
    allergy_inactive: Annotated[Text, Slots("label", "status")]
    allergy_unconfirmed: Annotated[Text, Slots("label")]
    # Observation
    observation_other: Annotated[Text, Slots("label")]
    observation_status: Annotated[Text, Slots("label", "status")]
    pain_value: Annotated[Text, Slots("label", "value")]
    undated: Text
    pain_used: Annotated[Text, Slots("score", "date", "count")]
    pregnancy_undated: Text
    pregnancy_unrecognised: Text
    pregnant: Text
    not_pregnant: Text
    pregnancy_used: Annotated[Text, Slots("status", "date", "days")]
    # medicines: the record
    reference_empty: Text
    reference_display: Annotated[Text, Slots("ref")]
    reference_missing: Annotated[Text, Slots("ref")]
    medicine_unreadable: Text
    rxnorm_unknown: Annotated[Text, Slots("text", "code")]
    medicine_ignored: Annotated[Text, Slots("text", "status")]
    intent_not_order: Annotated[Text, Slots("intent")]
    status_unknown: Annotated[Text, Slots("status")]
    administration_in_progress: Text
    administration_given: Annotated[Text, Slots("status")]
    administration_given_on: Annotated[Text, Slots("date", "status")]
    dispense_status: Annotated[Text, Slots("status")]
    dispense_incomplete: Text
    dispense_days_implausible: Annotated[Text, Slots("days")]
    dispense_end_invalid: Text
    dispense_current: Annotated[Text, Slots("date", "days")]
    dispense_stopped: Annotated[Text, Slots("date", "days", "end")]
    # medicines: the daily dose
    range_open: Text
    range_upper: Annotated[Text, Slots("low", "high")]
    frequency_max: Annotated[Text, Slots("times")]
    period_range: Text
    as_needed: Text
    patch_strength_missing: Text
    no_timing: Text
    mg_combination: Text
    strength_missing: Text
    unit_not_read: Annotated[Text, Slots("unit")]
    unit_none: Text
    dosage_incomplete: Text
    no_dosage: Text
    ingredient_unit: Annotated[Text, Slots("unit")]
    opioid_ingredients: Annotated[Text, Slots("count")]
    # medicines: what was read
    may_be_opioid: Annotated[Text, Slots("text", "meanings")]
    medicine_stopped: Annotated[Text, Slots("text")]
    medicine_stopped_on: Annotated[Text, Slots("text", "date")]
    medicine_unrecognised: Annotated[Text, Slots("text")]
    opioid_status_mixed: Text
    statuses: dict[str, Text] = Field(
        description="A medicine record's status in words, by how the import reads it "
                    "(current, stopped, unknown).")
    opioid_stopped_undated: Text
    mapped_as_written: Text
    opioid: Annotated[Text, Slots("text", "status", "caveats")]
    opioid_with_dose: Annotated[Text, Slots("text", "status", "dose", "unit", "caveats")]
    merged: Annotated[Text, Slots("drug")]
    ldn_unknown: Annotated[Text, Slots("text", "caveats")]
    ldn_status: Annotated[Text, Slots("text", "status")]
    ldn_dose: Annotated[Text, Slots("dose")]
    ldn_dose_missing: Text
    ldn_last_dose: Annotated[Text, Slots("date")]
    ldn_last_dose_missing: Text
    ldn_other: Annotated[Text, Slots("text", "status", "used")]

    @model_validator(mode="after")
    def _every_key(self) -> FhirWords:
        for name, keys, wanted in (
                ("history_questions", self.history_questions, list(HISTORY_VALUES)),
                ("statuses", self.statuses, ["current", "stopped", "unknown"])):
            missing = [k for k in wanted if k not in keys]
            extra = [k for k in keys if k not in wanted]
            if missing:
                raise ValueError(f"{name}: no words for {missing}")
            if extra:
                raise ValueError(f"{name}: {extra} are not known (known: {wanted})")
        return self


class Texts(_Wording):
    """``texts.yaml``: see the module docstring."""

    intended_use: Text
    verdicts: VerdictWords
    assessment: AssessmentWords
    facts: FactWords
    questions: dict[str, Text] = Field(
        description="The question asked when a fact is unknown, by fact name (every fact).")
    medicines: MedicineWords
    dosing: DosingWords
    notes: NoteWords
    summary: SummaryWords
    handout: HandoutFrame
    labels: Labels
    service: ServiceWords
    fhir: FhirWords


__all__ = ["FhirWords", "Labels", "Slots", "Texts", "fill", "placeholders"]
