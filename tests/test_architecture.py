"""The clinical core imports only the standard library and pydantic."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import ldn_cds.core

CORE = Path(ldn_cds.core.__file__).resolve().parent if ldn_cds.core.__file__ else None
ALLOWED_THIRD_PARTY = {"pydantic", "pydantic_core"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}:{node.lineno}: relative import"
            found.append((node.lineno, node.module or ""))
    return found


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY:
        return True
    if module == "ldn_cds":  # __version__ only
        return True
    return module == "ldn_cds.core" or module.startswith("ldn_cds.core.")


def test_core_modules_found() -> None:
    assert CORE is not None
    modules = sorted(p.name for p in CORE.glob("*.py"))
    assert {"models.py", "engine.py", "assessment.py", "dosing.py"} <= set(modules)


def test_core_imports_only_stdlib_and_pydantic() -> None:
    assert CORE is not None
    bad = [
        f"{path.relative_to(CORE.parent)}:{line}: {module}"
        for path in sorted(CORE.rglob("*.py"))
        for line, module in _imports(path)
        if not _allowed(module)
    ]
    assert bad == []


def test_core_top_level_imports_are_plain_constants() -> None:
    """``from ldn_cds import ...`` in the core may take only constants (``__version__``, ...)
    from a package ``__init__`` that itself imports nothing outside the standard library."""
    assert CORE is not None
    init = CORE.parent / "__init__.py"
    assert [m for _, m in _imports(init) if m.split(".")[0] not in sys.stdlib_module_names] == []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "ldn_cds":
                names = [a.name for a in node.names]
                assert all(n == "__version__" or n.isupper() for n in names), (path.name, names)
            if isinstance(node, ast.Import):
                assert all(a.name != "ldn_cds" for a in node.names), path.name


def test_the_checker_rejects_forbidden_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import yaml\nfrom PySide6 import QtCore\nimport json\n"
                      "from ldn_cds.resources import x\n", encoding="utf-8")
    assert [m for _, m in _imports(sample) if not _allowed(m)] == [
        "yaml", "PySide6", "ldn_cds.resources"]
