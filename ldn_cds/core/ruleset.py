"""Schema of the rule set: rules, bibliography, tables and protocols, as data.

Every model forbids unknown keys.  Structural problems are reported by pydantic with their
location; cross-references (sources, facts, declared inputs, medication groups, examples) are
checked afterwards by :func:`ldn_cds.core.rulecheck.check_ruleset`, which reports every problem
at once.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SkipValidation,
    Tag,
    field_validator,
    model_validator,
)

from ldn_cds.core.conditions import ConditionVocabulary
from ldn_cds.core.fhir_mapping import FhirMapping
from ldn_cds.core.medicines import Role, Vocabulary
from ldn_cds.core.models import DoseForm, DoseUnit, Release
from ldn_cds.core.plausibility import MaxDailyTable
from ldn_cds.core.texts import Texts

SEMVER = r"^\d+\.\d+\.\d+$"
RULE_ID = r"^[a-z][a-z0-9-]*$"
PLACEHOLDERS = frozenset(
    {"earliest_start_on", "washout_ends_on", "mme_per_day", "washout_days", "age_years",
     "missing", "unrecognised_medicines", "other_opioids", "oud_agents", "buprenorphine_dose",
     "depot_agents", "pamoras", "contradictions", "surgery_on", "ldn_dose", "not_opioids_listed",
     "unrecognised_opioids", "naltrexone_entries", "duplicate_antagonists"}
)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvidenceTag(StrEnum):
    LABEL = "label"
    GUIDELINE = "guideline"
    RCT = "rct"
    REVIEW = "review"
    OBSERVATIONAL = "observational"
    LAB = "lab"
    EXPERT_PRACTICE = "expert_practice"
    NEWS = "news"
    INFERENCE = "inference"
    UNVERIFIED = "unverified"


class Indicator(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Effect(StrEnum):
    """What a rule does to the verdict.  See :mod:`ldn_cds.core.verdict` for precedence."""

    NONE = "none"
    CAUTION = "caution"
    NOT_YET = "not_yet"
    NEEDS_INFORMATION = "needs_information"
    CONTRAINDICATED = "contraindicated"


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"
    CONTAINS_ANY = "contains_any"
    ANY_IN_GROUP = "any_in_group"


VALUELESS_OPS = frozenset({Op.IS_TRUE, Op.IS_FALSE})


class BibEntry(_Data):
    id: str = Field(pattern=RULE_ID)
    short: str = Field(min_length=2, max_length=40)
    citation: str = Field(min_length=5)
    doi: str | None = None
    url: str | None = None
    evidence: EvidenceTag
    verified: bool
    unverified_note: str | None = None
    note: str | None = None

    @property
    def link(self) -> str | None:
        """The DOI resolver address, else the URL, else None."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url


class SourceRef(_Data):
    id: str = Field(description="A bibliography id.")
    section: str | None = Field(None, description="Section, table or page of the source.")


class Comparison(_Data):
    fact: str = Field(description="The input (fact) this comparison reads.")
    op: Op
    value: Any = None


class AllOf(_Data):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Data):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Data):
    not_: Condition = Field(alias="not")


class Always(_Data):
    always: Literal[True]


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "always"):
            if key in value:
                return key
        return "compare"
    if isinstance(value, BaseModel):
        return {
            AllOf: "all",
            AnyOf: "any",
            NotOf: "not",
            Always: "always",
            Comparison: "compare",
        }.get(type(value))
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Always, Tag("always")]
    | Annotated[Comparison, Tag("compare")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a mapping: {all: [...]}, {any: [...]}, {not: ...}, "
            "{always: true} or {fact: ..., op: ..., value: ...}"
        ),
    ),
]


class Suggestion(_Data):
    label: str = Field(min_length=3, max_length=200)
    is_recommended: bool = False


class OverrideReason(_Data):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    display: str = Field(min_length=3, max_length=200)


class Examples(_Data):
    """Example cases, each a patch over the rule set's ``example_base`` case."""

    fires: list[dict[str, Any]] = Field(min_length=1)
    does_not_fire: list[dict[str, Any]] = Field(
        default_factory=list, description="Required unless the condition is {always: true}."
    )
    cannot_evaluate: list[dict[str, Any]] = Field(default_factory=list)


