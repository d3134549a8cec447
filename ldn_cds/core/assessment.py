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

import functools
import hashlib
import re
import uuid
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ldn_cds import __version__
from ldn_cds.core import facts as F
from ldn_cds.core.dosing import DosePlan, DosingError, PreviousDose, plan_doses
from ldn_cds.core.engine import RuleResult, run_rule
from ldn_cds.core.entry_checks import entry_findings
from ldn_cds.core.facts import Context, MmeLine, mme_lines, mme_total
from ldn_cds.core.medicines import Recognition, role_words
from ldn_cds.core.models import Case, DoseForm, OpioidStatus, Override
from ldn_cds.core.notes import Notes, build_notes
from ldn_cds.core.ruleset import Effect, Indicator, Rule, RuleSet
from ldn_cds.core.sources import SourceOut, source_out
from ldn_cds.core.texts import fill


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


@functools.cache
def _input_order() -> dict[str, int]:
    """Each input's place: the facts in their catalogue order (patient, pain, opioids, other
    medicines, LDN, history), then the case fields in the case format's order, so that a
    question comes before its follow-up ("on levothyroxine?" before "what caused the
    hypothyroidism?") instead of the alphabet deciding."""
    out: dict[str, int] = {name: i for i, name in enumerate(F.FACTS)}
    for section, info in Case.model_fields.items():
        out.setdefault(section, len(out))
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            for name in model.model_fields:
                out.setdefault(f"{section}.{name}", len(out))
    return out


def verdict_text(ruleset: RuleSet, verdict: Verdict) -> str:
    """The verdict in words (``texts.yaml`` verdicts)."""
    text: str = getattr(ruleset.texts.verdicts, verdict.value)
    return text


WASHOUT_RULE = "opioid-washout"
SURGERY_RULE = "surgery-during-titration"
DATABLE_RULES = frozenset({WASHOUT_RULE, SURGERY_RULE})
"""The rules whose ``not_yet`` has a known end: the washout and an operation during the
titration (their ends date the start).  Any other ``not_yet`` leaves the start undated."""

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
    ingredient: str | None = None
    release: str | None
    washout_class: str
    label: str
    days: int | None
    datable: bool = True
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


class MedicineOut(_Out):
    """What one medicine entry of the case was recognised as (shown beside the entry)."""

    field: str = Field(description="Where the entry is: opioids.medications[i].drug or "
                       "other_medications[i].")
    entry: str
    status: str = Field(description="recognised | ambiguous | not_recognised | "
                        "confirmed_not_opioid.")
    recognised_as: str
    role: str | None
    role_text: str
    ingredients: list[str]
    opioid_ingredients: list[str]
    formulation: str | None
    tags: list[str]


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
    mme_per_day: float | None = Field(
        description="MME per day; null when it cannot be computed (see mme_note)."
    )
    mme_note: str | None = Field(
        description="Why the MME is null, or what it describes (a stopped regimen)."
    )
    mme_table: str
    mme: list[MmeLine]
    medicines: list[MedicineOut]
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


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _fill(template: str, values: dict[str, str]) -> str:
    if "{" not in template:
        return template
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


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
        summary = rule.summary_if_unknown or fill(
            ruleset.texts.assessment.cannot_evaluate, title=rule.title.lower(),
            missing="{missing}")
    else:
        return None
    local = dict(values)
    local["missing"] = (", ".join(result.inputs_missing)
                        or ruleset.texts.assessment.missing_default)
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
    effects = [(r.rule.id, _effect_of(r)) for r in results]
    for effect, verdict in PRECEDENCE:
        rules = [rule_id for rule_id, e in effects if e is effect]
        if rules:
            return verdict, rules
    return Verdict.CANDIDATE, []


def _outcome(results: dict[str, RuleResult], rule_id: str) -> str:
    result = results.get(rule_id)
    return "not_fired" if result is None else result.outcome


