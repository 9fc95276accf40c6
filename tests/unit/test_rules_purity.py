"""The rule core stays pure: standard library and our own plain-data modules only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE_FILES = [*sorted((ROOT / "shared" / "rules").glob("*.py")), ROOT / "shared" / "model.py"]
ALLOWED_OWN = ("shared.model", "shared.exceptions", "shared.rules")
FORBIDDEN = ("azure", "msgraph", "kiota", "aiohttp", "httpx", "requests")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            assert node.module is not None
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _allowed(module: str) -> bool:
    top = module.split(".", maxsplit=1)[0]
    if top in sys.stdlib_module_names:
        return True
    return any(module == own or module.startswith(own + ".") for own in ALLOWED_OWN)


def test_rule_core_files_exist() -> None:
    names = {p.name for p in PURE_FILES}
    assert {"table.py", "matching.py", "timeline.py", "model.py"} <= names


def test_rule_core_imports_only_stdlib_and_plain_data_modules() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in PURE_FILES
        for module in _imports(path)
        if not _allowed(module)
    }
    assert not offenders


def test_rule_core_never_imports_an_sdk_or_http_client() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in PURE_FILES
        for module in _imports(path)
        if module.split(".")[0] in FORBIDDEN or module.split(".")[0].startswith(FORBIDDEN)
    }
    assert not offenders
