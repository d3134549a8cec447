"""Titration planner: protocol (data) + start date + choices -> dated dose steps.

Pure: no I/O and no clock.  Doses are kept in tenths of a milligram internally (integers), so
0.5 mg steps never drift through floating-point sums.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from ldn_cds.core.models import CeilingOverride, DoseForm
from ldn_cds.core.ruleset import DoseLimits, EvidenceTag, Protocol, RuleSet, SourceRef
from ldn_cds.core.texts import DosingWords
from ldn_cds.core.texts import fill as fill_in


class DosingError(ValueError):
    """A dose-plan choice that cannot be honoured (e.g. above the ceiling without override)."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class DoseStep(_Out):
    start: date = Field(alias="from", description="First day of this step.")
    until: date | None = Field(description="Last day of this step; null for maintenance.")
    days: int | None = Field(description="Days at this step; null for maintenance.")
    day_from: int = Field(description="First day of this step, counted from the first dose (1).")
    day_to: int | None = Field(description="Last day counted from the first dose; null: ongoing.")
    dose_mg: float
    capsule_strength_mg: float | None = None
    capsules_per_dose: int | None = None
    ml_per_dose: float | None = None
    maintenance: bool = False


class DispenseLine(_Out):
    """One prescription: quantity per fill, refills, and the days it covers."""

    description: str
    strength_mg: float | None = None
    concentration_mg_per_ml: float | None = None
    quantity: float = Field(description="Quantity per fill.")
    unit: str
    days: int = Field(description="Days one fill lasts.")
    refills: int = Field(0, description="Refills (identical further fills).")
    day_from: int = Field(1, description="First day covered, counted from the first dose.")
    day_to: int = Field(1, description="Last day covered by this line and its refills.")
    doses: list[tuple[int, int, float]] = Field(
        default_factory=list,
        description="(first day, last day, dose in mg) within what this line covers.",
    )
    keep_refrigerated: bool = False


class DosePlan(_Out):
    protocol_id: str
    protocol_name: str
    protocol_description: str
    protocol_sources: list[str]
    protocol_evidence: list[str]
    chosen_by: str = Field(description="'rules' (default) or 'prescriber'.")
    default_reason: str
    form: DoseForm
    timing: str = Field(description="'bedtime' or 'morning'.")
    timing_reason: str
    start_on: date
    start_note: str | None = None
    start_mg: float
    target_mg: float
    max_mg: float
    ceiling_override: CeilingOverride | None = None
    steps: list[DoseStep]
    target_reached_on: date
    review_on: date
    review_basis: str
    supply_through: date = Field(description="Last day covered by the quantities and refills.")
    maintenance_days: int = Field(description="Days of the target dose per maintenance fill.")
    fill_days_max: int | None = Field(
        None, description="Longest supply per fill of the liquid (its beyond-use date)."
    )
    dispense: list[DispenseLine]
    basis_rules: list[str]


def _tenths(mg: float) -> int:
    return round(mg * 10)


def _mg(tenths: int) -> float:
    return tenths / 10


def titration_doses(protocol: Protocol, target_mg: float) -> list[int]:
    """Dose levels in tenths of mg: start, start+step, ... capped at the target."""
    start, step, target = _tenths(protocol.start_mg), _tenths(protocol.step_mg), _tenths(target_mg)
    if start >= target:
        return [target]
    doses = []
    dose = start
    while dose < target:
        doses.append(dose)
        dose += step
    doses.append(target)
    return doses


