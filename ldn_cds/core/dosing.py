"""Titration planner: protocol (data) + start date + choices -> dated dose steps.

Pure: no I/O and no clock.  Doses are kept in tenths of a milligram internally (integers), so
0.5 mg steps never drift through floating-point sums.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from ldn_cds.core.models import CeilingOverride, DoseForm
from ldn_cds.core.ruleset import DoseLimits, Protocol, RuleSet


class DosingError(ValueError):
    """A dose-plan choice that cannot be honoured (e.g. above the ceiling without override)."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class DoseStep(_Out):
    start: date = Field(alias="from", description="First day of this step.")
    until: date | None = Field(description="Last day of this step; null for maintenance.")
    days: int | None = Field(description="Days at this step; null for maintenance.")
    dose_mg: float
    capsule_strength_mg: float | None = None
    capsules_per_dose: int | None = None
    ml_per_dose: float | None = None
    maintenance: bool = False


class DispenseLine(_Out):
    description: str
    strength_mg: float | None = None
    concentration_mg_per_ml: float | None = None
    quantity: float
    unit: str
    days: int


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
    maintenance_days: int
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
) -> DosePlan:
    """Build the dated titration plan.

    Args:
        ruleset: supplies the protocol, the dose limits and their sources.
        protocol_id: titration protocol id (``standard``, ``sensitive``, ...).
        start_on: date of the first dose (already checked against the washout by the caller).
        form: capsules (one compounded capsule per dose) or 1 mg/mL liquid.
        morning: dose in the morning instead of at bedtime.
        maintenance_days: days of target dose to dispense after titration.
        target_mg: target dose; defaults to the protocol's target.
        ceiling_override: required for a target above the ceiling (6 mg).

    Raises:
        DosingError: unknown protocol, target outside the allowed range without an override.
    """
    limits: DoseLimits = ruleset.dosing.limits
    try:
        protocol = ruleset.protocol(protocol_id)
    except KeyError:
        known = ", ".join(p.id for p in ruleset.dosing.protocols)
        raise DosingError(f"unknown protocol {protocol_id!r}; choose one of: {known}") from None
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
    maintenance = limits.default_maintenance_days if maintenance_days is None else maintenance_days
    per_ml = limits.liquid_mg_per_ml

    steps: list[DoseStep] = []
    day = start_on
    levels = titration_doses(protocol, target)
    for i, level in enumerate(levels):
        final = i == len(levels) - 1
        days = None if final else protocol.step_days
        until = None if days is None else day + timedelta(days=days - 1)
        dose = _mg(level)
        steps.append(
            DoseStep(
                start=day,
                until=until,
                days=days,
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
    review_basis = (
        f"about {limits.review_weeks} weeks after the first dose and at least "
        f"{limits.min_weeks_at_target} weeks at the target dose"
    )

    dispense: list[DispenseLine] = []
    if form is DoseForm.CAPSULE:
        for step in steps:
            count = step.days if step.days is not None else maintenance
            if count <= 0:
                continue
            label = "maintenance" if step.maintenance else "titration"
            dispense.append(
                DispenseLine(
                    description=f"{step.dose_mg:g} mg capsules ({label})",
                    strength_mg=step.dose_mg,
                    quantity=count,
                    unit="capsules",
                    days=count,
                )
            )
    else:
        daily = []
        for s in steps:
            daily += [_tenths(s.dose_mg)] * (s.days if s.days is not None else maintenance)
        fill_days = limits.liquid_max_fill_days
        fills = [daily[i:i + fill_days] for i in range(0, len(daily), fill_days)]
        for number, fill in enumerate(fills, start=1):
            dispense.append(
                DispenseLine(
                    description=(
                        f"naltrexone {per_ml:g} mg/mL oral liquid, fill {number} of {len(fills)}"
                    ),
                    concentration_mg_per_ml=per_ml,
                    quantity=round(_mg(sum(fill)) / per_ml, 1),
                    unit="mL",
                    days=len(fill),
                )
            )

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
        maintenance_days=maintenance,
        dispense=dispense,
        basis_rules=basis_rules or [],
    )
