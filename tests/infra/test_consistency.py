"""infra/ stays in step with shared/config.py, and stays keyless.

There is no Bicep CLI on these machines, so these tests read the .bicep text with
regular expressions. They rely on the layout of infra/ (one ``var appSettings`` object in
main.bicep, one ``var containerSpecs`` array in app/cosmos.bicep); a test that cannot
find what it looks for fails with a message saying what is missing.
"""

from __future__ import annotations

import re

from shared import config
from tests.infra.bicep_text import (
    API,
    COSMOS,
    HOST_SETTINGS,
    MAIN,
    MONITORING,
    MONITORING_SETTINGS,
    RBAC,
    ROOT,
    STORAGE,
    _app_settings,
    _assert_declares,
    _block,
    _config_env_names,
    _outputs,
    _strip_comments,
    _text,
)

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
    public = [name for name in config.AZURE_APP_SETTINGS if name not in config.SECRET_APP_SETTINGS]
    missing = [name for name in public if name not in outputs]
    assert not missing, f"infra/main.bicep has no output named {missing}"


def _decorators_of(param: str, text: str) -> str:
    """The decorator lines right above ``param <name>`` (up to the previous blank line)."""
    m = re.search(rf"\n\n((?:[^\n]+\n)*?)param {param} ", text)
    assert m, f"param {param} not found"
    return m.group(1)


def test_secret_app_settings_come_from_a_secure_generated_parameter_and_are_never_an_output() -> None:
    main = _strip_comments(_text(MAIN))
    settings = _app_settings()
    for name in config.SECRET_APP_SETTINGS:
        assert name not in _outputs(MAIN), f"{name} is a secret: no output"
        decorators = _decorators_of(settings[name].split()[0], main)
        assert "@secure()" in decorators, f"{name} must be set from a @secure() parameter"
        assert re.search(r"type: 'generate'", decorators), f"{name}: azd generates it once per environment"
    assert main.count("@secure()") == len(config.SECRET_APP_SETTINGS), "no other secure parameter"


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
    assert [q.strip() for q in queues] == [
        "trackQueueName",
        "'${trackQueueName}-poison'",
        "erasureQueueName",
        "'${erasureQueueName}-poison'",
    ]
    assert re.search(r"trackQueueName:\s*trackQueueName", main), "main.bicep passes the name to storage"
    m = re.search(r"var erasureQueueName = '([^']+)'", main)
    assert m and m.group(1) == config.DEFAULT_ERASURE_QUEUE
    assert re.search(r"erasureQueueName:\s*erasureQueueName", main), "main.bicep passes the name to storage"


def test_the_retention_schedule_default_matches_the_config_default() -> None:
    m = re.search(r"^param retentionSchedule string = '([^']+)'", _text(MAIN), flags=re.MULTILINE)
    assert m and m.group(1) == config.DEFAULT_RETENTION_SCHEDULE


def test_the_content_container_is_declared_private_and_the_identity_may_use_it() -> None:
    main = _text(MAIN)
    m = re.search(r"var contentContainerName = '([^']+)'", main)
    assert m and m.group(1) == config.DEFAULT_CONTENT_CONTAINER
    storage = _strip_comments(_text(STORAGE))
    block = _block(storage, "resource contentContainer 'containers' = {")
    assert "name: contentContainerName" in block and "publicAccess: 'None'" in block
    rbac = _strip_comments(_text(RBAC))
    assignment = _block(
        rbac, "resource appContentContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {"
    )
    assert "scope: contentContainer" in assignment
    assert "roles.storageBlobDataContributor" in assignment and "principalId: appPrincipalId" in assignment
    assert "ba92f5b4-2d11-453d-a403-e96b0029c9fe" in rbac  # Storage Blob Data Contributor


def test_storage_account_is_keyless_and_private_to_the_internet() -> None:
    _assert_declares(
        STORAGE,
        r"allowSharedKeyAccess:\s*false",
        r"allowBlobPublicAccess:\s*false",
        r"minimumTlsVersion:\s*'TLS1_2'",
        r"supportsHttpsTrafficOnly:\s*true",
        r"publicAccess:\s*'None'",
    )


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
    """shared/store/records.py, in the account's partition: WHERE type = 'child' ORDER BY sortOn DESC."""
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
    _assert_declares(
        COSMOS,
        r"name:\s*'EnableServerless'",
        r"disableLocalAuth:\s*true",
        r"disableKeyBasedMetadataWriteAccess:\s*true",
        r"minimalTlsVersion:\s*'Tls12'",
    )
