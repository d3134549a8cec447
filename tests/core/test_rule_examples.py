"""Every rule's own example cases, one test per rule."""

from __future__ import annotations

from typing import Any

import pytest

from ldn_cds.core.engine import run_rule
from ldn_cds.core.facts import Context
from ldn_cds.core.models import parse_case
from ldn_cds.core.rulecheck import example_case
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import default_ruleset

RULE_IDS = [rule.id for rule in default_ruleset().rules]
GROUPS = (("fires", "fired"), ("does_not_fire", "not_fired"),
          ("cannot_evaluate", "cannot_evaluate"))


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_examples(ruleset: RuleSet, rule_id: str) -> None:
    rule = ruleset.rule(rule_id)
    on = ruleset.manifest.example_on
    assert rule.examples.fires, "every rule needs an example where it fires"
    failures: list[str] = []
    for attr, expected in GROUPS:
        patches: list[dict[str, Any]] = getattr(rule.examples, attr)
        for i, patch in enumerate(patches):
            case = parse_case(example_case(ruleset, patch))
            outcome = run_rule(rule, Context(case, on, ruleset)).outcome
            if outcome != expected:
                failures.append(f"{attr}[{i}] {patch}: expected {expected}, got {outcome}")
    assert not failures, failures


def test_safety_rules_have_unknown_examples(ruleset: RuleSet) -> None:
    """A safety rule that blocks on unknown input shows that in an example."""
    for rule in ruleset.rules:
        if rule.kind == "safety" and rule.effect_if_unknown.value == "needs_information":
            assert rule.examples.cannot_evaluate, rule.id
