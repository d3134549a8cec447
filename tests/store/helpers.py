"""Real assessments of the shipped example cases, as the CLI and the window save them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ldn_cds import __version__
from ldn_cds.casefile import assess_file
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import default_ruleset, examples_dir
from ldn_cds.store import Registry


@cache
def assessed(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    case, result, _warnings = assess_file(examples_dir() / f"{name}.json", default_ruleset(), None)
    return case.model_dump(mode="json"), result.model_dump(mode="json", by_alias=True)


def save(registry: Registry, example: str, *, ruleset: RuleSet | None = None,
         **patient: Any) -> int:
    """Save the assessment of an example case, with ``patient`` fields replaced."""
    case, result = assessed(example)
    case = json.loads(json.dumps(case))
    case.setdefault("patient", {}).update(patient)
    return registry.save_assessment(case, result, ruleset=ruleset or default_ruleset(),
                                    program_version=__version__, prescriber="Dr A. Test")


def example_path(name: str) -> Path:
    return examples_dir() / f"{name}.json"
