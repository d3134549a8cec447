"""Three-valued evaluation of rule conditions.

A condition evaluates to ``True`` (fired), ``False`` (not fired) or ``None`` (cannot evaluate:
an input it needs is not known).  Combinators follow Kleene logic: ``all`` is false as soon as
one part is false, ``any`` is true as soon as one part is true, and unknown otherwise when a
part is unknown.  Every comparison returns a real ``bool`` (never a truthy value).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ldn_cds.core.facts import Context
from ldn_cds.core.facts import group_matches as facts_group_matches
from ldn_cds.core.medicines import recognise
from ldn_cds.core.ruleset import (
    AllOf,
    Always,
    AnyOf,
    Comparison,
    Condition,
    NotOf,
    Op,
    Rule,
    RuleSet,
)

Outcome = Literal["fired", "not_fired", "cannot_evaluate"]


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    outcome: Outcome
    inputs_read: dict[str, Any]
    inputs_missing: tuple[str, ...]


def group_matches(ruleset: RuleSet, group_id: str, medicine: str) -> bool:
    """True when ``medicine`` (as written) is recognised as a member of the group."""
    return facts_group_matches(ruleset.group(group_id), recognise(ruleset.vocabulary, medicine))


def _compare(op: Op, actual: Any, expected: Any, ctx: Context) -> bool:
    if op is Op.IS_TRUE:
        return actual is True
    if op is Op.IS_FALSE:
        return actual is False
    if op is Op.EQ:
        return bool(actual == expected)
    if op is Op.NE:
        return bool(actual != expected)
    if op is Op.IN:
        return actual in expected
    if op is Op.NOT_IN:
        return actual not in expected
    if op is Op.LT:
        return bool(actual < expected)
    if op is Op.LE:
        return bool(actual <= expected)
    if op is Op.GT:
        return bool(actual > expected)
    if op is Op.GE:
        return bool(actual >= expected)
    if op is Op.CONTAINS_ANY:
        return any(item in expected for item in actual)
    if op is Op.ANY_IN_GROUP:
        group = ctx.ruleset.group(expected)
        return any(facts_group_matches(group, ctx.recognise(item)) for item in actual)
    raise AssertionError(f"unhandled operator {op}")  # pragma: no cover


def evaluate(condition: Condition, ctx: Context, reads: dict[str, Any]) -> bool | None:
    """Evaluate ``condition``; record every fact it reads into ``reads``."""
    if isinstance(condition, Comparison):
        value = ctx.fact(condition.fact)
        reads[condition.fact] = value
        if value is None:
            return None
        return _compare(condition.op, value, condition.value, ctx)
    if isinstance(condition, AllOf):
        parts = [evaluate(c, ctx, reads) for c in condition.all]
        if any(p is False for p in parts):
            return False
        return None if any(p is None for p in parts) else True
    if isinstance(condition, AnyOf):
        parts = [evaluate(c, ctx, reads) for c in condition.any]
        if any(p is True for p in parts):
            return True
        return None if any(p is None for p in parts) else False
    if isinstance(condition, NotOf):
        inner = evaluate(condition.not_, ctx, reads)
        return None if inner is None else not inner
    if isinstance(condition, Always):
        return True
    raise AssertionError(f"unhandled condition {condition!r}")  # pragma: no cover


def facts_used(condition: Condition) -> Iterator[str]:
    """Every fact a condition can read (for the declared-inputs check)."""
    if isinstance(condition, Comparison):
        yield condition.fact
    elif isinstance(condition, AllOf):
        for c in condition.all:
            yield from facts_used(c)
    elif isinstance(condition, AnyOf):
        for c in condition.any:
            yield from facts_used(c)
    elif isinstance(condition, NotOf):
        yield from facts_used(condition.not_)


def comparisons(condition: Condition) -> Iterator[tuple[str, Comparison]]:
    """Every comparison with its location path inside the condition."""
    if isinstance(condition, Comparison):
        yield "", condition
    elif isinstance(condition, AllOf):
        for i, c in enumerate(condition.all):
            for loc, comp in comparisons(c):
                yield f".all[{i}]{loc}", comp
    elif isinstance(condition, AnyOf):
        for i, c in enumerate(condition.any):
            for loc, comp in comparisons(c):
                yield f".any[{i}]{loc}", comp
    elif isinstance(condition, NotOf):
        for loc, comp in comparisons(condition.not_):
            yield f".not{loc}", comp


def run_rule(rule: Rule, ctx: Context) -> RuleResult:
    """Evaluate one rule and record what it read and what was missing."""
    reads: dict[str, Any] = {}
    result = evaluate(rule.condition, ctx, reads)
    # Inputs declared but not reached by short-circuit are still shown in the trace.
    for name in rule.inputs:
        if name not in reads:
            reads[name] = ctx.fact(name)
    outcome: Outcome = (
        "fired" if result is True else "not_fired" if result is False else "cannot_evaluate"
    )
    missing = tuple(name for name in rule.inputs if reads[name] is None)
    return RuleResult(rule=rule, outcome=outcome, inputs_read=reads, inputs_missing=missing)
