"""Three-valued evaluation: Kleene truth tables and every operator."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from ldn_cds.core.engine import evaluate, facts_used, group_matches, run_rule
from ldn_cds.core.facts import Context
from ldn_cds.core.ruleset import AllOf, Always, AnyOf, Comparison, NotOf, Op, RuleSet
from tests.conftest import ON

# Three atomic conditions on one case: true, false and unknown.
T = Comparison(fact="history.naltrexone_hypersensitivity", op=Op.IS_TRUE)
F = Comparison(fact="history.immunosuppressed", op=Op.IS_TRUE)
U = Comparison(fact="history.depression", op=Op.IS_TRUE)
ATOMS = {True: T, False: F, None: U}


@pytest.fixture
def ctx(make_case: Any, ruleset: RuleSet) -> Context:
    case = make_case({"history": {"naltrexone_hypersensitivity": True, "immunosuppressed": False,
                                  "depression_or_suicidality": None,
                                  "depression": None}})
    return Context(case, ON, ruleset)


def kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


PAIRS = list(itertools.product([True, False, None], repeat=2))


def test_atoms(ctx: Context) -> None:
    for value, atom in ATOMS.items():
        assert evaluate(atom, ctx, {}) is value


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_all_truth_table(ctx: Context, a: bool | None, b: bool | None) -> None:
    assert evaluate(AllOf(all=[ATOMS[a], ATOMS[b]]), ctx, {}) is kleene_and(a, b)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_any_truth_table(ctx: Context, a: bool | None, b: bool | None) -> None:
    assert evaluate(AnyOf(any=[ATOMS[a], ATOMS[b]]), ctx, {}) is kleene_or(a, b)


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (None, None)])
def test_not_truth_table(ctx: Context, a: bool | None, expected: bool | None) -> None:
    assert evaluate(NotOf.model_validate({"not": ATOMS[a]}), ctx, {}) is expected


def test_always(ctx: Context) -> None:
    assert evaluate(Always(always=True), ctx, {}) is True


def test_nested_and_reads_recorded(ctx: Context) -> None:
    cond = AnyOf(any=[AllOf(all=[T, U]), NotOf.model_validate({"not": F})])
    reads: dict[str, Any] = {}
    assert evaluate(cond, ctx, reads) is True
    assert reads == {"history.naltrexone_hypersensitivity": True,
                     "history.immunosuppressed": False,
                     "history.depression": None}
    assert set(facts_used(cond)) == set(reads)


def _cmp(fact: str, op: str, value: Any = None) -> Comparison:
    return Comparison(fact=fact, op=Op(op), value=value)


OPERATOR_CASES = [
    # (patch, fact, op, value, expected)
    ({}, "patient.age_years", "lt", 18, False),
    ({}, "patient.age_years", "lt", 57, True),
    ({}, "patient.age_years", "le", 56, True),
    ({}, "patient.age_years", "le", 55, False),
    ({}, "patient.age_years", "gt", 55, True),
    ({}, "patient.age_years", "gt", 56, False),
    ({}, "patient.age_years", "ge", 56, True),
    ({}, "patient.age_years", "ge", 57, False),
    ({}, "patient.age_years", "eq", 56, True),
    ({}, "patient.age_years", "ne", 56, False),
    ({"history": {"liver": "cirrhosis"}}, "history.liver", "eq", "cirrhosis", True),
    ({"history": {"liver": "cirrhosis"}}, "history.liver", "ne", "cirrhosis", False),
    ({"history": {"liver": "mild"}}, "history.liver", "in", ["mild", "cirrhosis"], True),
    ({"history": {"liver": "none"}}, "history.liver", "in", ["mild", "cirrhosis"], False),
    ({"history": {"liver": "none"}}, "history.liver", "not_in", ["mild"], True),
    ({"history": {"liver": "mild"}}, "history.liver", "not_in", ["mild"], False),
    ({}, "history.immunosuppressed", "is_false", None, True),
    ({}, "history.immunosuppressed", "is_true", None, False),
    ({"pain": {"conditions": ["migraine", "crps"]}}, "pain.conditions", "contains_any",
     ["crps"], True),
    ({"pain": {"conditions": ["migraine"]}}, "pain.conditions", "contains_any",
     ["crps", "fibromyalgia"], False),
    ({"pain": {"conditions": []}}, "pain.conditions", "contains_any", ["crps"], False),
    ({"other_medications": ["Tylenol with Codeine #3"]}, "other_medications", "any_in_group",
     "opioid_exposure", True),
    ({"other_medications": ["ibuprofen"]}, "other_medications", "any_in_group",
     "opioid_exposure", False),
    ({"other_medications": []}, "other_medications", "any_in_group",
     "opioid_exposure", False),
]


@pytest.mark.parametrize(("patch", "fact", "op", "value", "expected"), OPERATOR_CASES)
def test_operator(
    make_case: Any, ruleset: RuleSet, patch: dict[str, Any], fact: str, op: str, value: Any,
    expected: bool,
) -> None:
    ctx = Context(make_case(patch), ON, ruleset)
    result = evaluate(_cmp(fact, op, value), ctx, {})
    assert result is expected  # a real bool, never a truthy value


@pytest.mark.parametrize("op", [o.value for o in Op])
def test_every_operator_is_unknown_on_unknown_input(
    make_case: Any, ruleset: RuleSet, op: str
) -> None:
    ctx = Context(make_case({"patient": {"date_of_birth": None}, "history": {"liver": None},
                             "pain": {"conditions": None}, "other_medications": None}),
                  ON, ruleset)
    fact, value = {
        "is_true": ("history.liver", None), "is_false": ("history.liver", None),
        "contains_any": ("pain.conditions", ["crps"]),
        "any_in_group": ("other_medications", "thioridazine"),
        "in": ("history.liver", ["mild"]), "not_in": ("history.liver", ["mild"]),
    }.get(op, ("patient.age_years", 18))
    assert evaluate(_cmp(fact, op, value), ctx, {}) is None


def test_operator_cases_cover_every_operator() -> None:
    assert {case[2] for case in OPERATOR_CASES} == {o.value for o in Op}


@pytest.mark.parametrize(
    ("medicine", "group", "expected"),
    [
        ("Promethazine with CODEINE syrup", "opioid_exposure", True),
        ("lomotil", "opioid_exposure", True),
        ("co-codamol 30/500", "opioid_exposure", True),
        ("codeinex", "opioid_exposure", False),  # whole words only
        ("loperamide", "opioid_exposure", False),
        ("Contrave", "duplicate_antagonists", True),
        ("naltrexone 50 mg", "duplicate_antagonists", True),
        ("naloxone", "duplicate_antagonists", False),  # a rescue kit, not a daily antagonist
        ("LDN 4.5 mg", "duplicate_antagonists", False),  # LDN itself
        ("Lybalvi", "duplicate_antagonists", True),  # samidorphan
        ("Synthroid", "thyroid_hormone", True),
        ("Antabuse", "disulfiram", True),
    ],
)
def test_group_matching(ruleset: RuleSet, medicine: str, group: str, expected: bool) -> None:
    assert group_matches(ruleset, group, medicine) is expected


def test_run_rule_records_inputs_and_missing(make_case: Any, ruleset: RuleSet) -> None:
    rule = ruleset.rule("pregnancy")
    young = {"date_of_birth": "1990-02-01"}
    result = run_rule(rule, Context(make_case({"patient": {**young, "pregnant": None}}), ON,
                                    ruleset))
    assert result.outcome == "cannot_evaluate"
    assert result.inputs_missing == ("patient.pregnant",)
    assert result.inputs_read == {"patient.pregnancy_applies": True, "patient.pregnant": None}

    fired = run_rule(rule, Context(make_case({"patient": {**young, "pregnant": True}}), ON,
                                   ruleset))
    assert (fired.outcome, fired.inputs_missing) == ("fired", ())
    male = make_case({"patient": {"sex": "male", "pregnant": None}})
    result = run_rule(rule, Context(male, ON, ruleset))
    # all() is false as soon as one part is false, even with another part unknown.
    assert result.outcome == "not_fired"
    assert result.inputs_missing == ("patient.pregnant",)