def plan_doses(
    *,
    ruleset: RuleSet,
    protocol_id: str,
    chosen_by: str,
    default_reason: str,
    start_on: date,
    start_note: str | None,
    form: DoseForm,
    morning: bool,
    timing_reason: str,
    maintenance_days: int | None = None,
    target_mg: float | None = None,
    ceiling_override: CeilingOverride | None = None,
    basis_rules: list[str] | None = None,
    previous_dose: PreviousDose | None = None,
) -> DosePlan:
    """Build the dated titration plan with quantities that reach the review.

    Args:
        ruleset: supplies the protocol, the dose limits and their sources.
        protocol_id: titration protocol id (``standard``, ``sensitive``, ...).
        start_on: date of the first dose (already checked against the washout by the caller).
        form: capsules (one compounded capsule per dose) or 1 mg/mL liquid.
        morning: dose in the morning instead of at bedtime.
        maintenance_days: days of target-dose capsules per fill (refills reach the review);
            0 means one fill that reaches the review.
        target_mg: target dose; defaults to the protocol's target.
        ceiling_override: required for a target above the ceiling (6 mg).
        previous_dose: continue or restart LDN at a previous dose (no titration).

    Raises:
        DosingError: unknown protocol, target outside the allowed range without an override.
    """
    limits: DoseLimits = ruleset.dosing.limits
    if previous_dose is not None:
        target = previous_dose.dose_mg if target_mg is None else target_mg
        protocol = Protocol(
            id=previous_dose.protocol_id, name=previous_dose.name,
            description=previous_dose.description, start_mg=target, step_mg=target,
            step_days=1, target_mg=target, default_form=form,
            default_form_reason=ruleset.texts.dosing.form_reason,
            evidence=previous_dose.evidence, sources=previous_dose.sources,
        )
    else:
        try:
            protocol = ruleset.protocol(protocol_id)
        except KeyError:
            known = ", ".join(p.id for p in ruleset.dosing.protocols)
            raise DosingError(
                f"unknown protocol {protocol_id!r}; choose one of: {known}"
            ) from None
        target = protocol.target_mg if target_mg is None else target_mg
    ceiling = limits.ceiling_mg
    if ceiling_override is not None:
        ceiling = ceiling_override.max_mg
    if _tenths(target) < _tenths(limits.min_mg):
        raise DosingError(f"target {target} mg is below the minimum of {limits.min_mg} mg")
    if _tenths(target) > _tenths(ceiling):
        if ceiling_override is None:
            raise DosingError(
                f"target {target} mg is above the {limits.ceiling_mg} mg ceiling: "
                "record a ceiling override with a reason to go higher"
            )
        raise DosingError(
            f"target {target} mg is above the overridden ceiling of {ceiling_override.max_mg} mg"
        )
    fill = limits.default_maintenance_days if maintenance_days is None else maintenance_days
    per_ml = limits.liquid_mg_per_ml

    steps: list[DoseStep] = []
    day = start_on
    levels = titration_doses(protocol, target)
    for i, level in enumerate(levels):
        final = i == len(levels) - 1
        days = None if final else protocol.step_days
        until = None if days is None else day + timedelta(days=days - 1)
        dose = _mg(level)
        day_from = (day - start_on).days + 1
        steps.append(
            DoseStep(
                start=day,
                until=until,
                days=days,
                day_from=day_from,
                day_to=None if days is None else day_from + days - 1,
                dose_mg=dose,
                capsule_strength_mg=dose if form is DoseForm.CAPSULE else None,
                capsules_per_dose=1 if form is DoseForm.CAPSULE else None,
                ml_per_dose=round(dose / per_ml, 2) if form is DoseForm.LIQUID else None,
                maintenance=final,
            )
        )
        if days is not None:
            day = day + timedelta(days=days)
    target_reached_on = steps[-1].start
    review_on = max(
        start_on + timedelta(weeks=limits.review_weeks),
        target_reached_on + timedelta(weeks=limits.min_weeks_at_target),
    )
    words = ruleset.texts.dosing
    review_basis = _review_basis(words, start_on, target_reached_on, review_on,
                                 _mg(_tenths(target)))
    # Every day from the first dose to the review (inclusive) must be supplied.
    need_days = (review_on - start_on).days + 1
    if form is DoseForm.CAPSULE:
        dispense, covered = _capsule_lines(words, steps, fill, need_days)
        fill_max = None
    else:
        fill_max = limits.liquid_max_fill_days
        dispense, covered = _liquid_lines(words, steps, fill_max, need_days, per_ml)
    supply_through = start_on + timedelta(days=covered - 1)

    return DosePlan(
        protocol_id=protocol.id,
        protocol_name=protocol.name,
        protocol_description=protocol.description,
        protocol_sources=[s.id for s in protocol.sources],
        protocol_evidence=[e.value for e in protocol.evidence],
        chosen_by=chosen_by,
        default_reason=default_reason,
        form=form,
        timing="morning" if morning else "bedtime",
        timing_reason=timing_reason,
        start_on=start_on,
        start_note=start_note,
        start_mg=steps[0].dose_mg,
        target_mg=_mg(_tenths(target)),
        max_mg=_mg(_tenths(ceiling)),
        ceiling_override=ceiling_override,
        steps=steps,
        target_reached_on=target_reached_on,
        review_on=review_on,
        review_basis=review_basis,
        supply_through=supply_through,
        maintenance_days=fill,
        fill_days_max=fill_max,
        dispense=dispense,
        basis_rules=basis_rules or [],
    )


