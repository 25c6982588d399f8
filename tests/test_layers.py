"""The layout's rules, checked on the source: layers import only downwards."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "annotations"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _modules(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "migrations" not in p.parts)


def test_nothing_outside_the_api_imports_from_it() -> None:
    allowed = {ROOT / "newsnotes" / "urls.py", ROOT / "newsnotes" / "settings.py"}
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in _modules(APP) + _modules(ROOT / "newsnotes")
        if APP / "api" not in path.parents and path not in allowed
        for module in _imports(path)
        if module == "annotations.api" or module.startswith("annotations.api.")
    ]
    assert offenders == []


def test_reads_and_formats_do_not_import_writes_or_entry_points() -> None:
    below = [APP / "selectors", APP / "formats", APP / "lib", APP / "nlp"]
    above = ("annotations.api", "annotations.views", "annotations.admin", "annotations.services")
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for folder in below
        if folder.exists()
        for path in _modules(folder)
        for module in _imports(path)
        if module.startswith(above)
    ]
    assert offenders == []


def test_services_do_not_import_entry_points() -> None:
    above = ("annotations.api", "annotations.views", "annotations.admin")
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in _modules(APP / "services")
        for module in _imports(path)
        if module.startswith(above)
    ]
    assert offenders == []


def test_no_module_of_the_app_is_longer_than_about_600_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules(APP)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 650
    }
    assert long == {}
