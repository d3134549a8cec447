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
    # review on day 85 (12 weeks); titration days 1-14; 71 more days = 3 fills of 30
    assert [(x.strength_mg, x.quantity, x.unit, x.days, x.refills) for x in p.dispense] == [
        (1.5, 7, "capsules", 7, 0), (3.0, 7, "capsules", 7, 0),
        (4.5, 30, "capsules", 30, 2)]
    assert [(x.day_from, x.day_to) for x in p.dispense] == [(1, 7), (8, 14), (15, 104)]
    assert p.review_on == START + timedelta(days=84)
    assert p.supply_through == START + timedelta(days=103)
    assert [s.capsule_strength_mg for s in p.steps] == [1.5, 3.0, 4.5]
    assert all(s.capsules_per_dose == 1 and s.ml_per_dose is None for s in p.steps)


def test_capsule_maintenance_zero_is_one_fill_to_the_review(ruleset: RuleSet) -> None:
    p = plan(ruleset, "standard", form=DoseForm.CAPSULE, maintenance_days=0)
    # days 15-85 in one fill: 71 capsules, no refills; the supply ends on the review day
    assert [(x.strength_mg, x.quantity, x.refills) for x in p.dispense] == [
        (1.5, 7, 0), (3.0, 7, 0), (4.5, 71, 0)]
    assert p.supply_through == p.review_on


def test_liquid_dispense_standard(ruleset: RuleSet) -> None:
    p = plan(ruleset, "standard", form=DoseForm.LIQUID)
    # 85 days to the review in fills of at most 35 days (USP <795> preserved aqueous):
    # fill 1 = 7 x 1.5 + 7 x 3 + 21 x 4.5 = 126 mL; fills 2 and 3 = 35 x 4.5 = 157.5 mL each,
    # identical, so one prescription with 1 refill.
    assert [(x.quantity, x.unit, x.days, x.refills) for x in p.dispense] == [
        (126.0, "mL", 35, 0), (157.5, "mL", 35, 1)]
    assert all(x.keep_refrigerated for x in p.dispense)
    assert p.supply_through == START + timedelta(days=104)
    assert [s.ml_per_dose for s in p.steps] == [1.5, 3.0, 4.5]
    assert all(s.capsule_strength_mg is None for s in p.steps)


def test_liquid_fills_at_most_35_days(ruleset: RuleSet) -> None:
    p = plan(ruleset, "sensitive")
    # 0.5 -> 4.5 mg in 0.5 mg steps every 14 days: target on day 113; review = day 113 + 8
    # weeks = day 169; 5 fills of 35 days. Day doses: 1-14 0.5, 15-28 1, 29-42 1.5,
    # 43-56 2, 57-70 2.5, 71-84 3, 85-98 3.5, 99-112 4, 113+ 4.5 (mg = mL at 1 mg/mL).
    # fill 1 (1-35) 7+14+10.5 = 31.5; fill 2 (36-70) 10.5+28+35 = 73.5;
    # fill 3 (71-105) 42+49+28 = 119; fill 4 (106-140) 28+126 = 154; fill 5 157.5.
    assert [(x.days, x.quantity, x.refills) for x in p.dispense] == [
        (35, 31.5, 0), (35, 73.5, 0), (35, 119.0, 0), (35, 154.0, 0), (35, 157.5, 0)]
    assert all(x.days <= ruleset.dosing.limits.liquid_max_fill_days for x in p.dispense)
    assert all(x.concentration_mg_per_ml == 1.0 for x in p.dispense)
    assert p.review_on == START + timedelta(days=168)
    assert p.supply_through == START + timedelta(days=174)
    assert p.dispense[1].doses == [(36, 42, 1.5), (43, 56, 2.0), (57, 70, 2.5)]


def test_review_text_is_computed_from_the_plan(ruleset: RuleSet) -> None:
    assert plan(ruleset, "standard").review_basis == (
        "12 weeks after the first dose, 10 weeks of it at 4.5 mg")
    assert plan(ruleset, "sensitive").review_basis == (
        "24 weeks after the first dose, 8 weeks of it at 4.5 mg")


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