def _dose_plan(
    ctx: Context,
    verdict: Verdict,
    earliest: date | None,
    results: dict[str, RuleResult],
) -> tuple[DosePlan | None, str | None]:
    case, ruleset = ctx.case, ctx.ruleset
    words = ruleset.texts.assessment
    if verdict in (Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION):
        return None, words.no_plan_not_started
    if earliest is None:
        return None, words.no_plan_undated
    limits = ruleset.dosing.limits
    choices = case.plan
    choice = ctx.chosen_protocol()
    previous: PreviousDose | None = None
    protocol_id, default_reason = choice.protocol_id, choice.reason
    if protocol_id == F.PREVIOUS_DOSE:
        dose = F.previous_ldn_dose(ctx)
        assert dose is not None  # the previous-dose rule fired
        rule = ruleset.rule(limits.previous_dose_rule)
        ceiling = (choices.ceiling_override.max_mg if choices.ceiling_override
                   else limits.ceiling_mg)
        if dose > ceiling:
            protocol_id = limits.default_protocol
            default_reason = fill(words.previous_above_ceiling, dose=f"{dose:g}",
                                  ceiling=f"{ceiling:g}")
        else:
            previous = PreviousDose(
                protocol_id=F.PREVIOUS_DOSE,
                name=fill(words.previous_dose_name, dose=f"{dose:g}"),
                description=rule.statement, dose_mg=dose, evidence=list(rule.evidence),
                sources=list(rule.sources),
            )
    start = earliest
    start_note = None
    if choices.start_on is not None:
        if choices.start_on < earliest:
            start_note = fill(words.start_before_earliest,
                              requested=choices.start_on.isoformat(),
                              earliest=earliest.isoformat())
        else:
            start = choices.start_on
    morning = _outcome(results, limits.morning_rule) == "fired"
    timing_reason = (
        ruleset.rule(limits.morning_rule).summary
        if morning
        else words.bedtime_reason
    )
    default_form = (ruleset.protocol(protocol_id).default_form
                    if previous is None and protocol_id in {p.id for p in
                                                            ruleset.dosing.protocols}
                    else DoseForm.CAPSULE)
    plan = plan_doses(
        ruleset=ruleset,
        protocol_id=protocol_id,
        chosen_by=choice.chosen_by,
        default_reason=default_reason,
        start_on=start,
        start_note=start_note,
        form=choices.form or default_form,
        morning=morning,
        timing_reason=timing_reason,
        maintenance_days=choices.maintenance_days,
        target_mg=choices.target_mg,
        ceiling_override=choices.ceiling_override,
        basis_rules=[
            r for r in ("dose-range", "titration-default", choice.rule_id,
                        limits.morning_rule, "review-at-12-weeks")
            if r is not None and r in results
        ],
        previous_dose=previous,
    )
    return plan, None


def _earliest(
    ctx: Context, verdict: Verdict, verdict_rules: list[str], washout_ends: date | None,
    results: dict[str, RuleResult],
) -> date | None:
    """The earliest permitted start, or None when LDN is not to be started or the start
    cannot be dated (an undatable ``not_yet``, unknown last dose, depot)."""
    if verdict not in (Verdict.CANDIDATE, Verdict.CANDIDATE_WITH_CAUTIONS, Verdict.NOT_YET):
        return None
    if verdict is Verdict.NOT_YET and not set(verdict_rules) <= DATABLE_RULES:
        return None
    on = ctx.on
    status = ctx.case.opioids.status
    if status is OpioidStatus.STOPPED:
        if washout_ends is None:
            return None
        earliest = max(on, washout_ends)
    elif status is OpioidStatus.NONE:
        earliest = on
    else:
        return None
    if _outcome(results, SURGERY_RULE) == "fired":
        when = ctx.case.history.planned_surgery_on
        assert when is not None
        earliest = max(earliest, when + timedelta(days=ctx.surgery_postop_days()))
    return earliest


