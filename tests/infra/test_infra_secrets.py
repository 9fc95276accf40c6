"""infra/, continued: role assignments, no secrets anywhere, parameters and azd (see test_consistency.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared import config
from tests.infra.bicep_text import (
    API,
    INFRA,
    MAIN,
    RBAC,
    ROOT,
    _strip_comments,
    _text,
)

# --- rbac ----------------------------------------------------------------------------------


def test_role_assignment_names_are_guids_of_scope_principal_and_role() -> None:
    rbac = _strip_comments(_text(RBAC))
    names = re.findall(
        r"resource \w+ '(?:Microsoft\.Authorization/roleAssignments"
        r"|Microsoft\.DocumentDB/databaseAccounts/sqlRoleAssignments)@[^']+'"
        r"[^{]*\{\s*(?:parent:\s*\w+\s*)?name:\s*([^\n]+)",
        rbac,
    )
    assert len(names) >= 4
    for name in names:
        assert re.fullmatch(r"guid\(\w+\.id, \w+PrincipalId, [\w.]+\)", name.strip()), name


def test_identity_gets_the_data_roles_it_needs() -> None:
    rbac = _text(RBAC)
    for role_id in (
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  # Storage Blob Data Owner
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",  # Storage Queue Data Contributor
        "3913510d-42f4-4e42-8a64-420c390055eb",  # Monitoring Metrics Publisher
        "00000000-0000-0000-0000-000000000002",  # Cosmos DB Built-in Data Contributor
    ):
        assert role_id in rbac, role_id
    assert "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@" in rbac


# --- no secrets anywhere -------------------------------------------------------------------

SECRET_PATTERNS = [
    r"AccountKey\s*=",
    r"SharedAccessKey",
    r"DefaultEndpointsProtocol",
    r"listKeys\s*\(",
    r"listConnectionStrings\s*\(",
    r"listAccountSas\s*\(",
    r"listServiceSas\s*\(",
    r"primaryMasterKey",
    r"primaryReadonlyMasterKey",
    r"InstrumentationKey\s*=",
    r"@secure\(\)(?!\s*$)",  # @secure() only alone on its line: the address hash key (test above)
    r"\bCOSMOS_KEY\b",
    r"client_?secret",
    r"password",
]


def _infra_files() -> list[Path]:
    files = [p for p in INFRA.rglob("*") if p.is_file()]
    assert files, "infra/ is empty"
    return [*files, ROOT / "azure.yaml"]


@pytest.mark.parametrize("pattern", SECRET_PATTERNS)
def test_no_keys_connection_strings_or_secrets_in_infra(pattern: str) -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _infra_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(pattern, line, flags=re.IGNORECASE)
    ]
    assert not hits, f"{pattern!r} found at {hits}"


def test_the_only_connection_string_is_application_insights() -> None:
    # The App Insights connection string holds endpoints and the resource's id, no secret:
    # with DisableLocalAuth ingestion needs an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
    hits = [
        (path.relative_to(ROOT), line.strip())
        for path in _infra_files()
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"connectionstring", line, flags=re.IGNORECASE) and not line.strip().startswith("//")
    ]
    assert hits
    for path, line in hits:
        assert re.search(r"applicationinsights", line, flags=re.IGNORECASE), f"{path}: {line}"


# --- parameters and azd --------------------------------------------------------------------


def test_parameters_file_names_only_real_parameters_and_every_required_one() -> None:
    main = _text(MAIN)
    declared = dict(re.findall(r"^param\s+(\w+)\s+\w+(.*)$", main, flags=re.MULTILINE))
    generated = set(re.findall(r"type: 'generate'[\s\S]*?\}\s*\}\s*\}\)\s*(?:@[^\n]+\s*)*param (\w+)", main))
    required = {name for name, rest in declared.items() if "=" not in rest} - generated
    given = set(json.loads(_text(INFRA / "main.parameters.json"))["parameters"])
    assert given <= set(declared), f"unknown parameters: {given - set(declared)}"
    assert required <= given, f"required parameters missing: {required - given}"


def test_graph_base_url_default_matches_the_config_default() -> None:
    m = re.search(r"^param graphBaseUrl string = '([^']+)'", _text(MAIN), flags=re.MULTILINE)
    assert m and m.group(1) == config.DEFAULT_GRAPH_BASE_URL


def test_azure_yaml_deploys_this_project_as_a_python_function_service_named_api() -> None:
    text = _text(ROOT / "azure.yaml")
    api = text[text.index("  api:") :]
    assert re.search(r"^\s+project:\s*\.\s*$", api, flags=re.MULTILINE)
    assert re.search(r"^\s+language:\s*python\s*$", api, flags=re.MULTILINE)
    assert re.search(r"^\s+host:\s*function\s*$", api, flags=re.MULTILINE)
    assert "'azd-service-name': 'api'" in _text(API)
