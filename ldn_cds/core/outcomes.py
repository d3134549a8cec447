"""Practice outcomes over every patient on LDN, beside the published figures (pure).

Definitions (docs/registry.md says the same in words):
- *prescribed*: an assessment planned LDN (a dose plan exists);
- *started*: prescribed, and at least one follow-up on or after the planned start date;
  a plan with no follow-up yet is counted as "no follow-up yet", never as started or stopped;
- *stopped*: a follow-up records that LDN was stopped (with its reason, as written);
- *weeks on LDN*: from the planned start to the stop, or to the report date;
- *at review*: started patients whose review date has passed and who have a pain score after
  baseline; their reduction is classified with the IMMPACT thresholds of the rule set;
- *side effects*: patients reporting each coded side effect at any follow-up.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ldn_cds.core.dosing import DosePlan
from ldn_cds.core.followup import FollowUp, SideEffect
from ldn_cds.core.formatting import fmt_date, fmt_date_or
from ldn_cds.core.response import Response, response
from ldn_cds.core.ruleset import PublishedOutcome, RuleSet


@dataclass(frozen=True)
class Course:
    """One patient's course on LDN as the registry holds it."""

    key: str
    plan: DosePlan | None
    baseline_pain: int | None
    baseline_on: date | None
    followups: tuple[FollowUp, ...] = ()

    def response(self, on: date, ruleset: RuleSet) -> Response:
        return response(visits=[f.visit() for f in self.followups], on=on, ruleset=ruleset,
                        plan=self.plan, baseline_pain=self.baseline_pain,
                        baseline_on=self.baseline_on)

    def started(self, on: date) -> bool:
        return self.plan is not None and any(
            self.plan.start_on <= f.on <= on for f in self.followups)


@dataclass(frozen=True)
class Outcomes:
    on: date
    prescribed: int
    no_followup_yet: int
    started: int
    still_on: int
    stopped: int
    stop_reasons: tuple[tuple[str, int], ...]
    median_weeks_on_ldn: float | None
    past_review: int
    judged_at_review: int
    meaningful_or_better: int
    substantial: int
    mean_reduction_percent: float | None
    side_effects: tuple[tuple[SideEffect, int], ...]
    with_side_effects: int
    due_for_review: tuple[str, ...]
    published: tuple[PublishedOutcome, ...] = field(default=())

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return None if whole == 0 else round(100 * part / whole, 1)

    @property
    def stopped_percent(self) -> float | None:
        return self.share(self.stopped, self.started)

    @property
    def meaningful_percent(self) -> float | None:
        return self.share(self.meaningful_or_better, self.judged_at_review)

    @property
    def substantial_percent(self) -> float | None:
        return self.share(self.substantial, self.judged_at_review)

    @property
    def side_effects_percent(self) -> float | None:
        return self.share(self.with_side_effects, self.started)


def practice_outcomes(courses: list[Course], on: date, ruleset: RuleSet) -> Outcomes:
    """The practice's figures on ``on`` (the clock is a parameter)."""
    prescribed = [c for c in courses if c.plan is not None]
    started = [c for c in prescribed if c.started(on)]
    responses = {c.key: c.response(on, ruleset) for c in started}
    stopped = [c for c in started if responses[c.key].stopped_on is not None]
    reasons: Counter[str] = Counter()
    for course in stopped:
        reason = next((f.stop_reason for f in course.followups if f.stopped and f.stop_reason),
                      None)
        reasons[(reason or "no reason recorded").strip().casefold()] += 1
    weeks = [r.weeks_on_ldn for r in responses.values() if r.weeks_on_ldn is not None]
    past_review = [c for c in started
                   if c.plan is not None and c.plan.review_on <= on]
    judged = [responses[c.key] for c in past_review
              if responses[c.key].reduction_percent is not None]
    effects: Counter[SideEffect] = Counter()
    with_any = 0
    for course in started:
        reported = {e for f in course.followups if f.on <= on for e in f.side_effects}
        with_any += bool(reported)
        for effect in reported:
            effects[effect] += 1
    reductions = [r.reduction_percent for r in judged if r.reduction_percent is not None]
    return Outcomes(
        on=on,
        prescribed=len(prescribed),
        no_followup_yet=len(prescribed) - len(started),
        started=len(started),
        still_on=len(started) - len(stopped),
        stopped=len(stopped),
        stop_reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        median_weeks_on_ldn=round(statistics.median(weeks), 1) if weeks else None,
        past_review=len(past_review),
        judged_at_review=len(judged),
        meaningful_or_better=sum(r.classification in ("meaningful", "substantial")
                                 for r in judged),
        substantial=sum(r.classification == "substantial" for r in judged),
        mean_reduction_percent=round(statistics.fmean(reductions), 1) if reductions else None,
        side_effects=tuple((e, effects[e]) for e in SideEffect if effects[e]),
        with_side_effects=with_any,
        due_for_review=tuple(sorted(c.key for c in started if responses[c.key].due_for_review)),
        published=tuple(ruleset.tables.published_outcomes),
    )


def reference_levels(baseline: int | None, ruleset: RuleSet) -> tuple[tuple[str, float], ...]:
    """The pain levels that mean a meaningful and a substantial response from ``baseline``
    (IMMPACT thresholds of the rule set), for the pain-over-time chart; () without a baseline."""
    if baseline is None:
        return ()
    th = ruleset.tables.thresholds
    return tuple(
        (f"{t.value:g}% less pain", round(baseline * (1 - t.value / 100), 2))
        for t in (th.response_meaningful_percent, th.response_substantial_percent))


def response_lines(result: Response) -> list[str]:
    """The patient's response in words, the same in the registry window and the PDFs."""
    parts = [f"Baseline pain {result.baseline_pain} ({fmt_date_or(result.baseline_on)})"
             if result.baseline_pain is not None else "Baseline pain not recorded"]
    if result.latest_pain is not None:
        parts.append(f"latest {result.latest_pain} ({fmt_date_or(result.latest_on)})")
    if result.reduction_percent is not None:
        parts.append(f"change {-result.reduction_percent:+g}%")
    lines = [", ".join(parts) + ".",
             result.classification_text + (f": {result.note}" if result.note else "") + "."]
    course = []
    if result.weeks_on_ldn is not None:
        course.append(f"{result.weeks_on_ldn:g} weeks on LDN")
    if result.weeks_at_target is not None:
        course.append(f"{result.weeks_at_target:g} at the target dose")
    if result.stopped_on is not None:
        course.append(f"stopped {fmt_date(result.stopped_on)}")
    if course:
        lines.append(", ".join(course) + ".")
    if result.review_on is not None:
        due = ": DUE FOR REVIEW (no visit since)" if result.due_for_review else ""
        lines.append(f"Review {fmt_date(result.review_on)}{due}.")
    return lines
