"""Rule-set checks: every mistake is reported with its file and location.

Each mutator starts from the real parsed resource files and changes one thing; its docstring is
the text the error report must contain.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from ldn_cds.core.rulecheck import (
    RuleSetError,
    build_ruleset,
    canonical_sha256,
    check_examples,
    example_case,
)
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import read_files, resources_dir

Files = dict[str, Any]


@pytest.fixture(scope="module")
def pristine() -> Files:
    files, problems = read_files(resources_dir())
    assert problems == []
    return files


def _rule(files: Files, rule_id: str) -> dict[str, Any]:
    for name, data in files.items():
        if name.startswith("rules/"):
            for rule in data["rules"]:
                if rule["id"] == rule_id:
                    return rule
    raise KeyError(rule_id)


def _file_of(files: Files, rule_id: str) -> str:
    for name, data in files.items():
        if name.startswith("rules/") and any(r["id"] == rule_id for r in data["rules"]):
            return name
    raise KeyError(rule_id)


# --- mutators that the cross-reference pass reports (all reported together) ---------------


def unknown_source(files: Files) -> str:
    """source 'no-such-paper' is not in bibliography.yaml"""
    _rule(files, "hypersensitivity")["sources"].append({"id": "no-such-paper"})
    return "rules/safety.yaml"


def undeclared_input(files: Files) -> str:
    """condition reads 'history.renal' but inputs does not declare it"""
    rule = _rule(files, "oud-history")
    rule["condition"] = {"all": [rule["condition"],
                                 {"fact": "history.renal", "op": "eq", "value": "none"}]}
    return "rules/opioids.yaml"


def declared_unused_input(files: Files) -> str:
    """input 'history.liver' is declared but the condition never reads it"""
    _rule(files, "immunosuppression")["inputs"].append("history.liver")
    return "rules/cautions.yaml"


def unknown_fact(files: Files) -> str:
    """unknown input 'patient.shoe_size'"""
    rule = _rule(files, "timing-morning")
    rule["inputs"] = ["patient.shoe_size"]
    rule["condition"] = {"fact": "patient.shoe_size", "op": "gt", "value": 44}
    return "rules/dosing.yaml"


def bad_enum_value(files: Files) -> str:
    """value(s) ['liver_failur'] not allowed"""
    _rule(files, "liver-acute")["condition"]["value"] = ["acute_hepatitis", "liver_failur"]
    return "rules/safety.yaml"


def critical_without_override_reasons(files: Files) -> str:
    """a critical rule must offer coded override reasons"""
    _rule(files, "duplicate-naltrexone")["override_reasons"] = []
    return "rules/cautions.yaml"


def missing_catch_all(files: Files) -> str:
    """the last assignment must be a catch-all (no ingredients, no releases)"""
    files["tables/washout.yaml"]["assignments"].pop()
    return "tables/washout.yaml"


def unknown_medication_group(files: Files) -> str:
    """no medication group 'opiates'"""
    _rule(files, "hidden-opioid")["condition"]["value"] = "opiates"
    return "rules/opioids.yaml"


def unverified_without_note(files: Files) -> str:
    """an unverified entry needs an unverified_note saying what"""
    entry = next(e for e in files["bibliography.yaml"]["entries"] if not e["verified"])
    entry["unverified_note"] = None
    return "bibliography.yaml"


CROSS_CHECK_MUTATORS: list[Callable[[Files], str]] = [
    unknown_source, undeclared_input, declared_unused_input, unknown_fact, bad_enum_value,
    critical_without_override_reasons, missing_catch_all, unknown_medication_group,
    unverified_without_note,
]

# --- mutators that the structural (schema) pass reports ------------------------------------


def duplicate_rule_id(files: Files) -> str:
    """duplicate rule id 'hypersensitivity'"""
    files["rules/safety.yaml"]["rules"].append(copy.deepcopy(_rule(files, "hypersensitivity")))
    return "rules/safety.yaml"


def unknown_key(files: Files) -> str:
    """(pregnancy).colour: Extra inputs are not permitted"""
    _rule(files, "pregnancy")["colour"] = "red"
    return "rules/safety.yaml"


def summary_too_long(files: Files) -> str:
    """(evidence-negative).summary: String should have at most 140 characters"""
    _rule(files, "evidence-negative")["summary"] = "x" * 141
    return "rules/evidence.yaml"


def unknown_placeholder(files: Files) -> str:
    """unknown placeholder(s) ['shoe_size']"""
    _rule(files, "renal-impairment")["summary"] = "Kidney {shoe_size}"
    return "rules/safety.yaml"


STRUCTURAL_MUTATORS: list[Callable[[Files], str]] = [
    duplicate_rule_id, unknown_key, summary_too_long, unknown_placeholder,
]

ALL_MUTATORS = CROSS_CHECK_MUTATORS + STRUCTURAL_MUTATORS


def _problems(files: Files) -> str:
    with pytest.raises(RuleSetError) as info:
        build_ruleset(files)
    assert info.value.problems
    return str(info.value.problems) + "\n" + str(info.value)


def test_pristine_files_build(pristine: Files) -> None:
    ruleset = build_ruleset(copy.deepcopy(pristine))
    in_files = sum(len(data["rules"]) for name, data in pristine.items()
                   if name.startswith("rules/"))
    assert len(ruleset.rules) == in_files >= 15
    assert ruleset.sha256 == canonical_sha256(pristine)


@pytest.mark.parametrize("mutator", ALL_MUTATORS, ids=lambda m: m.__name__)
def test_mutator_is_reported(pristine: Files, mutator: Callable[[Files], str]) -> None:
    files = copy.deepcopy(pristine)
    file = mutator(files)
    text = _problems(files)
    assert mutator.__doc__ is not None
    assert mutator.__doc__ in text
    # the problem names its file
    problem_lines = [line for line in text.splitlines() if mutator.__doc__ in line]
    assert any(line.startswith(f"{file}: ") for line in problem_lines), problem_lines


@pytest.mark.parametrize("mutators", [CROSS_CHECK_MUTATORS, STRUCTURAL_MUTATORS],
                         ids=["cross-reference", "structural"])
def test_mistakes_of_one_pass_all_reported_at_once(
    pristine: Files, mutators: list[Callable[[Files], str]]
) -> None:
    files = copy.deepcopy(pristine)
    where = {m.__doc__: m(files) for m in mutators}
    with pytest.raises(RuleSetError) as info:
        build_ruleset(files)
    rendered = [str(p) for p in info.value.problems]
    for doc, file in where.items():
        assert doc is not None
        assert any(doc in line and line.startswith(file) for line in rendered), (doc, rendered)


def test_structural_and_cross_reference_mistakes_reported_together(pristine: Files) -> None:
    files = copy.deepcopy(pristine)
    docs = [m.__doc__ for m in ALL_MUTATORS if m(files)]
    text = _problems(files)
    for doc in docs:
        assert doc is not None
        assert doc in text


def test_missing_file_reported(pristine: Files) -> None:
    files = copy.deepcopy(pristine)
    del files["protocols.yaml"]
    del files["tables/mme.yaml"]
    text = _problems(files)
    assert "protocols.yaml: file is missing" in text
    assert "tables/mme.yaml: file is missing" in text


def test_problem_location_in_a_condition(pristine: Files) -> None:
    files = copy.deepcopy(pristine)
    bad_enum_value(files)
    with pytest.raises(RuleSetError) as info:
        build_ruleset(files)
    (problem,) = info.value.problems
    assert problem.file == "rules/safety.yaml"
    assert problem.location == "rule liver-acute.condition"


def test_check_examples_passes_for_shipped_rules(ruleset: RuleSet) -> None:
    count, problems = check_examples(ruleset)
    assert problems == []
    assert count >= 100


def test_check_examples_reports_a_wrong_example(pristine: Files) -> None:
    files = copy.deepcopy(pristine)
    _rule(files, "hypersensitivity")["examples"]["fires"].append(
        {"history": {"naltrexone_hypersensitivity": False}})
    ruleset = build_ruleset(files)
    _, problems = check_examples(ruleset)
    assert [str(p) for p in problems] == [
        "rules/safety.yaml: rule hypersensitivity.examples.fires[1]: "
        "expected fired, got not_fired"]


def test_check_examples_reports_an_invalid_example(pristine: Files) -> None:
    files = copy.deepcopy(pristine)
    _rule(files, "renal-impairment")["examples"]["fires"].append({"history": {"renal": "awful"}})
    _, problems = check_examples(build_ruleset(files))
    assert len(problems) == 1
    assert "example is not a valid case" in problems[0].message
    assert "history.renal" in problems[0].message


def test_example_case_merges_patch(ruleset: RuleSet) -> None:
    data = example_case(ruleset, {"patient": {"pregnant": None}, "other_medications": ["x"]})
    assert data["patient"]["pregnant"] is None
    assert data["patient"]["sex"] == "female"
    assert data["other_medications"] == ["x"]
    # the base itself is not modified
    assert ruleset.manifest.example_base["patient"]["pregnant"] is False


def test_file_of_helper(pristine: Files) -> None:
    assert _file_of(pristine, "opioid-washout") == "rules/opioids.yaml"
