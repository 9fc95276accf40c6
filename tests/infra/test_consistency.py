"""infra/ stays in step with shared/config.py, and stays keyless.

There is no Bicep CLI on these machines, so these tests read the .bicep text with
regular expressions. They rely on the layout of infra/ (one ``var appSettings`` object in
main.bicep, one ``var containerSpecs`` array in app/cosmos.bicep); a test that cannot
find what it looks for fails with a message saying what is missing.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

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


# --- app settings ------------------------------------------------------------------------


def test_every_setting_the_code_reads_in_azure_is_set_as_an_app_setting() -> None:
    settings = _app_settings()
    missing = [name for name in config.AZURE_APP_SETTINGS if name not in settings]
    assert not missing, f"infra/main.bicep appSettings lacks {missing}"


def test_every_app_setting_is_a_name_the_code_or_the_host_knows() -> None:
    known = _config_env_names() | HOST_SETTINGS | MONITORING_SETTINGS
    unknown = sorted(set(_app_settings()) - known)
    assert not unknown, f"app settings nobody reads (typo?): {unknown}"


def test_every_app_setting_the_code_reads_has_an_output_of_the_same_name() -> None:
    outputs = _outputs(MAIN)
    missing = [name for name in config.AZURE_APP_SETTINGS if name not in outputs]
    assert not missing, f"infra/main.bicep has no output named {missing}"


def test_azure_mode_is_explicitly_not_local() -> None:
    assert _app_settings()[config.MODE] == "'azure'"


def test_host_storage_connection_is_identity_based() -> None:
    settings = _app_settings()
    assert set(settings) >= HOST_SETTINGS
    assert settings["AzureWebJobsStorage__credential"] == "'managedidentity'"
    assert "AzureWebJobsStorage" not in settings, "a plain AzureWebJobsStorage would be a connection string"
    assert settings["AzureWebJobsStorage__clientId"] == settings[config.MANAGED_IDENTITY_CLIENT_ID]


def test_flex_consumption_settings_are_not_set_as_app_settings() -> None:
    # Flex Consumption rejects these: runtime and package live in functionAppConfig.
    forbidden = {"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE"}
    assert not forbidden & set(_app_settings())


def test_application_insights_ingestion_uses_entra_auth() -> None:
    settings = _app_settings()
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"].startswith("'Authorization=AAD;ClientId=")
    assert re.search(r"DisableLocalAuth:\s*true", _text(MONITORING))


def test_local_only_settings_are_absent_from_azure() -> None:
    settings = _app_settings()
    for local_only in (config.COSMOS_KEY, config.DEV_SIGNING_KEY, config.STORAGE_CONNECTION):
        assert local_only not in settings, f"{local_only} is local-only"


# --- function app --------------------------------------------------------------------------


def test_function_app_is_linux_python_313_on_flex_consumption() -> None:
    api = _strip_comments(_text(API))
    assert re.search(r"name:\s*'FC1'", api) and re.search(r"tier:\s*'FlexConsumption'", api)
    assert "kind: 'functionapp,linux'" in api
    runtime = _block(api, "runtime: {")
    assert re.search(r"name:\s*'python'", runtime) and re.search(r"version:\s*'3\.13'", runtime)
    storage = _block(api, "storage: {")
    assert re.search(r"type:\s*'UserAssignedIdentity'", storage)


def test_function_app_allows_https_tls12_only_and_no_ftp_or_basic_auth_publishing() -> None:
    api = _strip_comments(_text(API))
    assert re.search(r"httpsOnly:\s*true", api)
    assert re.search(r"minTlsVersion:\s*'1\.2'", api)
    assert re.search(r"ftpsState:\s*'Disabled'", api)
    policies = re.findall(
        r"'basicPublishingCredentialsPolicies'\s*=\s*\{\s*name:\s*'(\w+)'\s*properties:\s*\{\s*allow:\s*false",
        api,
    )
    assert sorted(policies) == ["ftp", "scm"]
    assert re.search(r"allowedOrigins:\s*corsAllowedOrigins", api), "CORS origins come from a parameter"


def test_function_app_runs_as_the_user_assigned_identity_only() -> None:
    api = _strip_comments(_text(API))
    assert re.search(r"identity:\s*\{\s*type:\s*'UserAssigned'", api)


# --- storage -------------------------------------------------------------------------------


def test_queue_names_match_the_config_defaults() -> None:
    main = _text(MAIN)
    m = re.search(r"var trackQueueName = '([^']+)'", main)
    assert m and m.group(1) == config.DEFAULT_TRACK_QUEUE
    storage = _strip_comments(_text(STORAGE))
    queues = re.findall(r"resource \w+ 'queues' = \{\s*name: ([^\n]+)", storage)
    assert [q.strip() for q in queues] == ["trackQueueName", "'${trackQueueName}-poison'"]
    assert re.search(r"trackQueueName:\s*trackQueueName", main), "main.bicep passes the name to storage"


def test_storage_account_is_keyless_and_private_to_the_internet() -> None:
    storage = _strip_comments(_text(STORAGE))
    for expected in (
        r"allowSharedKeyAccess:\s*false",
        r"allowBlobPublicAccess:\s*false",
        r"minimumTlsVersion:\s*'TLS1_2'",
        r"supportsHttpsTrafficOnly:\s*true",
        r"publicAccess:\s*'None'",
    ):
        assert re.search(expected, storage), expected


# --- cosmos --------------------------------------------------------------------------------


def _declared_containers() -> dict[str, tuple[str, int | None]]:
    specs = _strip_comments(_block(_text(COSMOS), "var containerSpecs = ["))
    found = re.findall(
        r"name:\s*'([^']+)'\s*partitionKeyPath:\s*'([^']+)'\s*defaultTtl:\s*(null|-?\d+)", specs
    )
    return {name: (path, None if ttl == "null" else int(ttl)) for name, path, ttl in found}


def test_every_container_is_declared_with_its_partition_key_and_ttl() -> None:
    assert _declared_containers() == config.CONTAINERS


def test_containers_are_created_from_the_spec_list_with_its_key_and_ttl() -> None:
    cosmos = _strip_comments(_text(COSMOS))
    assert "= [for spec in containerSpecs: {" in cosmos
    assert re.search(r"paths:\s*\[\s*spec\.partitionKeyPath\s*\]", cosmos)
    assert re.search(r"defaultTtl:\s*spec\.defaultTtl", cosmos)


def test_records_container_has_the_composite_index_of_the_child_contacts_query() -> None:
    """shared/store/records.py: WHERE pk = @pk AND type = 'child' ORDER BY sortOn DESC."""
    source = (ROOT / "shared" / "store" / "records.py").read_text(encoding="utf-8")
    assert 'Query({"type": "child"}, partition_key=pk, order_by="sortOn", descending=True' in source
    specs = _block(_text(COSMOS), "var containerSpecs = [")
    records = specs[specs.index("name: 'records'") : specs.index("name: 'activities'")]
    assert re.search(
        r"path:\s*'/type'\s*order:\s*'ascending'\s*\}\s*\{\s*path:\s*'/sortOn'\s*order:\s*'descending'",
        records,
    )


def test_database_name_matches_the_config_default() -> None:
    m = re.search(r"var cosmosDatabaseName = '([^']+)'", _text(MAIN))
    assert m and m.group(1) == config.DEFAULT_DATABASE


def test_cosmos_account_is_serverless_and_entra_only() -> None:
    cosmos = _strip_comments(_text(COSMOS))
    for expected in (
        r"name:\s*'EnableServerless'",
        r"disableLocalAuth:\s*true",
        r"disableKeyBasedMetadataWriteAccess:\s*true",
        r"minimalTlsVersion:\s*'Tls12'",
    ):
        assert re.search(expected, cosmos), expected


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
    r"@secure\(\)",
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
    required = {name for name, rest in declared.items() if "=" not in rest}
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
