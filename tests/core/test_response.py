"""Response to LDN over follow-up visits (IMMPACT thresholds), edge cases computed by hand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from ldn_cds.core.assessment import assess
from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.response import Visit, meaningful_target, response
from ldn_cds.core.ruleset import RuleSet
from tests.conftest import ON


@pytest.fixture
def plan(make_case: Any, ruleset: RuleSet) -> DosePlan:
    # the base case: standard titration from 2026-11-23, 4.5 mg from 2026-12-07, review
    # 2027-02-15 (12 weeks after the first dose)
    result = assess(make_case({}), on=ON, ruleset=ruleset)
    assert result.dose_plan is not None
    return result.dose_plan


def d(days: int) -> date:
    return ON + timedelta(days=days)


@pytest.mark.parametrize(
    ("baseline", "latest", "reduction", "classification"),
    [
        (8, 4, 50.0, "substantial"),     # (8-4)/8 = 50%: the threshold itself counts
        (7, 5, 28.6, "minimal"),         # (7-5)/7 = 28.6%: just under meaningful
        (10, 7, 30.0, "meaningful"),     # exactly 30%
        (10, 9, 10.0, "minimal"),        # exactly 10%
        (10, 10, 0.0, "no_change"),
        (6, 8, -33.3, "worse"),
        (3, 0, 100.0, "substantial"),
    ],
)
def test_classification(
    baseline: int, latest: int, reduction: float, classification: str, ruleset: RuleSet,
    plan: DosePlan,
) -> None:
    r = response(visits=[Visit(on=d(84), pain_score=latest)], on=d(84), ruleset=ruleset,
                 plan=plan, baseline_pain=baseline, baseline_on=ON)
    assert r.reduction_percent == reduction
    assert r.classification == classification
    assert r.thresholds_percent == (10, 30, 50)


def test_baseline_zero_is_not_computable(ruleset: RuleSet, plan: DosePlan) -> None:
    r = response(visits=[Visit(on=d(84), pain_score=0)], on=d(84), ruleset=ruleset,
                 plan=plan, baseline_pain=0, baseline_on=ON)
    assert r.classification == "not_computable"
    assert r.reduction_percent is None
    assert r.note is not None
    assert "baseline pain was 0" in r.note


def test_missing_visits_are_not_computable(ruleset: RuleSet, plan: DosePlan) -> None:
    r = response(visits=[], on=d(30), ruleset=ruleset, plan=plan, baseline_pain=7,
                 baseline_on=ON)
    assert r.classification == "not_computable"
    assert r.note == "no pain score recorded after the baseline"
    r = response(visits=[Visit(on=d(30), dose_mg=3)], on=d(30), ruleset=ruleset, plan=plan)
    assert r.note == "no baseline pain score recorded"


def test_first_scored_visit_is_the_baseline_when_none_recorded(
    ruleset: RuleSet, plan: DosePlan
) -> None:
    visits = [Visit(on=d(0), pain_score=8), Visit(on=d(42)), Visit(on=d(84), pain_score=5)]
    r = response(visits=visits, on=d(90), ruleset=ruleset, plan=plan)
    assert (r.baseline_pain, r.baseline_on) == (8, d(0))
    assert (r.latest_pain, r.latest_on) == (5, d(84))
    assert r.reduction_percent == 37.5  # (8-5)/8
    assert r.classification == "meaningful"


def test_visits_after_the_date_are_ignored(ruleset: RuleSet, plan: DosePlan) -> None:
    visits = [Visit(on=d(42), pain_score=6), Visit(on=d(120), pain_score=1)]
    r = response(visits=visits, on=d(60), ruleset=ruleset, plan=plan, baseline_pain=8,
                 baseline_on=ON)
    assert r.latest_pain == 6


def test_weeks_and_review(ruleset: RuleSet, plan: DosePlan) -> None:
    # start 2026-11-23, target 2026-12-07 (day 14), review 2027-02-15 (day 84)
    r = response(visits=[Visit(on=d(56), pain_score=5)], on=d(84), ruleset=ruleset,
                 plan=plan, baseline_pain=7, baseline_on=ON)
    assert r.weeks_on_ldn == 12.0
    assert r.weeks_at_target == 10.0
    assert r.review_on == d(84)
    assert r.due_for_review is True  # the review date has come, no visit since
    seen = response(visits=[Visit(on=d(84), pain_score=4)], on=d(85), ruleset=ruleset,
                    plan=plan, baseline_pain=7, baseline_on=ON)
    assert seen.due_for_review is False
    early = response(visits=[], on=d(10), ruleset=ruleset, plan=plan, baseline_pain=7,
                     baseline_on=ON)
    assert early.due_for_review is False
    assert early.weeks_at_target == 0.0  # not at target yet


def test_stopped_ldn_ends_the_count_and_is_never_due(ruleset: RuleSet, plan: DosePlan) -> None:
    visits = [Visit(on=d(35), pain_score=7, stopped=True)]
    r = response(visits=visits, on=d(100), ruleset=ruleset, plan=plan, baseline_pain=7,
                 baseline_on=ON)
    assert r.stopped_on == d(35)
    assert r.weeks_on_ldn == 5.0
    assert r.weeks_at_target == 3.0
    assert r.due_for_review is False


def test_without_a_plan(ruleset: RuleSet) -> None:
    r = response(visits=[Visit(on=d(10), pain_score=4)], on=d(10), ruleset=ruleset, plan=None,
                 baseline_pain=8, baseline_on=ON)
    assert r.classification == "substantial"
    assert (r.weeks_on_ldn, r.weeks_at_target, r.review_on, r.due_for_review) == (
        None, None, None, False)


@pytest.mark.parametrize(
    ("baseline", "target"),
    [(7, 4), (10, 7), (8, 5), (3, 2), (1, 0), (0, None), (None, None)],
)
def test_meaningful_target(baseline: int | None, target: int | None, ruleset: RuleSet) -> None:
    # 7: 30% of 7 is 2.1, so 4.9 or lower: 4 (5 would be a 28.6% fall); 10 -> 7 (exactly
    # 30%); 8 -> 5.6 -> 5; 3 -> 2.1 -> 2; 1 -> 0.7 -> 0
    assert meaningful_target(baseline, ruleset) == target
    if target is not None and baseline:
        r = response(visits=[Visit(on=d(84), pain_score=target)], on=d(84), ruleset=ruleset,
                     plan=None, baseline_pain=baseline, baseline_on=ON)
        assert r.classification in ("meaningful", "substantial")
