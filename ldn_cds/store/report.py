"""The practice-outcomes report as lines and as JSON: the same words in the CLI and the window."""

from __future__ import annotations

from typing import Any

from ldn_cds.core.outcomes import Outcomes


def _share(count: int, percent: float | None, whom: str) -> str:
    """"3 (25% of those started)", or "0 (nobody started yet: no percentage)"."""
    if percent is None:
        return f"{count} (nobody {whom.removeprefix('those ')} yet: no percentage)"
    return f"{count} ({percent:g}% of {whom})"


def outcome_lines(out: Outcomes) -> list[tuple[str, str]]:
    """The practice report as (label, value) lines, the same in the CLI and the window."""
    lines = [
        ("Report date", out.on.isoformat()),
        ("Prescribed LDN", str(out.prescribed)),
        ("  no follow-up yet", str(out.no_followup_yet)),
        ("Started (a follow-up after the start date)", str(out.started)),
        ("  still on LDN", str(out.still_on)),
        ("  stopped", _share(out.stopped, out.stopped_percent, "those started")),
    ]
    for reason, count in out.stop_reasons:
        lines.append((f"    {reason}", str(count)))
    weeks = out.median_weeks_on_ldn
    lines += [
        ("Median weeks on LDN", "not computable" if weeks is None else f"{weeks:g}"),
        ("Past their review date", str(out.past_review)),
        ("  with a pain score to judge", str(out.judged_at_review)),
        ("  30% or more less pain", _share(out.meaningful_or_better, out.meaningful_percent,
                                           "those judged")),
        ("  50% or more less pain", _share(out.substantial, out.substantial_percent,
                                           "those judged")),
        ("  mean reduction", "no pain scores to judge yet"
         if out.mean_reduction_percent is None else f"{out.mean_reduction_percent:g}%"),
        ("Reported a side effect", _share(out.with_side_effects, out.side_effects_percent,
                                          "those started")),
    ]
    for effect, count in out.side_effects:
        lines.append((f"  {effect.value.replace('_', ' ')}", str(count)))
    lines.append(("Published figures to compare with", ""))
    for figure in out.published:
        size = f", n={figure.n}" if figure.n else ""
        sources = ", ".join(s.id for s in figure.sources)
        evidence = ", ".join(e.value for e in figure.evidence)
        lines.append((f"  {figure.measure.replace('_percent', '').replace('_', ' ')}",
                      f"{figure.value:g}% ({figure.population}{size}; {sources}; {evidence})"
                      + (f" {figure.note}" if figure.note else "")))
    return lines


def outcomes_json(out: Outcomes) -> dict[str, Any]:
    return {
        "on": out.on.isoformat(), "prescribed": out.prescribed,
        "no_followup_yet": out.no_followup_yet, "started": out.started,
        "still_on": out.still_on, "stopped": out.stopped,
        "stopped_percent": out.stopped_percent,
        "stop_reasons": [{"reason": r, "patients": n} for r, n in out.stop_reasons],
        "median_weeks_on_ldn": out.median_weeks_on_ldn, "past_review": out.past_review,
        "judged_at_review": out.judged_at_review,
        "meaningful_or_better": out.meaningful_or_better,
        "meaningful_percent": out.meaningful_percent, "substantial": out.substantial,
        "substantial_percent": out.substantial_percent,
        "mean_reduction_percent": out.mean_reduction_percent,
        "with_side_effects": out.with_side_effects,
        "side_effects_percent": out.side_effects_percent,
        "side_effects": {e.value: n for e, n in out.side_effects},
        "due_for_review": len(out.due_for_review),
        "published": [f.model_dump(mode="json") for f in out.published],
    }
