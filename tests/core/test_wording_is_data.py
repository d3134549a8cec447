"""Every sentence a clinician or patient reads comes from ``resources/`` (issue 8).

The guard below fails when a sentence is added as a Python string literal in a core module
that produces output; put it in ``resources/texts.yaml`` (or ``handout.yaml``) instead, so
that the rule-set SHA-256 printed in every footer covers it.
"""

from __future__ import annotations

import ast
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from ldn_cds.core.assessment import assess
from ldn_cds.core.models import parse_case
from ldn_cds.core.report_content import build_summary
from ldn_cds.core.rulecheck import RuleSetError, example_case
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import load_ruleset, resources_dir

CORE = Path(__file__).resolve().parents[2] / "ldn_cds" / "core"
OUTPUT_MODULES = ("assessment", "facts", "medicines", "dosing", "notes", "report_content",
                  "fhir_import")
"""Core modules whose strings reach the JSON, the window or a PDF."""
MIN_WORDS = 4

ALLOWED_CALLS = {
    "Field": "a schema description (JSON schema and docs), not an output",
    "_spec": "a fact's description, shown only in the rule catalogue (docs/rules.md)",
    "VocabProblem": "a load problem for the rule-set author, not a clinical output",
    "LookupError": "a developer error (a rule set that lacks a catch-all)",
}
"""Calls whose string arguments are not outputs, with the reason (the allowlist)."""


def _literal_words(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(v.value for v in node.values
                        if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return ""


def _skipped(tree: ast.Module) -> set[int]:
    """ids of nodes that are docstrings, in a raise, or arguments of an allowed call."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # docstrings, also of attributes
        parts: list[ast.AST] = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            parts = [node.exc]  # developer and input errors, raised not printed
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            if name in ALLOWED_CALLS:
                parts = [node]
        for part in parts:
            skip.update(id(n) for n in ast.walk(part))
    return skip


def sentences_in_code(path: Path) -> list[str]:
    """String literals of MIN_WORDS or more words that are not docstrings, raised errors or
    arguments of an allowed call."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _skipped(tree)
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner:
            continue
        text = _literal_words(node)
        if sum(any(c.isalpha() for c in w) for w in text.split()) >= MIN_WORDS:
            found.append(f"{path.name}:{getattr(node, 'lineno', '?')}: {text!r}")
    return found


@pytest.mark.parametrize("module", [*OUTPUT_MODULES, "../service/hooks"])
def test_no_sentence_is_a_python_literal(module: str) -> None:
    found = sentences_in_code(CORE / f"{module}.py")
    assert not found, (
        "user-facing sentences belong in resources/texts.yaml (covered by the rule-set "
        "SHA-256), not in Python:\n" + "\n".join(found))


def test_the_guard_catches_a_sentence(tmp_path: Path) -> None:
    module = tmp_path / "mod.py"
    module.write_text(
        '"""Docstring of several words is fine."""\n'
        'def f(x):\n'
        '    """So is this one here."""\n'
        '    if x:\n'
        '        raise ValueError("a developer error of many words")\n'
        '    return f"Take {x} capsules at bedtime every day"\n',
        encoding="utf-8")
    found = sentences_in_code(module)
    assert len(found) == 1
    assert "capsules at bedtime" in found[0]


def _copy_resources(tmp_path: Path) -> Path:
    root = tmp_path / "resources"
    shutil.copytree(resources_dir(), root)
    return root


def _candidate_summary_text(ruleset: RuleSet) -> tuple[str, str]:
    case = parse_case(example_case(ruleset, {}))
    a = assess(case, on=date(2026, 11, 23), ruleset=ruleset)
    doc = build_summary(case, a, ruleset)
    text = " ".join(getattr(b, "text", "") for b in doc.blocks)
    return a.verdict_text, text + " " + a.model_dump_json()


def test_editing_a_sentence_changes_the_sha_and_the_output(tmp_path: Path) -> None:
    shipped = load_ruleset()
    root = _copy_resources(tmp_path)
    path = root / "texts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["verdicts"]["candidate"] = "Suitable for LDN"
    data["intended_use"] = data["intended_use"].replace("licensed prescriber",
                                                        "licensed clinician")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    edited = load_ruleset(root)
    assert edited.sha256 != shipped.sha256
    verdict, text = _candidate_summary_text(edited)
    old_verdict, old_text = _candidate_summary_text(shipped)
    assert old_verdict == "Candidate for LDN"
    assert verdict == "Suitable for LDN"
    assert "licensed clinician" in text
    assert "licensed clinician" not in old_text


@pytest.mark.parametrize(("edit", "location", "words"), [
    (lambda d: d["summary"].pop("review_on"), "summary.review_on", "Field required"),
    (lambda d: d["verdicts"].update(candiate="x"), "verdicts.candiate", "Extra inputs"),
    (lambda d: d["notes"].update(record_note=d["notes"]["record_note"] + " {patient}"),
     "notes.record_note", "{patient} is not filled"),
    (lambda d: d["questions"].pop("patient.pregnant"), "questions.patient.pregnant", "missing"),
    (lambda d: d["summary"].update(footer=d["summary"]["footer"].replace("{sha256}", "{sha512}")),
     "summary.footer", "{sha512} is not filled"),
    (lambda d: d["labels"]["mme_columns"].pop(), "labels.mme_columns", "at least 6"),
    (lambda d: d["medicines"]["roles"].pop("full_agonist"), "medicines", "full_agonist"),
])
def test_a_wrong_key_or_placeholder_is_a_load_problem(
    tmp_path: Path, edit: object, location: str, words: str
) -> None:
    root = _copy_resources(tmp_path)
    path = root / "texts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load_ruleset(root)
    problems = [p for p in info.value.problems if p.file == "texts.yaml"]
    assert any(p.location == location and words in p.message for p in problems), \
        info.value.problems
