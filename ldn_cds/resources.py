"""The one module that knows where ``resources/`` is and how its files are read.

``resources/`` sits at the top of the repository (beside ``ldn_cds/``).  An installed copy
ships it inside the package as ``ldn_cds/_resources`` (``setup.py`` copies every file, fonts
included); this module looks in both places.  YAML is parsed here, never in the core, with
libyaml's C loader where available.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

from ldn_cds.core.rulecheck import Problem, RuleSetError, build_ruleset
from ldn_cds.core.ruleset import RuleSet

ENV_VAR = "LDN_CDS_RESOURCES"


def resources_dir() -> Path:
    """The resources folder: ``$LDN_CDS_RESOURCES``, the checkout's, or the installed copy."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "resources", here / "_resources"):
        if (candidate / "ruleset.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        f"resources folder not found next to {here} (set {ENV_VAR} to its path)"
    )


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def read_files(root: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Parse every ``*.yaml`` under ``root`` (the examples are JSON and are not read here)."""
    files: dict[str, Any] = {}
    problems: list[Problem] = []
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        try:
            with path.open(encoding="utf-8") as handle:
                files[rel] = yaml.load(handle, Loader=_UniqueKeyLoader)  # noqa: S506
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(rel, "", f"cannot read: {exc}"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problems.append(Problem(rel, where, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
    return files, problems


def load_ruleset(root: Path | None = None) -> RuleSet:
    """Read and validate the rule set; raise RuleSetError listing every problem."""
    files, problems = read_files(root or resources_dir())
    if problems:
        raise RuleSetError(problems)
    return build_ruleset(files)


@functools.cache
def default_ruleset() -> RuleSet:
    """The shipped rule set, loaded once per process."""
    return load_ruleset()


def examples_dir() -> Path:
    return resources_dir() / "examples"