def _medicines(ctx: Context) -> list[MedicineOut]:
    out = []
    words = ctx.ruleset.texts.assessment

    def row(field: str, entry: str, rec: Recognition, confirmed: bool = False) -> MedicineOut:
        status = "confirmed_not_opioid" if confirmed and not rec.recognised else rec.status
        if status == "not_recognised":
            label = words.medicine_not_recognised
        elif status == "ambiguous":
            label = fill(words.medicine_ambiguous, meanings=" or ".join(rec.meanings))
        elif status == "confirmed_not_opioid":
            label = words.medicine_confirmed
        else:
            label = rec.label
        return MedicineOut(
            field=field, entry=entry, status=status, recognised_as=label,
            role=None if rec.role is None else rec.role.value,
            role_text=(role_words(ctx.ruleset.vocabulary, rec.role) if rec.recognised
                       else status.replace("_", " ")),
            ingredients=list(rec.ingredients), opioid_ingredients=list(rec.opioid_ingredients),
            formulation=None if rec.formulation is None else rec.formulation.value,
            tags=list(rec.tags),
        )

    for line in ctx.opioid_lines():
        out.append(row(f"opioids.medications[{line.index}].drug", line.med.drug,
                       line.recognition))
    for other in ctx.other_lines():
        out.append(row(f"other_medications[{other.index}]", other.text, other.recognition,
                       other.confirmed))
    return out


def _names(items: list[str], none: str) -> str:
    return ", ".join(items) if items else none


