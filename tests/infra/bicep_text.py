"""Reading infra/*.bicep as text (no Bicep CLI here): paths, blocks, app settings, outputs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the suite may run without the project root on sys.path
    sys.path.insert(0, str(ROOT))

from shared import config  # noqa: E402

INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"
API = INFRA / "app" / "api.bicep"
COSMOS = INFRA / "app" / "cosmos.bicep"
STORAGE = INFRA / "app" / "storage.bicep"
MONITORING = INFRA / "app" / "monitoring.bicep"
RBAC = INFRA / "rbac.bicep"

# App settings the Functions host itself reads (identity-based AzureWebJobsStorage).
HOST_SETTINGS = {
    "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
}
# App settings the Functions host reads to send telemetry (set in app/api.bicep).
MONITORING_SETTINGS = {"APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _strip_comments(text: str) -> str:
    """Drop // line comments (outside strings, good enough for our templates)."""
    return "\n".join(re.sub(r"(^|\s)//.*$", "", line) for line in text.splitlines())


def _assert_declares(path: Path, *patterns: str) -> None:
    """Every regular expression of ``patterns`` is found in ``path`` (its comments left out)."""
    text = _strip_comments(_text(path))
    missing = [p for p in patterns if not re.search(p, text)]
    assert not missing, f"{path.relative_to(ROOT)} lacks {missing}"


def _block(text: str, opener: str) -> str:
    """The balanced {...} or [...] that starts at ``opener`` (which ends with the bracket)."""
    start = text.find(opener)
    assert start >= 0, f"{opener!r} not found"
    i = start + len(opener) - 1
    open_ch = text[i]
    close_ch = {"{": "}", "[": "]"}[open_ch]
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_ch:
            depth += 1
        elif text[j] == close_ch:
            depth -= 1
            if depth == 0:
                return text[i + 1 : j]
    raise AssertionError(f"unbalanced block after {opener!r}")


def _top_level_entries(body: str) -> dict[str, str]:
    """Key → raw value of the first-level properties of a Bicep object body."""
    entries: dict[str, str] = {}
    depth = 0
    for line in _strip_comments(body).splitlines():
        if depth == 0:
            m = re.match(r"\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:\s*(.*)$", line)
            if m:
                entries[m.group(1)] = m.group(2).strip()
        depth += line.count("{") + line.count("[") - line.count("}") - line.count("]")
    return entries


def _app_settings() -> dict[str, str]:
    settings = _top_level_entries(_block(_text(MAIN), "var appSettings = {"))
    # api.bicep merges the monitoring settings into the same object.
    settings.update(_top_level_entries(_block(_text(API), "properties: union(appSettings, {")))
    return settings


def _outputs(path: Path) -> set[str]:
    return set(re.findall(r"^output\s+([A-Za-z_][A-Za-z0-9_]*)\s", _text(path), flags=re.MULTILINE))


def _config_env_names() -> set[str]:
    return {
        value
        for name, value in vars(config).items()
        if name.isupper() and isinstance(value, str) and not name.startswith("DEFAULT_")
    }
