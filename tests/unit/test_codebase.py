"""Rules the codebase keeps, checked on its source: no mutable module state in shared/,
the environment read in one place, no module over 400 lines, no local-only imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = sorted((ROOT / "shared").rglob("*.py"))
DEPLOYED = SHARED + sorted((ROOT / "functions").rglob("*.py")) + [ROOT / "function_app.py"]
MAX_LINES = 400

#: Calls whose result is immutable (a module-level value may be built by these only).
IMMUTABLE_CALLS = frozenset(
    {
        "timedelta",
        "httpx.Timeout",
        "logging.getLogger",
        "re.compile",
        "MappingProxyType",
        "frozenset",
        "ContextVar",
        "TypeVar",
        "Path",
        "Link",
        "Answer",
        "Operation",
        "GraphCall",  # frozen dataclass (shared/mailbox/permissions.py)
        "PathParam",
        "_local",
        "uuid.uuid5",
        "object",  # a sentinel
    }
)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _module_level_values(path: Path) -> list[tuple[str, ast.expr]]:
    found: list[tuple[str, ast.expr]] = []
    for node in _tree(path).body:
        if isinstance(node, ast.Assign):
            found += [(ast.unparse(t), node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            found.append((ast.unparse(node.target), node.value))
    return found


def _immutable(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant | ast.Subscript | ast.Name | ast.Attribute | ast.JoinedStr):
        return True  # a constant, a type alias, another name, an f-string
    if isinstance(value, ast.BinOp):
        return _immutable(value.left) and _immutable(value.right)
    if isinstance(value, ast.UnaryOp):
        return _immutable(value.operand)
    if isinstance(value, ast.Tuple):
        return all(_immutable(e) or isinstance(e, ast.Starred) for e in value.elts)
    return isinstance(value, ast.Call) and ast.unparse(value.func) in IMMUTABLE_CALLS


def test_shared_keeps_no_mutable_state_at_module_level() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name} = {ast.unparse(value)[:40]}"
        for path in SHARED
        for name, value in _module_level_values(path)
        if name != "__all__" and not _immutable(value)
    ]
    assert SHARED and not offenders, offenders


def test_shared_never_rebinds_globals_nor_caches_in_module_functions() -> None:
    found = []
    for path in SHARED:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Global):
                found.append(f"{path.relative_to(ROOT)}: global {', '.join(node.names)}")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for deco in node.decorator_list:
                    name = ast.unparse(deco)
                    if "cache" in name:
                        found.append(f"{path.relative_to(ROOT)}: @{name} {node.name}")
    assert not found, found


def test_only_shared_config_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for path in DEPLOYED
        if path != ROOT / "shared" / "config.py"
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}
    ]
    assert not readers, readers


def test_deployed_code_never_imports_local_development_code_at_module_level() -> None:
    """``localdev/`` is not in the deployment package; shared/ and functions/ never import it."""
    imported = [
        f"{path.relative_to(ROOT)}: {node.module}"
        for path in DEPLOYED
        if path != ROOT / "function_app.py"  # imports it inside `if config.local:` (tested apart)
        for node in _tree(path).body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("localdev")
    ]
    assert not imported, imported


def test_no_module_is_over_400_lines() -> None:
    sources = [
        p
        for pattern in ("*.py", "*.js", "*.mjs")
        for p in ROOT.rglob(pattern)
        if not {".venv", "node_modules", ".tools", ".local", ".git"} & set(p.relative_to(ROOT).parts)
    ]
    long = {
        str(p.relative_to(ROOT)): n for p in sources if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert sources and not long, long
