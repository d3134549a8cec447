from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldn_cds.casefile import assess_file
from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.followup import FollowUp, SideEffect
from ldn_cds.core.outcomes import Course, practice_outcomes
from ldn_cds.resources import default_ruleset, examples_dir

RULESET = default_ruleset()
_, _RESULT, _ = assess_file(examples_dir() / "jane-doe.json", RULESET, None)
assert _RESULT.dose_plan is not None
PLAN: DosePlan = _RESULT.dose_plan
START, REVIEW = PLAN.start_on, PLAN.review_on


def course(key: str, *visits: FollowUp, baseline: int | None = 7,
           plan: DosePlan | None = PLAN) -> Course:
    return Course(key=key, plan=plan, baseline_pain=baseline,
                  baseline_on=START - timedelta(days=7), followups=visits)


def visit(days: int, pain: int | None, **kw: object) -> FollowUp:
    return FollowUp(on=START + timedelta(days=days), pain_score=pain, **kw)  # type: ignore[arg-type]


def test_a_small_practice_counts_as_a_physician_would() -> None:
    after_review = (REVIEW - START).days + 7
    courses = [
        course("a", visit(28, 5), visit(after_review, 3)),                  # 57%: substantial
        course("b", visit(28, 6, side_effects=(SideEffect.VIVID_DREAMS,)),
               visit(after_review, 5, side_effects=(SideEffect.VIVID_DREAMS,
                                                    SideEffect.INSOMNIA))),  # 29%: minimal
        course("c", visit(14, 7, stopped=True, stop_reason="Insomnia "),
               baseline=8),                                                  # stopped early
        course("d", visit(21, None, stopped=True, stop_reason="insomnia")),
        course("e"),                                                         # no follow-up yet
        course("f", visit(28, 4), plan=None),                                # never prescribed
        course("g", visit(30, 4)),                                           # not at review yet
    ]
    out = practice_outcomes(courses, REVIEW + timedelta(days=10), RULESET)
    assert out.prescribed == 6
    assert out.no_followup_yet == 1
    assert out.started == 5
    assert out.stopped == 2
    assert out.still_on == 3
    assert out.stop_reasons == (("insomnia", 2),)
    assert out.past_review == 5
    assert out.judged_at_review == 4          # a, b, c, g have a score after baseline
    assert out.meaningful_or_better == 2      # a (57%) and g (43%); c is 12.5%, b 29%
    assert out.substantial == 1
    assert out.meaningful_percent == 50.0
    assert out.stopped_percent == 40.0
    assert dict(out.side_effects) == {SideEffect.VIVID_DREAMS: 1, SideEffect.INSOMNIA: 1}
    assert out.with_side_effects == 1
    assert out.side_effects_percent == 20.0
    assert {p.measure for p in out.published} == {
        "mean_reduction_percent", "stopped_percent", "side_effects_percent"}
    # sources disagree on how many stop: both published figures are kept
    assert sorted(p.value for p in out.published if p.measure == "stopped_percent") == [36, 87]


def test_an_empty_registry_has_no_shares_rather_than_zero() -> None:
    out = practice_outcomes([], date(2027, 1, 1), RULESET)
    assert out.started == 0
    assert out.stopped_percent is None
    assert out.meaningful_percent is None
    assert out.median_weeks_on_ldn is None
    assert out.mean_reduction_percent is None


visits = st.builds(
    FollowUp,
    on=st.dates(START - timedelta(days=30), REVIEW + timedelta(days=200)),
    pain_score=st.none() | st.integers(0, 10),
    stopped=st.booleans(),
    side_effects=st.lists(st.sampled_from(list(SideEffect)), max_size=2, unique=True)
    .map(lambda xs: tuple(x for x in xs if x is not SideEffect.OTHER)),
)
courses = st.lists(st.builds(
    Course, key=st.uuids().map(str), plan=st.sampled_from([PLAN, None]),
    baseline_pain=st.none() | st.integers(0, 10),
    baseline_on=st.just(START - timedelta(days=7)),
    followups=st.lists(visits, max_size=6).map(tuple),
), max_size=12)


@settings(max_examples=150, deadline=None)
@given(courses, st.dates(START, REVIEW + timedelta(days=365)))
def test_counts_always_add_up(practice: list[Course], on: date) -> None:
    out = practice_outcomes(practice, on, RULESET)
    assert out.started + out.no_followup_yet == out.prescribed <= len(practice)
    assert out.still_on + out.stopped == out.started
    assert sum(n for _reason, n in out.stop_reasons) == out.stopped
    assert out.substantial <= out.meaningful_or_better <= out.judged_at_review <= out.past_review
    assert out.with_side_effects <= out.started
    for share in (out.stopped_percent, out.meaningful_percent, out.substantial_percent,
                  out.side_effects_percent):
        assert share is None or 0 <= share <= 100
    if out.median_weeks_on_ldn is not None:
        assert out.median_weeks_on_ldn >= 0


def test_a_stop_reason_needs_a_stop() -> None:
    with pytest.raises(ValueError, match="stop reason is given but 'stopped' is not set"):
        FollowUp(on=START, stop_reason="nausea")


def test_reference_levels_follow_the_rule_set_thresholds() -> None:
    from ldn_cds.core.outcomes import reference_levels

    assert reference_levels(None, RULESET) == ()
    assert reference_levels(8, RULESET) == (("30% less pain", 5.6), ("50% less pain", 4.0))
