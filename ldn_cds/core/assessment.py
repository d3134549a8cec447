"""Assessment: case + date + rule set -> verdict, findings, trace, MME, evidence, dose plan.

Verdict precedence (most to least restrictive), applied to the effects of fired rules and of
rules that could not be evaluated:

1. ``contraindicated``   a contraindication fired: do not start.
2. ``needs_information`` a safety question is unanswered (or answered "unknown"): the tool
   cannot say the patient is safe to start; answer the listed questions.
3. ``not_yet``           opioids are in use or inside the washout: wait, then start.
4. ``candidate_with_cautions`` one or more cautions apply (or a caution question is unanswered).
5. ``candidate``         no rule restricts the start.

Pure and deterministic: the same case, date and rule set always give the same assessment.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ldn_cds import __version__
from ldn_cds.core.dosing import DosePlan, DosingError, plan_doses
from ldn_cds.core.engine import RuleResult, run_rule
from ldn_cds.core.facts import Context, MmeLine, fact_spec, mme_lines
from ldn_cds.core.models import Case, OpioidStatus, Override
from ldn_cds.core.notes import Notes, build_notes
from ldn_cds.core.ruleset import Effect, Indicator, Rule, RuleSet
from ldn_cds.core.sources import SourceOut, source_out


class Verdict(StrEnum):
    CANDIDATE = "candidate"
    CANDIDATE_WITH_CAUTIONS = "candidate_with_cautions"
    NOT_YET = "not_yet"
    CONTRAINDICATED = "contraindicated"
    NEEDS_INFORMATION = "needs_information"


PRECEDENCE: tuple[tuple[Effect, Verdict], ...] = (
    (Effect.CONTRAINDICATED, Verdict.CONTRAINDICATED),
    (Effect.NEEDS_INFORMATION, Verdict.NEEDS_INFORMATION),
    (Effect.NOT_YET, Verdict.NOT_YET),
    (Effect.CAUTION, Verdict.CANDIDATE_WITH_CAUTIONS),
)

VERDICT_TEXT = {
    Verdict.CANDIDATE: "Candidate for LDN",
    Verdict.CANDIDATE_WITH_CAUTIONS: "Candidate for LDN, with cautions",
    Verdict.NOT_YET: "Not yet: wait before starting LDN",
    Verdict.CONTRAINDICATED: "Contraindicated: do not start LDN",
    Verdict.NEEDS_INFORMATION: "Needs information before a decision",
}

WASHOUT_RULE = "opioid-washout"
"""The only rule whose ``not_yet`` has a known end: the washout (its end dates the start)."""

_UUID_NS = uuid.UUID("6f1f3d52-8a55-4c1e-9d43-2b7f6f0c0d11")
_INDICATOR_ORDER = {Indicator.CRITICAL: 0, Indicator.WARNING: 1, Indicator.INFO: 2}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class SuggestionOut(_Out):
    label: str
    uuid: str
    is_recommended: bool


class OverrideReasonOut(_Out):
    code: str
    display: str


class Finding(_Out):
    """One card (CDS Hooks shape) from a rule that fired or could not be evaluated."""

    uuid: str
    rule_id: str
    rule_version: str
    title: str
    status: str = Field(description="'fired' or 'cannot_evaluate'.")
    indicator: Indicator
    effect: Effect
    summary: str = Field(max_length=140)
    detail: str
    patient_text: str | None
    inputs_missing: list[str]
    sources: list[SourceOut] = Field(min_length=1)
    evidence: list[str]
    sources_disagree: str | None
    suggestions: list[SuggestionOut]
    selection_behavior: str | None
    override_reasons: list[OverrideReasonOut]
    override: Override | None = None


class TraceEntry(_Out):
    rule_id: str
    rule_version: str
    title: str
    kind: str
    outcome: str
    effect: Effect
    inputs_read: dict[str, Any]
    inputs_missing: list[str]
    sources: list[str]
    evidence: list[str]


class MissingItem(_Out):
    input: str
    question: str
    rule_ids: list[str]
    blocks_decision: bool


class WashoutOut(_Out):
    drug: str
    release: str | None
    washout_class: str
    label: str
    days: int
    range_text: str
    assumed: bool
    note: str | None
    last_dose_on: date | None
    ends_on: date | None
    sources: list[str]
    evidence: list[str]


class EvidenceOut(_Out):
    id: str
    title: str
    direction: str
    strength: str
    summary: str
    detail: str
    sources: list[SourceOut]
    matched: list[str]


class RuleSetIdentity(_Out):
    id: str
    version: str
    sha256: str


class Assessment(_Out):
    assessed_on: date
    verdict: Verdict
    verdict_text: str
    verdict_rules: list[str] = Field(description="Rules whose effect set the verdict.")
    earliest_start_on: date | None
    washout_ends_on: date | None
    washout: list[WashoutOut]
    mme_per_day: float
    mme_table: str
    mme: list[MmeLine]
    findings: list[Finding]
    missing_information: list[MissingItem]
    evidence: list[EvidenceOut]
    conditions_without_evidence: list[str]
    dose_plan: DosePlan | None
    dose_plan_note: str | None
    notes: Notes | None
    overrides: list[Override]
    trace: list[TraceEntry]
    ruleset: RuleSetIdentity
    program_version: str


def _fill(template: str, values: dict[str, str]) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def _finding(
    result: RuleResult,
    ruleset: RuleSet,
    values: dict[str, str],
    overrides: dict[str, Override],
    case_key: str,
) -> Finding | None:
    rule = result.rule
    if result.outcome == "fired":
        if not rule.card:
            return None
        effect = rule.effect
        indicator = rule.indicator
        summary = rule.summary
    elif result.outcome == "cannot_evaluate" and rule.effect_if_unknown is not Effect.NONE:
        effect = rule.effect_if_unknown
        indicator = (
            Indicator.WARNING if effect is Effect.NEEDS_INFORMATION else Indicator.INFO
        )
        summary = rule.summary_if_unknown or (
            f"Cannot evaluate: {rule.title.lower()} ({{missing}} not recorded)"
        )
    else:
        return None
    local = dict(values)
    local["missing"] = ", ".join(result.inputs_missing) or "an input"
    text = _fill(summary, local)
    if len(text) > 140:
        text = text[:139] + "…"
    return Finding(
        uuid=str(uuid.uuid5(_UUID_NS, f"{case_key}:{rule.id}@{rule.version}:{result.outcome}")),
        rule_id=rule.id,
        rule_version=rule.version,
        title=rule.title,
        status=result.outcome,
        indicator=indicator,
        effect=effect,
        summary=text,
        detail=_fill(rule.detail, local),
        patient_text=None if rule.patient_text is None else _fill(rule.patient_text, local),
        inputs_missing=list(result.inputs_missing),
        sources=[source_out(ruleset, s) for s in rule.sources],
        evidence=[e.value for e in rule.evidence],
        sources_disagree=rule.sources_disagree,
        suggestions=[
            SuggestionOut(
                label=s.label,
                uuid=str(uuid.uuid5(_UUID_NS, f"{rule.id}:suggestion:{s.label}")),
                is_recommended=s.is_recommended,
            )
            for s in rule.suggestions
        ],
        selection_behavior=rule.selection_behavior,
        override_reasons=[OverrideReasonOut(code=o.code, display=o.display)
                          for o in rule.override_reasons],
        override=overrides.get(rule.id),
    )


def _effect_of(result: RuleResult) -> Effect:
    if result.outcome == "fired":
        return result.rule.effect
    if result.outcome == "cannot_evaluate":
        return result.rule.effect_if_unknown
    return Effect.NONE


def _verdict(results: list[RuleResult]) -> tuple[Verdict, list[str]]:
    for effect, verdict in PRECEDENCE:
        rules = [r.rule.id for r in results if _effect_of(r) is effect]
        if rules:
            return verdict, rules
    return Verdict.CANDIDATE, []


def _outcome(results: dict[str, RuleResult], rule_id: str) -> str:
    result = results.get(rule_id)
    return "not_fired" if result is None else result.outcome


def _dose_plan(
    case: Case,
    ruleset: RuleSet,
    verdict: Verdict,
    earliest: date | None,
    on: date,
    results: dict[str, RuleResult],
) -> tuple[DosePlan | None, str | None]:
    if verdict in (Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION):
        return None, "No dose plan: LDN is not being started (see the verdict)."
    if earliest is None:
        return None, "No dose plan until the opioid washout can be dated."
    limits = ruleset.dosing.limits
    choices = case.plan
    sensitive = _outcome(results, limits.sensitive_rule)
    if choices.protocol is not None:
        protocol_id, chosen_by = choices.protocol, "prescriber"
        default_reason = "Chosen by the prescriber."
    elif sensitive == "fired":
        protocol_id, chosen_by = limits.sensitive_protocol, "rules"
        default_reason = ruleset.rule(limits.sensitive_rule).summary
    else:
        protocol_id, chosen_by = limits.default_protocol, "rules"
        default_reason = "Standard titration: no reason for the slow schedule was recorded."
        if sensitive == "cannot_evaluate":
            default_reason = (
                "Standard titration, but the need for the slow schedule could not be "
                "evaluated: see the findings."
            )
    start = earliest
    start_note = None
    if choices.start_on is not None:
        if choices.start_on < earliest:
            start_note = (
                f"Requested start {choices.start_on.isoformat()} is before the earliest safe "
                f"start {earliest.isoformat()}; the plan starts on {earliest.isoformat()}."
            )
        else:
            start = choices.start_on
    morning = _outcome(results, limits.morning_rule) == "fired"
    timing_reason = (
        ruleset.rule(limits.morning_rule).summary
        if morning
        else "Bedtime, the convention used in the trials."
    )
    plan = plan_doses(
        ruleset=ruleset,
        protocol_id=protocol_id,
        chosen_by=chosen_by,
        default_reason=default_reason,
        start_on=start,
        start_note=start_note,
        form=choices.form or ruleset.protocol(protocol_id).default_form,
        morning=morning,
        timing_reason=timing_reason,
        maintenance_days=choices.maintenance_days,
        target_mg=choices.target_mg,
        ceiling_override=choices.ceiling_override,
        basis_rules=[
            r for r in ("dose-range", "titration-default", limits.sensitive_rule,
                        limits.morning_rule, "review-at-12-weeks")
            if r in results
        ],
    )
    return plan, None


def assess(case: Case, *, on: date, ruleset: RuleSet) -> Assessment:
    """Assess one case on the given date with the given rule set.

    Args:
        case: the validated case.
        on: the assessment date (the clock is a parameter, never read here).
        ruleset: the loaded, validated rule set.

    Raises:
        DosingError: when the prescriber's dose choices cannot be honoured.
    """
    ctx = Context(case, on, ruleset)
    results = [run_rule(rule, ctx) for rule in ruleset.rules]
    by_id = {r.rule.id: r for r in results}
    verdict, verdict_rules = _verdict(results)

    washout = ctx.washout_lines()
    washout_ends = ctx.washout_ends_on() if case.opioids.status is OpioidStatus.STOPPED else None
    earliest: date | None = None
    datable = verdict is not Verdict.NOT_YET or verdict_rules == [WASHOUT_RULE]
    if datable and verdict in (
        Verdict.CANDIDATE, Verdict.CANDIDATE_WITH_CAUTIONS, Verdict.NOT_YET
    ):
        status = case.opioids.status
        if status is OpioidStatus.STOPPED:
            earliest = None if washout_ends is None else max(on, washout_ends)
        elif status is OpioidStatus.NONE:
            earliest = on

    mme = mme_lines(case, ruleset)
    mme_total = round(sum(line.mme for line in mme if line.mme is not None), 2)
    age = ctx.age_years()
    values = {
        "earliest_start_on": earliest.isoformat() if earliest else "not yet known",
        "washout_ends_on": washout_ends.isoformat() if washout_ends else "not known",
        "mme_per_day": f"{mme_total:g}",
        "washout_days": (
            str(max(w.washout_class.days for w in washout)) if washout else "the required number of"
        ),
        "age_years": "unknown" if age is None else str(age),
    }
    overrides = {o.rule_id: o for o in case.overrides}
    # Card ids are unique per case, date and rule set, and repeatable for the same inputs.
    case_key = hashlib.sha256(
        f"{case.model_dump_json()}|{on.isoformat()}|{ruleset.sha256}".encode()
    ).hexdigest()
    findings = [
        f
        for f in (_finding(r, ruleset, values, overrides, case_key) for r in results)
        if f is not None
    ]
    findings.sort(key=lambda f: (_INDICATOR_ORDER[f.indicator], f.status != "fired"))

    missing: dict[str, MissingItem] = {}
    for r in results:
        if r.outcome != "cannot_evaluate" or r.rule.effect_if_unknown is Effect.NONE:
            continue
        blocks = r.rule.effect_if_unknown is Effect.NEEDS_INFORMATION
        for name in r.inputs_missing:
            item = missing.get(name)
            if item is None:
                missing[name] = MissingItem(
                    input=name, question=fact_spec(name).question,
                    rule_ids=[r.rule.id], blocks_decision=blocks,
                )
            else:
                missing[name] = item.model_copy(update={
                    "rule_ids": [*item.rule_ids, r.rule.id],
                    "blocks_decision": item.blocks_decision or blocks,
                })
    missing_list = sorted(missing.values(), key=lambda m: (not m.blocks_decision, m.input))

    evidence, without = _evidence(case, ruleset)
    plan, plan_note = _dose_plan(case, ruleset, verdict, earliest, on, by_id)
    notes = None if plan is None else build_notes(case, plan, ruleset, evidence_ids=[
        e.id for e in evidence])

    return Assessment(
        assessed_on=on,
        verdict=verdict,
        verdict_text=VERDICT_TEXT[verdict],
        verdict_rules=verdict_rules,
        earliest_start_on=earliest,
        washout_ends_on=washout_ends,
        washout=[
            WashoutOut(
                drug=w.drug, release=w.release, washout_class=w.washout_class.id,
                label=w.washout_class.label, days=w.washout_class.days,
                range_text=w.washout_class.range_text, assumed=w.assumed, note=w.note,
                last_dose_on=w.last_dose_on, ends_on=w.ends_on,
                sources=[s.id for s in w.washout_class.sources],
                evidence=[e.value for e in w.washout_class.evidence],
            )
            for w in washout
        ],
        mme_per_day=mme_total,
        mme_table=ruleset.tables.mme.name,
        mme=list(mme),
        findings=findings,
        missing_information=missing_list,
        evidence=evidence,
        conditions_without_evidence=without,
        dose_plan=plan,
        dose_plan_note=plan_note,
        notes=notes,
        overrides=list(case.overrides),
        trace=[_trace(r) for r in results],
        ruleset=RuleSetIdentity(
            id=ruleset.manifest.id, version=ruleset.version, sha256=ruleset.sha256
        ),
        program_version=__version__,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def _trace(result: RuleResult) -> TraceEntry:
    rule: Rule = result.rule
    return TraceEntry(
        rule_id=rule.id,
        rule_version=rule.version,
        title=rule.title,
        kind=rule.kind,
        outcome=result.outcome,
        effect=_effect_of(result),
        inputs_read={k: _json_value(v) for k, v in result.inputs_read.items()},
        inputs_missing=list(result.inputs_missing),
        sources=[s.id for s in rule.sources],
        evidence=[e.value for e in rule.evidence],
    )


def _evidence(case: Case, ruleset: RuleSet) -> tuple[list[EvidenceOut], list[str]]:
    conditions = list(case.pain.conditions or ())
    types = [t.value for t in case.pain.types or ()]
    out = []
    covered: set[str] = set()
    for record in ruleset.evidence:
        matched = [c for c in conditions if c in record.applies_to.conditions]
        matched += [t for t in types if t in record.applies_to.pain_types]
        if not matched:
            continue
        covered.update(matched)
        out.append(
            EvidenceOut(
                id=record.id, title=record.title, direction=record.direction,
                strength=record.strength, summary=record.summary, detail=record.detail,
                sources=[source_out(ruleset, s) for s in record.sources], matched=matched,
            )
        )
    without = [c for c in conditions if c not in covered]
    return out, without


__all__ = ["Assessment", "DosingError", "Finding", "SourceOut", "Verdict", "assess"]