def _placeholders(
    ctx: Context, earliest: date | None, washout_ends: date | None,
    washout: tuple[F.WashoutLine, ...], mme_total_value: float | None,
) -> dict[str, str]:
    w = ctx.ruleset.texts.assessment
    age = ctx.age_years()
    datable = [x for x in washout if x.washout_class.days is not None]
    surgery = ctx.case.history.planned_surgery_on
    bup = F.buprenorphine_oud_lines(ctx)
    dose = F.previous_ldn_dose(ctx)
    oud = F.oud_agents(ctx)

    def names(items: list[str]) -> str:
        return _names(items, w.names_none)

    return {
        "earliest_start_on": earliest.isoformat() if earliest else w.earliest_unknown,
        "washout_ends_on": washout_ends.isoformat() if washout_ends else w.washout_end_unknown,
        "mme_per_day": w.mme_unknown if mme_total_value is None else f"{mme_total_value:g}",
        "washout_days": (str(max(x.washout_class.days or 0 for x in datable)) if datable
                         else w.washout_days_unknown),
        "age_years": w.age_unknown if age is None else str(age),
        "unrecognised_medicines": names([o.text for o in F.unresolved_others(ctx)]),
        "other_opioids": names([o.text for o in ctx.other_opioids()]),
        "oud_agents": names(oud) if oud else w.oud_agents_unknown,
        "buprenorphine_dose": (f"{max(b.med.daily_dose or 0 for b in bup):g} mg" if bup
                               else w.buprenorphine_dose_unknown),
        "depot_agents": names(F.depot_agents(ctx)),
        "pamoras": names([o.text for o in ctx.other_lines()
                          if ctx.in_group("peripheral_antagonists", o.recognition)]),
        "contradictions": "; ".join(F.contradictions(ctx)) or w.names_none,
        "surgery_on": fill(w.surgery_on, date=surgery.isoformat()) if surgery else "",
        "ldn_dose": f"{dose:g} mg" if dose is not None else w.ldn_dose_unknown,
        "not_opioids_listed": names(F.not_opioid_entries(ctx)),
        "unrecognised_opioids": names(F.unrecognised_opioid_entries(ctx)),
        "naltrexone_entries": names(F.naltrexone_dose_unknown(ctx)),
        "duplicate_antagonists": names([o.text for o in ctx.other_lines()
                                        if ctx.in_group("duplicate_antagonists",
                                                        o.recognition)]),
    }


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
    oud_now = (ctx.fact("opioids.oud_treatment") is True
               or ctx.fact("opioids.buprenorphine_oud_dose") is True)
    if oud_now and case.opioids.status is not OpioidStatus.STOPPED:
        # no washout is shown beside opioid use disorder treatment: it is never stopped for LDN
        washout = ()
    washout_ends = ctx.washout_ends_on() if case.opioids.status is OpioidStatus.STOPPED else None
    earliest = _earliest(ctx, verdict, verdict_rules, washout_ends, by_id)

    mme = mme_lines(ctx)
    mme_value, mme_note = mme_total(ctx, mme)
    values = _placeholders(ctx, earliest, washout_ends, washout, mme_value)
    overrides = {o.rule_id: o for o in case.overrides}
    # Card ids are unique per case, date and rule set, and repeatable for the same inputs.
    case_key = hashlib.sha256(
        f"{case.model_dump_json()}|{on.isoformat()}|{ruleset.sha256}".encode()
    ).hexdigest()
    starting = verdict not in (Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION)
    findings = [
        f
        for f in (_finding(r, ruleset, values, overrides, case_key) for r in results
                  if starting or not r.rule.only_when_starting)
        if f is not None
    ]
    findings += [  # entry checks (free-text condition, dose above the label maximum)
        Finding(uuid=str(uuid.uuid5(_UUID_NS, f"{case_key}:{e.check_id}")), rule_id=e.check_id,
                rule_version=ruleset.version, title=e.title, status="fired",
                indicator=e.indicator, effect=Effect.NONE, summary=e.summary, detail=e.detail,
                patient_text=None, inputs_missing=[], sources=list(e.sources), evidence=[
                    s.evidence for s in e.sources], sources_disagree=None, suggestions=[],
                selection_behavior=None, override_reasons=[])
        for e in entry_findings(case, ruleset)]
    findings.sort(key=lambda f: (_INDICATOR_ORDER[f.indicator], f.status != "fired"))

    missing: dict[str, MissingItem] = {}
    for r in results:
        if r.outcome != "cannot_evaluate":
            continue
        if r.rule.effect_if_unknown is Effect.NONE and not r.rule.ask_if_unknown:
            continue
        blocks = r.rule.effect_if_unknown is Effect.NEEDS_INFORMATION
        for name in r.inputs_missing:
            item = missing.get(name)
            if item is None:
                missing[name] = MissingItem(
                    input=name, question=ruleset.texts.questions[name],
                    rule_ids=[r.rule.id], blocks_decision=blocks,
                )
            else:
                missing[name] = item.model_copy(update={
                    "rule_ids": [*item.rule_ids, r.rule.id],
                    "blocks_decision": item.blocks_decision or blocks,
                })
    order = _input_order()
    missing_list = sorted(missing.values(), key=lambda m: (
        not m.blocks_decision, order.get(m.input.split("[", 1)[0], len(order)), m.input))

    evidence, without = _evidence(case, ruleset)
    plan, plan_note = _dose_plan(ctx, verdict, earliest, by_id)
    notes = None if plan is None else build_notes(case, plan, ruleset, evidence_ids=[
        e.id for e in evidence])

    return Assessment(
        assessed_on=on,
        verdict=verdict,
        verdict_text=verdict_text(ruleset, verdict),
        verdict_rules=verdict_rules,
        earliest_start_on=earliest,
        washout_ends_on=washout_ends,
        washout=[
            WashoutOut(
                drug=w.drug, ingredient=w.ingredient, release=w.release,
                washout_class=w.washout_class.id, label=w.washout_class.label,
                days=w.washout_class.days, datable=w.washout_class.datable,
                range_text=w.washout_class.range_text, assumed=w.assumed, note=w.note,
                last_dose_on=w.last_dose_on, ends_on=w.ends_on,
                sources=[s.id for s in w.washout_class.sources],
                evidence=[e.value for e in w.washout_class.evidence],
            )
            for w in washout
        ],
        mme_per_day=mme_value,
        mme_note=mme_note,
        mme_table=ruleset.tables.mme.name,
        mme=list(mme),
        medicines=_medicines(ctx),
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
    # built from the validated rule set and the engine's own values: no validation needed
    return TraceEntry.model_construct(
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
        if record.applies_to.all:
            matched = matched or ["chronic pain"]
        elif not matched:
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