class PreviousDose(_Out):
    """Continue or restart LDN at the dose the patient took before."""

    protocol_id: str
    name: str
    description: str
    dose_mg: float
    evidence: list[EvidenceTag]
    sources: list[SourceRef]


def _weeks(days: int) -> str:
    weeks, rest = divmod(days, 7)
    if rest == 0:
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{weeks} week{'s' if weeks != 1 else ''} and {rest} day{'s' if rest != 1 else ''}"


def _review_basis(
    words: DosingWords, start: date, target_on: date, review: date, target_mg: float
) -> str:
    """The review in words, computed from the plan."""
    total = (review - start).days
    at_target = (review - target_on).days
    if at_target == total:
        return fill_in(words.review_at_target, span=_weeks(total), dose=f"{target_mg:g}")
    return fill_in(words.review_split, span=_weeks(total), time_at_target=_weeks(at_target),
                   dose=f"{target_mg:g}")


def _daily(steps: list[DoseStep], need_days: int) -> list[int]:
    """Dose in tenths of mg for each day 1..need_days (the maintenance step continues)."""
    out: list[int] = []
    for step in steps:
        count = step.days if step.days is not None else max(need_days - len(out), 0)
        out += [_tenths(step.dose_mg)] * count
    return out[:need_days] if len(out) >= need_days else out


def _runs(daily: list[int], first_day: int) -> list[tuple[int, int, float]]:
    runs: list[tuple[int, int, float]] = []
    for offset, tenths in enumerate(daily):
        day = first_day + offset
        if runs and runs[-1][2] == _mg(tenths) and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, runs[-1][2])
        else:
            runs.append((day, day, _mg(tenths)))
    return runs


def _capsule_lines(
    words: DosingWords, steps: list[DoseStep], fill: int, need_days: int
) -> tuple[list[DispenseLine], int]:
    """One line per titration strength, then the target strength with refills to the review."""
    lines: list[DispenseLine] = []
    covered = 0
    for step in steps:
        if step.days is not None:
            lines.append(DispenseLine(
                description=fill_in(words.capsules_titration, strength=f"{step.dose_mg:g}"),
                strength_mg=step.dose_mg, quantity=step.days, unit="capsules",
                days=step.days, refills=0, day_from=step.day_from,
                day_to=step.day_from + step.days - 1,
                doses=[(step.day_from, step.day_from + step.days - 1, step.dose_mg)],
            ))
            covered = step.day_from + step.days - 1
            continue
        remaining = max(need_days - covered, 1)
        if fill <= 0:  # 0: one fill that reaches the review (no refills)
            fill = remaining
        fills = -(-remaining // fill)
        day_to = covered + fills * fill
        lines.append(DispenseLine(
            description=fill_in(words.capsules_maintenance, strength=f"{step.dose_mg:g}"),
            strength_mg=step.dose_mg, quantity=fill, unit="capsules", days=fill,
            refills=fills - 1, day_from=covered + 1, day_to=day_to,
            doses=[(covered + 1, day_to, step.dose_mg)],
        ))
        covered = day_to
    return lines, covered


def _liquid_lines(
    words: DosingWords, steps: list[DoseStep], fill_max: int, need_days: int, per_ml: float
) -> tuple[list[DispenseLine], int]:
    """Fills of at most ``fill_max`` days (the beyond-use date); identical fills become
    refills of one prescription, fills that differ are prescriptions of their own."""
    fills_needed = -(-need_days // fill_max)
    daily = _daily(steps, fills_needed * fill_max)
    lines: list[DispenseLine] = []
    for number in range(fills_needed):
        first = number * fill_max
        chunk = daily[first:first + fill_max]
        volume = round(_mg(sum(chunk)) / per_ml, 1)
        runs = _runs(chunk, first + 1)
        previous = lines[-1] if lines else None
        if (previous is not None and len(runs) == 1 and len(previous.doses) == 1
                and previous.doses[0][2] == runs[0][2] and previous.quantity == volume
                and previous.days == len(chunk)):
            lines[-1] = previous.model_copy(update={
                "refills": previous.refills + 1, "day_to": first + len(chunk),
                "doses": [(previous.doses[0][0], first + len(chunk), runs[0][2])],
            })
            continue
        lines.append(DispenseLine(
            description=fill_in(words.liquid, strength=f"{per_ml:g}"),
            concentration_mg_per_ml=per_ml, quantity=volume, unit="mL", days=len(chunk),
            refills=0, day_from=first + 1, day_to=first + len(chunk), doses=runs,
            keep_refrigerated=True,
        ))
    return lines, fills_needed * fill_max
