"""Compounding and insurance notes: prescription text, storage, cost, prior authorization.

The fixed wording (immediate release, filler, storage, off-label, coverage) comes from
``resources/notes.yaml``; this module only fills in the patient's plan (strengths, dates,
quantities) and case facts (diagnoses, prior therapies).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.formatting import fmt_date, fmt_mg
from ldn_cds.core.models import Case, DoseForm
from ldn_cds.core.ruleset import NoteBlock, RuleSet
from ldn_cds.core.sources import SourceOut, source_out
from ldn_cds.core.texts import NoteWords, fill


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


def _section(ruleset: RuleSet, block: NoteBlock) -> NoteSection:
    return NoteSection(
        title=block.title,
        lines=list(block.text),
        sources=[source_out(ruleset, s) for s in block.sources],
        evidence=[e.value for e in block.evidence],
    )


def _days(words: NoteWords, first: int, last: int) -> str:
    if first == last:
        return fill(words.day, day=str(first))
    return fill(words.days, first=str(first), last=str(last))


def prescription_lines(plan: DosePlan, ruleset: RuleSet) -> list[str]:
    """The prescriptions for the compounding pharmacy, one per line.

    The sig counts days from the first dose ("days 1-7"), not calendar dates, so a late
    pick-up does not break it.  Each fill whose content differs is its own prescription;
    identical fills are refills.  Together they reach the review date.
    """
    words = ruleset.texts.notes
    when = words.at_bedtime if plan.timing == "bedtime" else words.in_the_morning
    spec_key = "capsule_spec" if plan.form is DoseForm.CAPSULE else "liquid_spec"
    spec = ruleset.notes.compounding[spec_key].text
    lines: list[str] = []
    if plan.form is DoseForm.CAPSULE:
        for line in plan.dispense:
            assert line.strength_mg is not None
            if line.refills == 0:
                period = fill(words.capsule_on_days,
                              days=_days(words, line.day_from, line.day_to))
                refills = words.refills_none
            else:
                period = fill(words.capsule_daily_from, day=str(line.day_from))
                refills = fill(words.refills, refills=str(line.refills), day=str(line.day_to))
            lines.append(fill(
                words.capsule_line, strength=fmt_mg(line.strength_mg), when=when,
                period=period, quantity=str(int(line.quantity)), days=str(line.days),
                refills=refills,
            ))
    else:
        per_ml = ruleset.dosing.limits.liquid_mg_per_ml
        total = len(plan.dispense)
        for number, line in enumerate(plan.dispense, start=1):
            chart = "; ".join(
                fill(words.liquid_step, ml=f"{dose / per_ml:g}", dose=fmt_mg(dose),
                     days=_days(words, first, last))
                for first, last, dose in line.doses
            )
            refills = (fill(words.refills, refills=str(line.refills), day=str(line.day_to))
                       if line.refills else words.refills_none)
            lines.append(fill(
                words.liquid_line, strength=f"{per_ml:g}", number=str(number),
                total=str(total), when=when, chart=chart, ml=f"{line.quantity:g}",
                days=str(line.days), refills=refills,
            ))
    lines.extend(spec)
    return lines


def build_notes(
    case: Case, plan: DosePlan, ruleset: RuleSet, *, evidence_ids: list[str]
) -> Notes:
    """Compounding and insurance notes for one case and its dose plan."""
    text = ruleset.notes
    words = ruleset.texts.notes
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
        part for part in (conditions, fill(words.pain_type, types=types) if types else None)
        if part
    ) or words.not_recorded
    months = case.pain.duration_months
    duration = words.not_recorded if months is None else fill(words.months, months=str(months))
    prior = list(case.prior_therapies or ())
    prior_note = None
    if case.prior_therapies is None:
        prior_note = words.prior_therapies_missing
    elif not prior:
        prior_note = words.prior_therapies_none
    # The insurer gets the supportive evidence only: negative or absent evidence, and the
    # negative half of conflicting evidence, stay on the clinician pages (issue 8).
    evidence = [
        f"{rec.title}: {rec.supportive if rec.direction == 'conflicting' else rec.summary}"
        for rec in ruleset.evidence
        if rec.id in evidence_ids and (
            rec.direction in ("positive", "insufficient")
            or (rec.direction == "conflicting" and rec.supportive))
    ]
    appeal = text.insurance["appeal"].text  # required by the loader
    monitoring = [
        fill(words.titration, start=fmt_date(plan.start_on), target=fmt_mg(plan.target_mg),
             reached=fmt_date(plan.target_reached_on)),
        fill(words.review, date=fmt_date(plan.review_on), basis=plan.review_basis,
             until=fmt_date(plan.supply_through)),
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
    record_note = fill(
        words.record_note, ruleset=ruleset.manifest.id, version=ruleset.version,
        protocol=plan.protocol_name, start_dose=fmt_mg(plan.start_mg), timing=plan.timing,
        start=fmt_date(plan.start_on), target=fmt_mg(plan.target_mg),
        reached=fmt_date(plan.target_reached_on), form=plan.form.value,
        review=fmt_date(plan.review_on),
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