class Rule(_Data):
    id: str = Field(pattern=RULE_ID, description="Stable kebab-case id.")
    version: str = Field(pattern=SEMVER)
    title: str = Field(min_length=3, max_length=80)
    kind: Literal["safety", "caution", "dosing", "evidence", "information"]
    statement: str = Field(min_length=10, description="The rule in one plain sentence.")
    inputs: list[str] = Field(description="Every fact the condition reads.")
    condition: Condition
    indicator: Indicator
    effect: Effect
    effect_if_unknown: Effect = Field(
        description="Verdict effect when the condition cannot be evaluated (an input unknown)."
    )
    ask_if_unknown: bool = Field(
        False, description="True: when the rule cannot be evaluated, its missing inputs are "
        "listed as questions (not blocking), although the verdict does not change.",
    )
    only_when_starting: bool = Field(
        False, description="True: the card is shown only when LDN may be started (not for "
        "contraindicated or needs_information).",
    )
    summary: str = Field(min_length=5, max_length=140)
    summary_if_unknown: str | None = Field(None, max_length=140)
    detail: str = Field(min_length=5)
    patient_text: str | None = None
    sources: list[SourceRef] = Field(min_length=1)
    evidence: list[EvidenceTag] = Field(min_length=1)
    sources_disagree: str | None = Field(
        None, description="Where the sources disagree, how, and which the rule follows."
    )
    card: bool = Field(True, description="False: shown in the trace and plan, not as a card.")
    suggestions: list[Suggestion] = Field(default_factory=list)
    selection_behavior: Literal["at-most-one", "any"] | None = None
    override_reasons: list[OverrideReason] = Field(default_factory=list)
    examples: Examples

    @field_validator("summary", "summary_if_unknown", "detail", "patient_text")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        if value is None:
            return None
        unknown = set(_PLACEHOLDER.findall(value)) - PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}"
            )
        return value


class RuleFile(_Data):
    rules: list[Rule]


class BibliographyFile(_Data):
    entries: list[BibEntry] = Field(min_length=1)


class EvidenceApplies(_Data):
    all: bool = Field(False, description="True: shown for every chronic-pain case.")
    conditions: list[str] = Field(default_factory=list)
    pain_types: list[str] = Field(default_factory=list)


class EvidenceRecord(_Data):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    applies_to: EvidenceApplies
    direction: Literal["positive", "negative", "conflicting", "insufficient", "none"]
    strength: str
    summary: str = Field(max_length=140)
    detail: str
    sources: list[str] = Field(min_length=1)
    supportive: str | None = Field(
        None, description="For conflicting evidence: the supportive finding alone, for the "
        "prior-authorization content (the full record stays on the clinician pages).",
    )


class EvidenceFile(_Data):
    evidence: list[EvidenceRecord] = Field(min_length=1)


class WashoutClass(_Data):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    datable: bool = Field(True, description="False: no date can be computed (depot forms).")
    min_days: int | None = Field(None, ge=0, le=60)
    days: int | None = Field(
        None, ge=1, le=60, description="Interval used for the earliest start date."
    )
    range_text: str
    evidence: list[EvidenceTag] = Field(min_length=1)
    sources: list[SourceRef] = Field(min_length=1)


class WashoutAssignment(_Data):
    """First matching assignment wins.  Empty lists match anything."""

    ingredients: list[str] = Field(default_factory=list, description="Ingredient ids.")
    releases: list[Release | Literal["unknown"]] = Field(default_factory=list)
    washout_class: str
    assumed: bool = Field(False, description="True when chosen because data were missing.")
    note: str | None = None


class WashoutTable(_Data):
    classes: list[WashoutClass] = Field(min_length=1)
    assignments: list[WashoutAssignment] = Field(min_length=1)
    postoperative_class: str = Field(
        description="Class whose interval follows post-operative opioids (restart after "
        "surgery)."
    )


class MmeFactor(_Data):
    ingredient: str
    unit: DoseUnit
    releases: list[Release] = Field(default_factory=list, description="Empty: any release.")
    factor: float = Field(gt=0)


