"""Resource loader: YAML parsing, duplicate keys, hash stability, bibliography integrity."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from ldn_cds.core.rulecheck import RuleSetError, canonical_sha256
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import default_ruleset, load_ruleset, read_files, resources_dir


@pytest.fixture
def copy_of_resources(tmp_path: Path) -> Path:
    root = tmp_path / "resources"
    shutil.copytree(resources_dir(), root, ignore=shutil.ignore_patterns("examples"))
    return root


def test_shipped_resources_load() -> None:
    ruleset = load_ruleset(resources_dir())
    assert ruleset.sha256 == default_ruleset().sha256
    assert len(ruleset.sha256) == 64


def test_duplicate_yaml_key_rejected(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    files, problems = read_files(tmp_path)
    assert "dup.yaml" not in files
    (problem,) = problems
    assert problem.file == "dup.yaml"
    assert "duplicate key 'a'" in problem.message
    assert problem.location == "line 3, column 1"


def test_invalid_yaml_reported_with_line(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    files, problems = read_files(tmp_path)
    assert files == {"ok.yaml": {"a": 1}}
    (problem,) = problems
    assert problem.file == "bad.yaml"
    assert problem.location.startswith("line ")
    assert "invalid YAML" in problem.message


def test_load_ruleset_raises_with_every_problem(copy_of_resources: Path) -> None:
    (copy_of_resources / "rules" / "safety.yaml").write_text("rules: [\n", encoding="utf-8")
    (copy_of_resources / "notes.yaml").write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load_ruleset(copy_of_resources)
    files = {p.file for p in info.value.problems}
    assert files == {"rules/safety.yaml", "notes.yaml"}


def test_hash_stable_under_reformatting_and_key_order(copy_of_resources: Path) -> None:
    original = load_ruleset(copy_of_resources).sha256
    for path in [copy_of_resources / "rules" / "safety.yaml",
                 copy_of_resources / "tables" / "washout.yaml"]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        reordered = _reverse_keys(data)
        path.write_text("# reformatted\n" + yaml.safe_dump(reordered, sort_keys=False,
                                                           default_flow_style=False, indent=4,
                                                           width=60), encoding="utf-8")
    assert load_ruleset(copy_of_resources).sha256 == original


def test_hash_changes_with_content(copy_of_resources: Path) -> None:
    original = load_ruleset(copy_of_resources).sha256
    path = copy_of_resources / "tables" / "washout.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    days: 10\n", "    days: 11\n", 1), encoding="utf-8")
    changed = load_ruleset(copy_of_resources)
    assert changed.sha256 != original
    assert changed.tables.washout.classes[0].days == 11


def test_canonical_hash_ignores_dict_order() -> None:
    assert canonical_sha256({"a": 1, "b": [1, {"x": 1, "y": 2}]}) == canonical_sha256(
        {"b": [1, {"y": 2, "x": 1}], "a": 1})
    assert canonical_sha256({"a": 1}) != canonical_sha256({"a": 2})
    assert canonical_sha256({"a": [1, 2]}) != canonical_sha256({"a": [2, 1]})


def _reverse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(v) for v in value]
    return value


def test_unverified_bibliography_entries_carry_a_note(ruleset: RuleSet) -> None:
    unverified = [e for e in ruleset.bibliography.values() if not e.verified]
    assert unverified, "the notes mark several sources unverified"
    for entry in unverified:
        assert entry.unverified_note is not None, entry.id
        assert len(entry.unverified_note) > 10, entry.id


def _cited_ids(value: Any, key: str | None = None) -> list[str]:
    """Every source id cited anywhere in the parsed files (any 'sources' list)."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found += _cited_ids(v, k)
    elif isinstance(value, list):
        if key == "sources":
            for item in value:
                found.append(item if isinstance(item, str) else item["id"])
        else:
            for item in value:
                found += _cited_ids(item)
    return found


def test_every_cited_source_resolves(ruleset: RuleSet) -> None:
    files, problems = read_files(resources_dir())
    assert problems == []
    cited = _cited_ids({k: v for k, v in files.items() if k != "bibliography.yaml"})
    assert len(cited) > 100
    missing = sorted(set(cited) - set(ruleset.bibliography))
    assert missing == []


def test_shipped_rule_set_has_no_origin() -> None:
    from ldn_cds.resources import shipped_resources_dir

    ruleset = load_ruleset(shipped_resources_dir())
    assert ruleset.shipped
    assert ruleset.origin is None


def test_copied_rule_set_is_named_by_its_folder(tmp_path: Path) -> None:
    from ldn_cds.resources import shipped_resources_dir

    shipped = shipped_resources_dir()
    assert shipped is not None
    copy = tmp_path / "my-rules"
    shutil.copytree(shipped, copy)
    ruleset = load_ruleset(copy)
    assert not ruleset.shipped
    assert ruleset.origin == str(copy.resolve())
    # the same bytes give the same hash: the hash alone cannot tell a copy from the original
    assert ruleset.sha256 == load_ruleset(shipped).sha256
