"""Compounding and insurance notes: prescription text, storage, cost, prior authorization.

The fixed wording (immediate release, filler, storage, off-label, coverage) comes from
``resources/notes.yaml``; this module only fills in the patient's plan (strengths, dates,
quantities) and case facts (diagnoses, prior therapies).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from ldn_cds.core.dosing import DosePlan, DoseStep
from ldn_cds.core.models import Case, DoseForm
from ldn_cds.core.ruleset import NoteBlock, RuleSet
from ldn_cds.core.sources import SourceOut, source_out


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NoteSection(_Out):
    title: str
    lines: list[str]
    sources: list[SourceOut]
    evidence: list[str]


class PriorAuthorization(_Out):
    diagnosis: str
    duration: str
    prior_therapies: list[str]
    prior_therapies_note: str | None
    rationale: list[str]
    evidence: list[str]
    monitoring_plan: list[str]


class Notes(_Out):
    prescription: list[str]
    prescription_text: str
    compounding: list[NoteSection]
    insurance: list[NoteSection]
    cost_range: str
    prior_authorization: PriorAuthorization
    record_note: str


def fmt_date(day: date) -> str:
    """Unambiguous date for printed text: 24 Nov 2026."""
    return f"{day.day} {day.strftime('%b')} {day.year}"


def fmt_mg(mg: float) -> str:
    return f"{mg:g} mg"


def _section(ruleset: RuleSet, block: NoteBlock) -> NoteSection:
    return NoteSection(
        title=block.title,
        lines=list(block.text),
        sources=[source_out(ruleset, s) for s in block.sources],
        evidence=[e.value for e in block.evidence],
    )


def prescription_lines(plan: DosePlan, ruleset: RuleSet) -> list[str]:
    """The prescription for the compounding pharmacy, one line per item."""
    when = "at bedtime" if plan.timing == "bedtime" else "in the morning"
    spec_key = "capsule_spec" if plan.form is DoseForm.CAPSULE else "liquid_spec"
    spec = ruleset.notes.compounding[spec_key].text
    lines: list[str] = []
    if plan.form is DoseForm.CAPSULE:
        for line, step in zip(plan.dispense, _dispensed_steps(plan), strict=True):
            if step.maintenance:
                period = f"from {fmt_date(step.start)}, ongoing"
            else:
                assert step.until is not None
                period = f"from {fmt_date(step.start)} to {fmt_date(step.until)}"
            lines.append(
                f"Naltrexone HCl {fmt_mg(step.dose_mg)} capsules, compounded. "
                f"Sig: take 1 capsule by mouth {when}, {period}. "
                f"Qty: #{int(line.quantity)} ({line.days} days). Refills: 0."
            )
    else:
        per_ml = ruleset.dosing.limits.liquid_mg_per_ml
        chart = "; ".join(
            f"{s.ml_per_dose:g} mL ({fmt_mg(s.dose_mg)}) from {fmt_date(s.start)}"
            for s in plan.steps
        )
        fills = "; ".join(f"fill {i}: {d.quantity:g} mL ({d.days} days)"
                          for i, d in enumerate(plan.dispense, start=1))
        lines.append(
            f"Naltrexone {per_ml:g} mg/mL oral liquid, compounded. "
            f"Sig: per the attached titration chart, by mouth {when}: {chart}. "
            f"Qty: {fills}. Dispense with an oral syringe. "
            f"Refills: {max(len(plan.dispense) - 1, 0)} as listed."
        )
    lines.extend(spec)
    return lines


def _dispensed_steps(plan: DosePlan) -> list[DoseStep]:
    steps: list[DoseStep] = []
    for step in plan.steps:
        count = step.days if step.days is not None else plan.maintenance_days
        if count > 0:
            steps.append(step)
    return steps


def build_notes(
    case: Case, plan: DosePlan, ruleset: RuleSet, *, evidence_ids: list[str]
) -> Notes:
    """Compounding and insurance notes for one case and its dose plan."""
    text = ruleset.notes
    storage_key = "storage_capsule" if plan.form is DoseForm.CAPSULE else "storage_liquid"
    compounding = [
        _section(ruleset, text.compounding[key])
        for key in ("why_compounded", storage_key, "home_method")
        if key in text.compounding
    ]
    insurance = [_section(ruleset, block) for block in text.insurance.values()]
    rx = prescription_lines(plan, ruleset)

    conditions = ", ".join(c.replace("_", " ") for c in case.pain.conditions or ()) or None
    types = ", ".join(t.value for t in case.pain.types or ()) or None
    diagnosis = "; ".join(
        part for part in (conditions, f"pain type: {types}" if types else None) if part
    ) or "not recorded"
    months = case.pain.duration_months
    duration = "not recorded" if months is None else f"{months} months"
    prior = list(case.prior_therapies or ())
    prior_note = None
    if case.prior_therapies is None:
        prior_note = "Prior therapies not recorded: insurers usually ask which were tried."
    elif not prior:
        prior_note = "No prior therapies recorded."
    evidence = [
        f"{rec.title}: {rec.summary}" for rec in ruleset.evidence if rec.id in evidence_ids
    ]
    appeal = text.insurance["appeal"].text  # required by the loader
    monitoring = [
        f"Titration from {fmt_date(plan.start_on)} to {fmt_mg(plan.target_mg)} "
        f"(reached {fmt_date(plan.target_reached_on)}).",
        f"Review on {fmt_date(plan.review_on)} ({plan.review_basis}).",
        *appeal[1:],
    ]
    rationale = appeal[:1]
    prior_auth = PriorAuthorization(
        diagnosis=diagnosis,
        duration=duration,
        prior_therapies=prior,
        prior_therapies_note=prior_note,
        rationale=rationale,
        evidence=evidence,
        monitoring_plan=monitoring,
    )
    record_note = (
        f"LDN plan ({ruleset.manifest.id} {ruleset.version}): {plan.protocol_name}; "
        f"start {fmt_mg(plan.start_mg)} {plan.timing} on {fmt_date(plan.start_on)}, "
        f"target {fmt_mg(plan.target_mg)} from {fmt_date(plan.target_reached_on)}; "
        f"{plan.form.value}; review {fmt_date(plan.review_on)}. Off-label use; usually self-pay. "
        "To do: counsel on opioid blockade and give the wallet card."
    )
    return Notes(
        prescription=rx,
        prescription_text="\n".join(rx),
        compounding=compounding,
        insurance=insurance,
        cost_range=text.cost_range,
        prior_authorization=prior_auth,
        record_note=record_note,
    )