class MmeTable(_Data):
    name: str
    sources: list[SourceRef] = Field(min_length=1)
    factors: list[MmeFactor] = Field(min_length=1)
    no_factor_notes: dict[str, str] = Field(default_factory=dict)
    cautions: list[str] = Field(default_factory=list)


class MedicationGroup(_Data):
    """Medicines selected by role and tag in the vocabulary (never by name lists)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    roles: list[Role] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    exclude_tags: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(min_length=1)


class Threshold(_Data):
    value: float
    unit: str
    meaning: str
    evidence: list[EvidenceTag] = Field(min_length=1)
    sources: list[SourceRef] = Field(min_length=1)


class Thresholds(_Data):
    """Numbers the facts use, each with its source."""

    pregnancy_question_max_age: Threshold
    buprenorphine_oud_dose: Threshold
    restart_previous_dose_max_days: Threshold
    surgery_margin_days: Threshold
    response_minimal_percent: Threshold
    response_meaningful_percent: Threshold
    response_substantial_percent: Threshold


class ProtocolRule(_Data):
    rule: str = Field(description="A rule id; when it fires, this protocol is the default.")
    protocol: str


class Protocol(_Data):
    id: str = Field(pattern=RULE_ID)
    name: str
    description: str
    start_mg: float = Field(gt=0)
    step_mg: float = Field(gt=0)
    step_days: int = Field(ge=1, le=60)
    target_mg: float = Field(gt=0)
    default_form: DoseForm = Field(description="Form used unless the prescriber chooses one.")
    default_form_reason: str
    evidence: list[EvidenceTag] = Field(min_length=1)
    sources: list[SourceRef] = Field(min_length=1)


class DoseLimits(_Data):
    min_mg: float = Field(gt=0)
    default_target_mg: float = Field(gt=0)
    ceiling_mg: float = Field(gt=0)
    review_weeks: int = Field(ge=1)
    min_weeks_at_target: int = Field(ge=1)
    default_maintenance_days: int = Field(
        ge=1, description="Days of capsules per maintenance fill (refills reach the review)."
    )
    liquid_mg_per_ml: float = Field(gt=0)
    liquid_max_fill_days: int = Field(
        ge=1, description="Longest supply of liquid per fill (its beyond-use date)."
    )
    default_protocol: str
    protocol_rules: list[ProtocolRule] = Field(
        min_length=1, description="In order: the first rule that fires picks the protocol."
    )
    previous_dose_rule: str = Field(description="Rule that offers the previous LDN dose.")
    morning_rule: str
    sources: list[SourceRef] = Field(min_length=1)


class PublishedOutcome(_Data):
    """A published practice figure the registry's outcome report is shown beside."""

    measure: Literal["mean_reduction_percent", "stopped_percent", "side_effects_percent"]
    value: float = Field(ge=0, le=100)
    population: str
    n: int | None = Field(None, ge=1, description="Patients; null where the notes do not say.")
    evidence: list[EvidenceTag] = Field(min_length=1)
    sources: list[SourceRef] = Field(min_length=1)
    note: str | None = None


class Tables(_Data):
    washout: WashoutTable
    mme: MmeTable
    medication_groups: list[MedicationGroup] = Field(min_length=1)
    thresholds: Thresholds
    published_outcomes: list[PublishedOutcome] = Field(min_length=1)


class ProtocolFile(_Data):
    limits: DoseLimits
    protocols: list[Protocol] = Field(min_length=1)


class NoteBlock(_Data):
    title: str
    text: list[str] = Field(min_length=1)
    sources: list[SourceRef] = Field(min_length=1)
    evidence: list[EvidenceTag] = Field(min_length=1)


class NotesFile(_Data):
    """Compounding and insurance text, as data."""

    compounding: dict[str, NoteBlock]
    insurance: dict[str, NoteBlock]
    cost_range: str
    handout: dict[str, NoteBlock] = Field(default_factory=dict)


