// The Function App: Linux, Python 3.13, Flex Consumption (FC1), running as the
// user-assigned managed identity. No keys or connection strings: the host reaches
// storage with identity-based connection settings (AzureWebJobsStorage__*), the code
// reaches Cosmos DB and Graph with the same identity (AZURE_CLIENT_ID).

param name string
param planName string
param location string
param tags object = {}

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Storage account blob endpoint (https://<account>.blob.core.windows.net/).')
param storageBlobEndpoint string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (endpoints and resource id; not a secret, local auth is disabled).')
param applicationInsightsConnectionString string

@description('App settings of the application itself (merged with the host settings below).')
param appSettings object

@description('Origins allowed to call the API from a browser (CORS). Empty: same origin only.')
param corsAllowedOrigins array = []

@description('Memory per instance (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Zone-redundant plan (only in regions where Flex Consumption supports availability zones).')
param zoneRedundant bool = false

@description('Upper bound on instances (Flex Consumption scales out to this).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  //checkov:skip=CKV_AZURE_225:Zone redundancy for Flex Consumption exists only in some regions, so it is the zoneRedundant parameter (default false). The app keeps no state (it lives in Cosmos DB and the queue), so a zone outage costs availability, not data.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  //checkov:skip=CKV_AZURE_17:Callers are browsers and the CRM front end presenting Entra ID bearer tokens, which the API validates on every request (signature, issuer, audience, expiry, roles); mutual-TLS client certificates do not fit that flow.
  //checkov:skip=CKV_AZURE_222:The API is called from users' browsers, so its endpoint is public; it accepts only HTTPS (TLS 1.2+) and valid Entra ID tokens (only /api/health is anonymous).
  //checkov:skip=CKV_AZURE_212:numberOfWorkers does not apply to Flex Consumption; instances scale per function between 0 and maximumInstanceCount (functionAppConfig.scaleAndConcurrency).
  //checkov:skip=CKV_AZURE_213:The App Service health-check ping (siteConfig.healthCheckPath) is an App Service plan feature, not one of Flex Consumption; probe GET /api/health from outside instead (docs/deploy.md).
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    clientCertEnabled: false
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.13'
      }
    }
  }

  // Flex Consumption takes runtime, version and package location from functionAppConfig,
  // so FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION / WEBSITE_RUN_FROM_PACKAGE
  // must not be set here.
  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, {
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      // Telemetry ingestion with the managed identity's Entra token (local auth is off).
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
    })
  }

  // No FTP and no basic-auth publishing credentials: deployments authenticate with Entra ID.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}'
