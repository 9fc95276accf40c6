// Auto capture: everything the service needs in Azure, secure by default.
//
//   Function App (Linux, Python 3.13, Flex Consumption)  -- runs as -->  user-assigned identity
//   Storage (host, deployment package, track queue + poison queue)  -- Entra ID only
//   Cosmos DB for NoSQL (serverless): database + every container of shared/config.py
//   Application Insights on Log Analytics  -- Entra ID ingestion only
//
// No keys, connection strings or secrets anywhere: every data-plane access is an RBAC
// role assignment (rbac.bicep) for the managed identity. App settings and outputs share
// the names shared/config.py reads.
//
//   Entra ID (Microsoft Graph Bicep extension, app/entra.bicep): the API's app
//   registration, its service principal, the federated credential trusting the managed
//   identity, Graph consent - the registration calls Graph, the identity signs for it
//
// Deploy: `azd up`, or `az deployment group create -g <rg> -f infra/main.bicep
// -p infra/main.parameters.json` (see docs/deploy.md).

targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Environment name (azd AZURE_ENV_NAME): part of every resource name and tag.')
param environmentName string

@minLength(1)
@description('Region for all resources. Must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Entra ID tenant that issues the tokens the API accepts (and the Graph on-behalf-of tokens). Empty: the deployment\'s tenant.')
param authTenantId string = ''


@description('How the app registration gets its app-only Graph permissions (infra/app/entra.bicep): exchangeRbac (default; an Exchange admin scopes them to the sales mailboxes, docs/deploy.md) or entra (tenant-wide application roles).')
@allowed([
  'exchangeRbac'
  'entra'
])
param graphApplicationAccess string = 'exchangeRbac'

@description('Grant admin consent for the delegated Graph scopes in the deployment (the deployer must be allowed to consent). false: an admin consents afterwards.')
param grantDelegatedConsent bool = true

@description('Expected "aud" of access tokens. Empty: the API\'s client id (v2 access tokens carry the client id as audience).')
param authAudience string = ''

@description('Microsoft Graph base URL (shared/config.py DEFAULT_GRAPH_BASE_URL).')
param graphBaseUrl string = 'https://graph.microsoft.com/v1.0'

@description('Browser origins allowed to call the API (CORS), e.g. ["https://crm.contoso.com"]. Empty: same origin only.')
param corsAllowedOrigins array = []

@description('Optional: object id of the operator (the azd user, AZURE_PRINCIPAL_ID) who gets data access to Cosmos DB and the queues for the records import and debugging. Empty: none.')
param operatorPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