class HandoutWording(_Data):
    """Every sentence of the patient handout and the wallet card (``handout.yaml``).

    Part of the rule set, so that the rule-set SHA-256 in every footer covers the wording.
    Placeholders ({start}, {review}, {date}, {who}, {now}, {target}) are filled in by
    :mod:`ldn_cds.core.report_content`.
    """

    intro: list[str] = Field(min_length=1)
    start_plan: str
    review: str
    how_to_take: dict[Literal["bedtime", "morning"], list[str]]
    how_capsule: str
    how_liquid: list[str] = Field(min_length=1)
    missed_dose: str
    storage: list[str] = Field(min_length=1)
    first_weeks: list[str] = Field(min_length=1)
    morning_tip: str
    slow_benefit: list[str] = Field(min_length=3, max_length=3)
    gain_for_you: str
    opioid_box_title: str
    opioid_box: list[str] = Field(min_length=1)
    carry_card: str
    surgery: list[str] = Field(min_length=4, max_length=4)
    emergency_no_card: str
    operation_on: str
    emergency_label: str
    emergency_intro: str
    emergency_reasons: list[str] = Field(min_length=1)
    crisis_label: str
    crisis: str
    call_label: str
    call_intro: str
    call_reasons: list[str] = Field(min_length=1)
    pregnancy_reason: str
    cost: list[str] = Field(min_length=1)
    not_yet_dated: list[str] = Field(min_length=1)
    not_yet_undated: list[str] = Field(min_length=1)
    not_yet_plan_later: str
    contraindicated: list[str] = Field(min_length=1)
    contraindicated_next: list[str] = Field(min_length=1)
    needs_information: list[str] = Field(min_length=1)
    needs_information_next: list[str] = Field(min_length=1)
    questions: str
    diary: str
    card_title: str
    card_footer: str
    clinic_box_title: str

    @model_validator(mode="after")
    def _pregnancy_reason_is_a_call_reason(self) -> HandoutWording:
        if self.pregnancy_reason not in self.call_reasons:
            raise ValueError("pregnancy_reason must be one of call_reasons")
        if set(self.how_to_take) != {"bedtime", "morning"}:
            raise ValueError("how_to_take needs both 'bedtime' and 'morning'")
        return self


class Manifest(_Data):
    id: str
    version: str = Field(pattern=SEMVER)
    title: str
    released_on: date
    description: str
    example_base: dict[str, Any]
    example_on: date


class RuleSet(_Data):
    """The whole, validated rule set with its identity."""

    manifest: Manifest
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    rules: tuple[Rule, ...]
    bibliography: dict[str, BibEntry]
    evidence: tuple[EvidenceRecord, ...]
    tables: Tables
    dosing: ProtocolFile
    notes: NotesFile
    handout: HandoutWording
    texts: Texts = Field(description="Every other sentence of the outputs (texts.yaml).")
    conditions: ConditionVocabulary = Field(
        description="The coded pain conditions the intake offers (vocabulary/conditions.yaml).")
    opioid_max_daily: MaxDailyTable = Field(
        description="FDA-label maximum daily doses (tables/opioid_max_daily.yaml).")
    fhir: FhirMapping | None = Field(
        None, description="Codes the FHIR import maps (fhir/conditions.yaml).")
    vocabulary: SkipValidation[Vocabulary] = Field(
        description="Assembled and checked by medicines.assemble (not validated again)."
    )
    rule_files: dict[str, str] = Field(description="rule id -> file it came from")
    origin: str | None = Field(
        default=None,
        description="None for the rule set shipped with the program; otherwise the folder it "
        "was loaded from, named on every output (window banner, JSON, every PDF page).",
    )

    @property
    def shipped(self) -> bool:
        """True when this is the rule set that ships with the program."""
        return self.origin is None

    @property
    def version(self) -> str:
        return self.manifest.version

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def protocol(self, protocol_id: str) -> Protocol:
        for protocol in self.dosing.protocols:
            if protocol.id == protocol_id:
                return protocol
        raise KeyError(protocol_id)

    def group(self, group_id: str) -> MedicationGroup:
        for group in self.tables.medication_groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)


for _model in (AllOf, AnyOf, NotOf, Rule, RuleFile):
    _model.model_rebuild()
