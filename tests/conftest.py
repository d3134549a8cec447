"""Shared fixtures.  Qt must run offscreen: set before any PySide6 import."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from ldn_cds.core.models import Case, parse_case  # noqa: E402
from ldn_cds.core.rulecheck import example_case  # noqa: E402
from ldn_cds.core.ruleset import RuleSet  # noqa: E402
from ldn_cds.resources import default_ruleset, examples_dir, resources_dir  # noqa: E402

ON = date(2026, 11, 23)
"""The fixed assessment date of the test suite (the clock is always a parameter)."""


@pytest.fixture(autouse=True)
def private_registry(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> str:
    """No test ever touches the user's registry: each gets its own SQLite file (inherited by
    the CLI subprocesses a test starts, unless the test sets its own)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.sqlite3'}"
    monkeypatch.setenv("LDN_CDS_DATABASE_URL", url)
    return url


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return default_ruleset()


@pytest.fixture(scope="session")
def resources() -> Path:
    return resources_dir()


@pytest.fixture(scope="session")
def example_files() -> list[Path]:
    return sorted(examples_dir().glob("*.json"))


@pytest.fixture
def make_case(ruleset: RuleSet) -> Any:
    """make_case(patch) -> Case: the rule set's complete example base with ``patch`` merged."""

    def build(patch: dict[str, Any] | None = None) -> Case:
        return parse_case(example_case(ruleset, patch or {}))

    return build


def load_example(path: Path) -> Case:
    return parse_case(json.loads(path.read_text(encoding="utf-8")))
