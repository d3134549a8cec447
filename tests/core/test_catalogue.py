"""The rule catalogue (docs/rules.md) is generated from the rule set and kept up to date."""

from __future__ import annotations

from pathlib import Path

from ldn_cds.core.catalogue import (
    ADDED_FIELDS,
    describe_condition,
    render_case_format,
    render_markdown,
    render_medications,
)
from ldn_cds.core.ruleset import AllOf, Comparison, NotOf, Op, RuleSet

DOCS_RULES = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date(ruleset: RuleSet) -> None:
    assert DOCS_RULES.is_file(), "generate it: ldn-cds rules --markdown > docs/rules.md"
    assert DOCS_RULES.read_text(encoding="utf-8") == render_markdown(ruleset), (
        "docs/rules.md is stale: regenerate with `ldn-cds rules --markdown > docs/rules.md`")


def test_catalogue_lists_every_rule_with_sources(ruleset: RuleSet) -> None:
    text = render_markdown(ruleset)
    assert ruleset.sha256 in text
    assert f"version **{ruleset.version}**" in text
    for rule in ruleset.rules:
        assert f"\n## {rule.id}\n" in text
        assert rule.statement in text
    assert "## Bibliography" in text
    for entry in ruleset.bibliography.values():
        if not entry.verified:
            assert f"**Unverified:** {entry.unverified_note}" in text


def test_describe_condition_in_words() -> None:
    cond = AllOf(all=[
        Comparison(fact="patient.pregnant", op=Op.IS_TRUE),
        NotOf.model_validate({"not": {"fact": "history.liver", "op": "in",
                                      "value": ["mild", "cirrhosis"]}}),
    ])
    assert describe_condition(cond) == (
        "- ALL of:\n"
        "  - `patient.pregnant` is yes\n"
        "  - NOT:\n"
        "    - `history.liver` is one of `mild`, `cirrhosis`")


def test_docs_medications_md_is_up_to_date(ruleset: RuleSet) -> None:
    path = DOCS_RULES.with_name("medications.md")
    assert path.is_file(), "generate it: ldn-cds rules --medications > docs/medications.md"
    assert path.read_text(encoding="utf-8") == render_medications(ruleset), (
        "docs/medications.md is stale: regenerate with "
        "`ldn-cds rules --medications > docs/medications.md`")


def test_medications_catalogue_names_every_opioid_ingredient(ruleset: RuleSet) -> None:
    text = render_medications(ruleset)
    for ing in ruleset.vocabulary.ingredients.values():
        if ing.role.value != "not_opioid":
            assert f"| {ing.display} | `{ing.role.value}` |" in text, ing.id


def test_docs_case_format_md_is_up_to_date() -> None:
    path = DOCS_RULES.with_name("case-format.md")
    assert path.is_file(), "generate it: ldn-cds schema --markdown > docs/case-format.md"
    assert path.read_text(encoding="utf-8") == render_case_format(), (
        "docs/case-format.md is stale: regenerate with "
        "`ldn-cds schema --markdown > docs/case-format.md`")


def test_case_format_describes_every_field() -> None:
    from ldn_cds.core import models

    text = render_case_format()
    for model in (models.Patient, models.Pain, models.Opioids, models.OpioidMedication,
                  models.History, models.LdnUse, models.PlanChoices):
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"
            assert f"{name}`" in text
    for path in ADDED_FIELDS:
        assert f"`{path}` *added*" in text, path
