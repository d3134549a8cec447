"""A rule set loaded from anywhere but the shipped resources is named on every CLI output
(issue 9): ``rules --check``, ``assess`` text and ``assess --json``, run as real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ldn_cds.resources import examples_dir

JANE = examples_dir() / "jane-doe.json"


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ldn_cds", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env=env)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped resources in another folder: same content, not the shipped one."""
    root = tmp_path_factory.mktemp("foreign") / "clinic-rules"
    shutil.copytree(examples_dir().parent, root)
    return root


def _sha(stdout: str) -> str:
    return str(json.loads(stdout.splitlines()[0])["ruleset"]["sha256"])


def test_shipped_rule_set_is_marked_shipped_in_json() -> None:
    done = run("assess", JANE, "--json")
    assert done.returncode == 0, done.stderr
    identity = json.loads(done.stdout)["ruleset"]
    assert identity["shipped"] is True
    assert identity["origin"] is None
    assert {"id", "version", "sha256"} <= set(identity)  # the contract's fields stay
    assert "not the shipped" not in done.stderr


def test_rules_dir_is_named_in_json_text_and_check(foreign: Path) -> None:
    shipped_sha = _sha(run("assess", JANE, "--json").stdout)

    as_json = run("--rules-dir", foreign, "assess", JANE, "--json")
    assert as_json.returncode == 0, as_json.stderr
    identity = json.loads(as_json.stdout)["ruleset"]
    assert identity["shipped"] is False
    assert identity["origin"] == str(foreign.resolve())
    assert identity["sha256"] == shipped_sha  # a faithful copy: same hash, still named
    assert len(as_json.stdout.splitlines()) == 1  # stdout stays one JSON object per case
    assert f"Rule set not the shipped one: {foreign.resolve()}, sha256 {shipped_sha}" \
        in as_json.stderr

    text = run("--rules-dir", foreign, "assess", JANE)
    assert text.returncode == 0, text.stderr
    first, second = text.stdout.splitlines()[:2]
    assert first.startswith(f"Rule set not the shipped one: {foreign.resolve()}, "
                            f"sha256 {shipped_sha}")
    assert second.startswith(f"{JANE}: ")

    check = run("--rules-dir", foreign, "rules", "--check")
    assert check.returncode == 0, check.stderr
    assert "example cases passed" in check.stdout
    assert f"Rule set not the shipped one: {foreign.resolve()}" in check.stdout
    assert "shipped with ldn-cds" not in check.stdout

    shipped = run("rules", "--check")
    assert "this is the rule set shipped with ldn-cds" in shipped.stdout


def test_resources_environment_variable_is_named_too(foreign: Path) -> None:
    env = dict(os.environ, LDN_CDS_RESOURCES=str(foreign))
    done = run("assess", JANE, "--json", env=env)
    assert done.returncode == 0, done.stderr
    identity = json.loads(done.stdout)["ruleset"]
    assert (identity["shipped"], identity["origin"]) == (False, str(foreign.resolve()))
    listing = run("rules", env=env)
    assert f"Rule set not the shipped one: {foreign.resolve()}" in listing.stdout
