"""The one module that knows where ``resources/`` is and how its files are read.

``resources/`` sits at the top of the repository (beside ``ldn_cds/``).  An installed copy
ships it inside the package as ``ldn_cds/_resources`` (``setup.py`` copies every file, fonts
included); this module looks in both places.  YAML is parsed here, never in the core, with
libyaml's C loader where available.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ldn_cds.core.rulecheck import Problem, RuleSetError, build_ruleset
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.fileio import write_private_atomic

ENV_VAR = "LDN_CDS_RESOURCES"


def resources_dir() -> Path:
    """The resources folder: ``$LDN_CDS_RESOURCES``, the checkout's, or the installed copy."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    shipped = shipped_resources_dir()
    if shipped is not None:
        return shipped
    raise FileNotFoundError(
        f"resources folder not found next to {Path(__file__).resolve().parent} "
        f"(set {ENV_VAR} to its path)"
    )


def shipped_resources_dir() -> Path | None:
    """The resources that ship with the program (the checkout's or the installed copy)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "resources", here / "_resources"):
        if (candidate / "ruleset.yaml").is_file():
            return candidate
    return None


def is_shipped(root: Path) -> bool:
    """Whether ``root`` is the shipped resources folder (a copy elsewhere is not)."""
    shipped = shipped_resources_dir()
    try:
        return shipped is not None and root.resolve() == shipped.resolve()
    except OSError:
        return False


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


CACHE_ENV_VAR = "LDN_CDS_CACHE_DIR"
_CACHE_FORMAT = 1


def _rule_files(root: Path) -> list[Path]:
    return sorted((root / "vocabulary").glob("*.json")) + sorted(root.rglob("*.yaml"))


def cache_dir() -> Path | None:
    """Where parsed rule-set files are cached: ``$LDN_CDS_CACHE_DIR``, else the user cache
    folder; None disables the cache (``LDN_CDS_CACHE_DIR=""``)."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override is not None:
        return Path(override) if override else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ldn-cds"


def _parse(rel: str, raw: bytes, problems: list[Problem]) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, "", f"cannot read: {exc}"))
        return None
    if rel.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(rel, f"line {exc.lineno}, column {exc.colno}",
                                    f"invalid JSON: {exc.msg}"))
            return None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(Problem(rel, where, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return None


def _json_default(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def read_files(root: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Parse every ``*.yaml`` under ``root`` and the generated ``vocabulary/*.json`` tables
    (the examples are JSON case files and are not read here).

    Parsing YAML is the slow part of loading, so the parsed files are cached in the user's
    cache folder under the SHA-256 of every file's path and bytes: any change of content is a
    new key, and a cache entry is only ever written for files that parsed without a problem.
    Dates come back from the cache as ISO strings, which the schemas read the same way and
    which give the same canonical hash.
    """
    raw: dict[str, bytes] = {}
    problems: list[Problem] = []
    for path in _rule_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            raw[rel] = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(rel, "", f"cannot read: {exc}"))
    digest = hashlib.sha256(str(_CACHE_FORMAT).encode())
    for rel in sorted(raw):
        digest.update(rel.encode() + b"\0" + raw[rel] + b"\0")
    folder = cache_dir()
    cached = None if folder is None else folder / f"rules-{digest.hexdigest()[:40]}.json"
    if cached is not None and not problems:
        try:
            files = json.loads(cached.read_text(encoding="utf-8"))
            if isinstance(files, dict) and set(files) == set(raw):
                return files, []
        except (OSError, ValueError):
            pass  # no or unreadable cache entry: parse the files
    files = {}
    for rel in sorted(raw):
        parsed = _parse(rel, raw[rel], problems)
        if parsed is not None or rel not in {p.file for p in problems}:
            files[rel] = parsed
    if cached is not None and not problems:
        _write_cache(cached, files)
    return files, problems


def _write_cache(path: Path, files: dict[str, Any]) -> None:
    """Best effort: a failed write never breaks loading and never leaves a partial file."""
    with contextlib.suppress(OSError, TypeError, ValueError):
        write_private_atomic(
            path, json.dumps(files, ensure_ascii=False, default=_json_default))


def load_ruleset(root: Path | None = None) -> RuleSet:
    """Read and validate the rule set; raise RuleSetError listing every problem."""
    folder = root or resources_dir()
    files, problems = read_files(folder)
    if problems:
        raise RuleSetError(problems)
    ruleset = build_ruleset(files)
    if is_shipped(folder):
        return ruleset
    return ruleset.model_copy(update={"origin": str(folder.resolve())})


def load_ruleset_or_report(root: Path | None) -> RuleSet | None:
    """The rule set of ``root`` (None: the shipped one), or None after writing each problem
    to stderr as 'rule set: <file>: <location>: <message>' (the commands' shared loader)."""
    try:
        return load_ruleset(root) if root else default_ruleset()
    except RuleSetError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"rule set: {problem}\n")
        return None


@functools.cache
def default_ruleset() -> RuleSet:
    """The shipped rule set, loaded once per process."""
    return load_ruleset()


def examples_dir() -> Path:
    return resources_dir() / "examples"
