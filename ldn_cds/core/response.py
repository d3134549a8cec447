"""Response to LDN over follow-up visits: is it working?

Pure: the visits, the dose plan and the date are parameters.  Response is judged as the fall
in pain on the 0-10 scale from the baseline (the pain score at the assessment, else the first
visit) to the latest visit, classified with the IMMPACT thresholds of the rule set's
thresholds table (10% minimal, 30% meaningful, 50% substantial; Dworkin 2008).  Trials judged
response after about 12 weeks, 8 of them at the target dose; the plan's review date says when
the patient is due.

A percent change needs a baseline above 0 and a later score; anything missing makes the
classification ``not_computable`` with the reason, never a guess.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.ruleset import RuleSet

Classification = Literal[
    "substantial", "meaningful", "minimal", "no_change", "worse", "not_computable"
]

CLASSIFICATION_TEXT: dict[str, str] = {
    "substantial": "Substantial response (50% or more less pain)",
    "meaningful": "Meaningful response (30% or more less pain)",
    "minimal": "Minimal improvement (less than 30%)",
    "no_change": "No improvement",
    "worse": "Pain is worse than at baseline",
    "not_computable": "Response cannot be judged yet",
}


class Visit(BaseModel):
    """One follow-up visit, as far as the response calculation needs it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date
    pain_score: int | None = Field(None, ge=0, le=10, description="0-10 numeric rating.")
    dose_mg: float | None = Field(None, gt=0, le=50, description="LDN dose taken now.")
    stopped: bool = Field(False, description="LDN stopped at or before this visit.")


class Response(BaseModel):
    """Where the patient stands on the assessment date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date
    baseline_pain: int | None
    baseline_on: date | None
    latest_pain: int | None
    latest_on: date | None
    reduction_percent: float | None = Field(
        description="Fall in pain from baseline, in percent (negative when worse)."
    )
    classification: Classification
    classification_text: str
    note: str | None = Field(description="Why the classification is not computable, if so.")
    weeks_on_ldn: float | None
    weeks_at_target: float | None
    stopped_on: date | None
    review_on: date | None
    due_for_review: bool = Field(
        description="The review date has come and no visit was recorded on or after it."
    )
    thresholds_percent: tuple[float, float, float] = Field(
        description="Minimal, meaningful and substantial thresholds used (IMMPACT)."
    )


def meaningful_target(baseline: int | None, ruleset: RuleSet) -> int | None:
    """The highest whole pain score that is a meaningful (30%) fall from ``baseline``:
    7 -> 4 (a fall to 5 is only 29%); None without a baseline above 0."""
    if baseline is None or baseline <= 0:
        return None
    share = ruleset.tables.thresholds.response_meaningful_percent.value / 100
    target = int(baseline * (1 - share) + 1e-9)
    return target if (baseline - target) / baseline >= share else target - 1


def _weeks(start: date | None, end: date) -> float | None:
    if start is None or end < start:
        return None if start is None else 0.0
    return round((end - start).days / 7, 1)


def response(
    *,
    visits: list[Visit],
    on: date,
    ruleset: RuleSet,
    plan: DosePlan | None,
    baseline_pain: int | None = None,
    baseline_on: date | None = None,
) -> Response:
    """The response on ``on`` from the visits up to that date.

    Args:
        visits: follow-up visits in any order; those after ``on`` are ignored.
        on: the date the response is judged on (the clock is a parameter).
        ruleset: supplies the IMMPACT thresholds.
        plan: the dose plan in use (start, target date, review date); None before a plan.
        baseline_pain: the pain score at the assessment that started LDN, if recorded.
        baseline_on: the date of that score.
    """
    th = ruleset.tables.thresholds
    minimal = th.response_minimal_percent.value
    meaningful = th.response_meaningful_percent.value
    substantial = th.response_substantial_percent.value
    seen = sorted((v for v in visits if v.on <= on), key=lambda v: v.on)
    scored = [v for v in seen if v.pain_score is not None]
    if baseline_pain is None and scored:
        baseline_pain, baseline_on = scored[0].pain_score, scored[0].on
        scored = scored[1:]
    elif baseline_on is not None:
        scored = [v for v in scored if v.on > baseline_on]
    latest = scored[-1] if scored else None
    stopped = next((v.on for v in seen if v.stopped), None)
    end = stopped or on

    reduction: float | None = None
    note: str | None = None
    if baseline_pain is None:
        note = "no baseline pain score recorded"
    elif latest is None:
        note = "no pain score recorded after the baseline"
    elif baseline_pain == 0:
        note = "baseline pain was 0: a percent change is not defined"
    else:
        assert latest.pain_score is not None
        reduction = round((baseline_pain - latest.pain_score) / baseline_pain * 100, 1)

    classification: Classification
    if reduction is None:
        classification = "not_computable"
    elif reduction >= substantial:
        classification = "substantial"
    elif reduction >= meaningful:
        classification = "meaningful"
    elif reduction >= minimal:
        classification = "minimal"
    elif reduction >= 0:
        classification = "no_change"
    else:
        classification = "worse"

    start = None if plan is None else plan.start_on
    target_on = None if plan is None else plan.target_reached_on
    review_on = None if plan is None else plan.review_on
    due = (review_on is not None and on >= review_on and stopped is None
           and not any(v.on >= review_on for v in seen))
    return Response(
        on=on,
        baseline_pain=baseline_pain,
        baseline_on=baseline_on,
        latest_pain=None if latest is None else latest.pain_score,
        latest_on=None if latest is None else latest.on,
        reduction_percent=reduction,
        classification=classification,
        classification_text=CLASSIFICATION_TEXT[classification],
        note=note,
        weeks_on_ldn=_weeks(start, end),
        weeks_at_target=_weeks(target_on, end),
        stopped_on=stopped,
        review_on=review_on,
        due_for_review=due,
        thresholds_percent=(minimal, meaningful, substantial),
    )


__all__ = ["CLASSIFICATION_TEXT", "Response", "Visit", "meaningful_target", "response"]