@description('Storage replication (Standard_ZRS where the region has zones, else Standard_LRS).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSkuName string = 'Standard_ZRS'

@description('Flex Consumption memory per instance (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Zone-redundant Function App plan (only where Flex Consumption supports availability zones).')
param zoneRedundant bool = false

@description('Flex Consumption scale-out limit. Graph allows 4 concurrent requests per mailbox per app, so more instances mostly add throttling.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

// Names shared with shared/config.py (DEFAULT_DATABASE, DEFAULT_TRACK_QUEUE).
var cosmosDatabaseName = 'autocapture'
var trackQueueName = 'track-requests'

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'autocapture'
}
var names = {
  identity: 'id-autocapture-${resourceToken}'
  storage: 'st${resourceToken}'
  cosmos: 'cosmos-autocapture-${resourceToken}'
  logAnalytics: 'log-autocapture-${resourceToken}'
  applicationInsights: 'appi-autocapture-${resourceToken}'
  plan: 'plan-autocapture-${resourceToken}'
  functionApp: 'func-autocapture-${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
}

var loginEndpoint = environment().authentication.loginEndpoint // https://login.microsoftonline.com/
var tenantId = empty(authTenantId) ? tenant().tenantId : authTenantId
var authClientId = entra.outputs.clientId
var effectiveAudience = empty(authAudience) ? authClientId : authAudience
var authIssuer = '${loginEndpoint}${tenantId}/v2.0' // v2.0 access tokens (requestedAccessTokenVersion: 2)
var authJwksUrl = '${loginEndpoint}${tenantId}/discovery/v2.0/keys'

module identity 'app/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

// The API's app registration, in the deployment's tenant (the managed identity's issuer).
module entra 'app/entra.bicep' = {
  name: 'entra'
  params: {
    uniqueName: 'autocapture-${resourceToken}'
    managedIdentityPrincipalId: identity.outputs.principalId
    federationIssuer: '${loginEndpoint}${tenant().tenantId}/v2.0'
    graphApplicationAccess: graphApplicationAccess
    grantDelegatedConsent: grantDelegatedConsent
  }
}

module entraUri 'app/entra-uri.bicep' = {
  name: 'entra-uri'
  params: {
    uniqueName: entra.outputs.uniqueName
    displayName: 'Auto capture API'
    clientId: entra.outputs.clientId
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    skuName: storageSkuName
    trackQueueName: trackQueueName
    deploymentContainerName: names.deploymentContainer
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    name: names.cosmos
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module rbac 'rbac.bicep' = {
  name: 'rbac'
  params: {
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// Every name in shared/config.py AZURE_APP_SETTINGS, plus the host's identity-based
// storage connection. The app starts only after its roles exist (dependsOn rbac), so the
// first start does not fail on 403s.
var appSettings = {
  AUTOCAPTURE_MODE: 'azure' // never "local" in Azure: local mode enables the /dev/* routes
  // Host storage and the queue trigger's "AzureWebJobsStorage" connection, identity-based.
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  TRACK_QUEUE_NAME: storage.outputs.trackQueueName
  COSMOS_ACCOUNT_ENDPOINT: cosmos.outputs.endpoint
  COSMOS_DATABASE: cosmos.outputs.databaseName
  COSMOS_CREATE_CONTAINERS: 'false' // this template creates them
  GRAPH_BASE_URL: graphBaseUrl
  GRAPH_AUTH: 'entra'
  AUTH_TENANT_ID: tenantId
  AUTH_CLIENT_ID: authClientId
  AUTH_AUDIENCE: effectiveAudience
  AUTH_ISSUER: authIssuer
  AUTH_JWKS_URL: authJwksUrl
  AZURE_CLIENT_ID: identity.outputs.clientId // the managed identity DefaultAzureCredential uses
}

module api 'app/api.bicep' = {
  name: 'api'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    appSettings: appSettings
    corsAllowedOrigins: corsAllowedOrigins
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    zoneRedundant: zoneRedundant
  }
  dependsOn: [
    rbac
  ]
}

// --- outputs: named like the app settings they feed ----------------------------------------
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output API_BASE_URL string = '${api.outputs.uri}/api'
// The timeline page (functions/web): register it as the SPA redirect URI (docs/web.md).
output WEB_URL string = '${api.outputs.uri}/'
output AZURE_CLIENT_ID string = identity.outputs.clientId
// Object id of the managed identity: the "subject" of the federated identity credential
// on the API's app registration (app/entra.bicep).
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AzureWebJobsStorage__blobServiceUri string = storage.outputs.blobEndpoint
output AzureWebJobsStorage__queueServiceUri string = storage.outputs.queueEndpoint
output TRACK_QUEUE_NAME string = storage.outputs.trackQueueName
output TRACK_POISON_QUEUE_NAME string = storage.outputs.trackPoisonQueueName
output COSMOS_ACCOUNT_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output GRAPH_BASE_URL string = graphBaseUrl
output AUTH_TENANT_ID string = tenantId
output AUTH_CLIENT_ID string = authClientId
// The app registration's service principal: the identity Exchange Online RBAC for
// Applications scopes (New-ServicePrincipal -ObjectId, docs/deploy.md).
output AZURE_API_SERVICE_PRINCIPAL_ID string = entra.outputs.servicePrincipalId
output AUTH_IDENTIFIER_URI string = entraUri.outputs.identifierUri
output AUTH_AUDIENCE string = effectiveAudience
output AUTH_ISSUER string = authIssuer
output AUTH_JWKS_URL string = authJwksUrl
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AUTOCAPTURE_MODE string = 'azure'
output GRAPH_AUTH string = 'entra'
output COSMOS_CREATE_CONTAINERS string = 'false'
