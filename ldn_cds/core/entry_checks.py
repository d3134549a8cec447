"""Findings about the entry itself, not from a rule: what the rules could not check.

* a condition written as free text (``pain.other_conditions``): kept, but no rule reads it;
* an opioid daily dose above the FDA label maximum (:mod:`ldn_cds.core.plausibility`).

Each becomes a card on the result (window, JSON, PDF) like a rule's, with an id that says it
is an entry check (``entry-...``), no effect on the verdict, and its wording and source from
the rule set's data.  Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldn_cds.core.conditions import PLACEHOLDER
from ldn_cds.core.models import Case
from ldn_cds.core.plausibility import dose_warnings
from ldn_cds.core.ruleset import Indicator, RuleSet
from ldn_cds.core.sources import SourceOut

FREE_TEXT_CONDITION = "entry-free-text-condition"
DOSE_ABOVE_LABEL_MAXIMUM = "entry-dose-above-label-maximum"
ENTRY_CHECKS = (FREE_TEXT_CONDITION, DOSE_ABOVE_LABEL_MAXIMUM)
SUMMARY_MAX = 140


@dataclass(frozen=True)
class EntryFinding:
    check_id: str
    title: str
    indicator: Indicator
    summary: str
    detail: str
    sources: tuple[SourceOut, ...]


def fill(template: str, **values: str) -> str:
    """``template`` with its ``{name}`` placeholders filled (checked at load: see
    :class:`ldn_cds.core.conditions.FindingWording`)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _quoted(items: list[str]) -> str:
    return ", ".join(f"'{item}'" for item in items)


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[:SUMMARY_MAX - 1] + "…"


def entry_findings(case: Case, ruleset: RuleSet) -> list[EntryFinding]:
    out: list[EntryFinding] = []
    free = [c for c in case.pain.other_conditions or () if c.strip()]
    if free:
        words = ruleset.conditions.free_text_finding
        entries = _quoted(free)
        out.append(EntryFinding(
            check_id=FREE_TEXT_CONDITION, title=words.title, indicator=Indicator.INFO,
            summary=_short(fill(words.summary, entries=entries)),
            detail=fill(words.detail, entries=entries),
            sources=(SourceOut(
                id="coded-conditions", label="Coded condition list of the rule set",
                citation=words.source or words.title, url=None,
                section="vocabulary/conditions.yaml", evidence="inference", verified=True),),
        ))
    warnings = dose_warnings(ruleset, case.opioids.medications or ())
    if warnings:
        table = ruleset.opioid_max_daily
        entries = ", ".join(f"{w.drug} {w.dose_mg:,g} mg/day" for w in warnings)
        limits = "; ".join(f"{w.limit.ingredient}: {w.limit.max_mg_per_day:g} mg/day, "
                           f"{w.limit.product}" for w in warnings)
        sources: dict[str, SourceOut] = {}
        for w in warnings:
            src = w.limit.source
            sources.setdefault(src.url + w.limit.product, SourceOut(
                id=f"label-maximum-{w.limit.ingredient}",
                label=f"FDA label, {w.limit.product}" + ("" if src.verified
                                                          else " (unverified)"),
                citation=f"{src.section}: \u201c{src.quote}\u201d", url=src.url,
                section=src.section, evidence="label", verified=src.verified,
                unverified_note=src.unverified_note))
        out.append(EntryFinding(
            check_id=DOSE_ABOVE_LABEL_MAXIMUM, title=table.finding.title,
            indicator=Indicator.WARNING,
            summary=_short(fill(table.finding.summary, entries=entries)),
            detail=fill(table.finding.detail, entries=entries, limits=limits),
            sources=tuple(sources.values()),
        ))
    return out
