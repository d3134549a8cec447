"""Dose planner: steps and dates per protocol, dispensing, ceiling and review date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from ldn_cds.core.dosing import DosePlan, DosingError, plan_doses, titration_doses
from ldn_cds.core.models import CeilingOverride, DoseForm
from ldn_cds.core.ruleset import RuleSet

START = date(2026, 11, 23)


def plan(ruleset: RuleSet, protocol: str = "standard", **kw: Any) -> DosePlan:
    args: dict[str, Any] = {
        "ruleset": ruleset, "protocol_id": protocol, "chosen_by": "rules",
        "default_reason": "test", "start_on": START, "start_note": None,
        "form": ruleset.protocol(protocol).default_form if protocol in
        {p.id for p in ruleset.dosing.protocols} else DoseForm.CAPSULE,
        "morning": False, "timing_reason": "test",
    }
    args.update(kw)
    return plan_doses(**args)


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("protocol", "doses", "froms", "reached", "review", "form"),
    [
        ("standard", [1.5, 3.0, 4.5], ["2026-11-23", "2026-11-30", "2026-12-07"],
         "2026-12-07", "2027-02-15", DoseForm.CAPSULE),
        ("weekly-1mg", [1.0, 2.0, 3.0, 4.0, 4.5],
         ["2026-11-23", "2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21"],
         "2026-12-21", "2027-02-15", DoseForm.LIQUID),
        ("sensitive", [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5],
         ["2026-11-23", "2026-12-07", "2026-12-21", "2027-01-04", "2027-01-18", "2027-02-01",
          "2027-02-15", "2027-03-01", "2027-03-15"],
         "2027-03-15", "2027-05-10", DoseForm.LIQUID),
    ],
)
def test_protocol_steps_and_dates(
    ruleset: RuleSet, protocol: str, doses: list[float], froms: list[str], reached: str,
    review: str, form: DoseForm,
) -> None:
    p = plan(ruleset, protocol)
    assert p.form is form  # the protocol's default form
    assert [s.dose_mg for s in p.steps] == doses
    assert [s.start.isoformat() for s in p.steps] == froms
    assert p.target_reached_on == d(reached)
    assert p.review_on == d(review)
    assert (p.start_mg, p.target_mg, p.max_mg) == (doses[0], 4.5, 6.0)
    for step, nxt in zip(p.steps, p.steps[1:], strict=False):
        assert step.until == nxt.start - timedelta(days=1)
        assert step.days == (nxt.start - step.start).days
        assert not step.maintenance
    last = p.steps[-1]
    assert last.maintenance
    assert last.until is None
    assert last.days is None


def test_review_rule_is_max_of_12_weeks_and_8_at_target(ruleset: RuleSet) -> None:
    for protocol in ("standard", "weekly-1mg", "sensitive"):
        p = plan(ruleset, protocol)
        assert p.review_on == max(START + timedelta(weeks=12),
                                  p.target_reached_on + timedelta(weeks=8))
        assert p.review_on >= START + timedelta(weeks=12)
        assert p.review_on >= p.target_reached_on + timedelta(weeks=8)


def test_capsule_dispense(ruleset: RuleSet) -> None:
    p = plan(ruleset, "standard", form=DoseForm.CAPSULE, maintenance_days=30)
    assert [(x.strength_mg, x.quantity, x.unit, x.days) for x in p.dispense] == [
        (1.5, 7, "capsules", 7), (3.0, 7, "capsules", 7), (4.5, 30, "capsules", 30)]
    assert [s.capsule_strength_mg for s in p.steps] == [1.5, 3.0, 4.5]
    assert all(s.capsules_per_dose == 1 and s.ml_per_dose is None for s in p.steps)


def test_capsule_without_maintenance(ruleset: RuleSet) -> None:
    p = plan(ruleset, "standard", form=DoseForm.CAPSULE, maintenance_days=0)
    assert [x.strength_mg for x in p.dispense] == [1.5, 3.0]


def test_liquid_dispense_standard(ruleset: RuleSet) -> None:
    p = plan(ruleset, "standard", form=DoseForm.LIQUID)
    # 7 d x 1.5 + 7 d x 3 + 30 d x 4.5 = 10.5 + 21 + 135 = 166.5 mL in one 44-day fill
    assert [(x.quantity, x.unit, x.days) for x in p.dispense] == [(166.5, "mL", 44)]
    assert [s.ml_per_dose for s in p.steps] == [1.5, 3.0, 4.5]
    assert all(s.capsule_strength_mg is None for s in p.steps)


def test_liquid_fills_at_most_60_days(ruleset: RuleSet) -> None:
    p = plan(ruleset, "sensitive")
    # 8 steps x 14 d + 30 d maintenance = 142 days: fills of 60, 60 and 22 days.
    # fill 1: 14x(0.5+1+1.5+2) + 4x2.5 = 80 mL; fill 2: 10x2.5 + 14x(3+3.5+4) + 8x4.5 = 208;
    # fill 3: 22x4.5 = 99 mL.
    assert [(x.days, x.quantity) for x in p.dispense] == [(60, 80.0), (60, 208.0), (22, 99.0)]
    assert all(x.days <= ruleset.dosing.limits.liquid_max_fill_days for x in p.dispense)
    assert all(x.concentration_mg_per_ml == 1.0 for x in p.dispense)
    assert "fill 1 of 3" in p.dispense[0].description


def test_ceiling_without_override_is_an_error(ruleset: RuleSet) -> None:
    with pytest.raises(DosingError, match="ceiling override"):
        plan(ruleset, target_mg=7.0)


def test_six_mg_allowed_without_override(ruleset: RuleSet) -> None:
    p = plan(ruleset, target_mg=6.0)
    assert [s.dose_mg for s in p.steps] == [1.5, 3.0, 4.5, 6.0]
    assert p.max_mg == 6.0


def test_override_allows_seven_mg(ruleset: RuleSet) -> None:
    override = CeilingOverride(max_mg=7.0, reason="ED95 above 6 mg; tolerated well")
    p = plan(ruleset, target_mg=7.0, ceiling_override=override)
    assert p.target_mg == 7.0
    assert p.max_mg == 7.0
    assert p.steps[-1].dose_mg == 7.0
    assert p.ceiling_override == override


def test_above_overridden_ceiling_is_an_error(ruleset: RuleSet) -> None:
    override = CeilingOverride(max_mg=7.0, reason="documented")
    with pytest.raises(DosingError, match="overridden ceiling"):
        plan(ruleset, target_mg=7.5, ceiling_override=override)


def test_below_minimum_is_an_error(ruleset: RuleSet) -> None:
    with pytest.raises(DosingError, match="below the minimum"):
        plan(ruleset, target_mg=0.4)


def test_unknown_protocol_is_an_error(ruleset: RuleSet) -> None:
    with pytest.raises(DosingError, match="unknown protocol 'fast'"):
        plan(ruleset, "fast")


def test_target_below_start_is_a_single_step(ruleset: RuleSet) -> None:
    p = plan(ruleset, "standard", target_mg=1.0)
    assert [s.dose_mg for s in p.steps] == [1.0]
    assert p.target_reached_on == START


def test_titration_in_tenths_does_not_drift(ruleset: RuleSet) -> None:
    levels = titration_doses(ruleset.protocol("sensitive"), 4.5)
    assert levels == [5, 10, 15, 20, 25, 30, 35, 40, 45]


def test_morning_timing(ruleset: RuleSet) -> None:
    assert plan(ruleset, morning=True).timing == "morning"
    assert plan(ruleset).timing == "bedtime"


def test_plan_serialises_steps_with_from(ruleset: RuleSet) -> None:
    dumped = plan(ruleset).model_dump(mode="json", by_alias=True)
    assert dumped["steps"][0]["from"] == "2026-11-23"
    assert dumped["steps"][0]["dose_mg"] == 1.5
