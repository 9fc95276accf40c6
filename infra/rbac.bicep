// Data-plane role assignments. The Function App's managed identity gets exactly what the
// code and the Functions host need; an optional operator principal (the person running
// azd, for the records import and for debugging) gets the same data access.
// Role assignment names are guid(scope, principalId, roleId): stable across redeploys.

@description('Principal (object) id of the Function App\'s user-assigned managed identity.')
param appPrincipalId string

@description('Optional: principal (object) id of an operator (user or group) who gets the same data access. Empty: none.')
param operatorPrincipalId string = ''

@description('Principal type of operatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

param storageAccountName string
@description('Blob container of tracked bodies and attachment files (app/storage.bicep).')
param contentContainerName string
param cosmosAccountName string
param applicationInsightsName string

// Built-in Azure role definition ids (identical in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // host storage + deployment package
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // track queue + poison queue
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // tracked bodies + attachment files
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // App Insights ingestion (Entra auth)
}
// Cosmos DB data-plane built-in role (a Cosmos SQL role definition, not an Azure role).
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

var withOperator = !empty(operatorPrincipalId)

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource contentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  name: '${storageAccountName}/default/${contentContainerName}'
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: cosmosAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// --- Function App identity ---------------------------------------------------------------

resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Read, write and delete tracked content, scoped to its container: the track job writes the
// files, the API reads them, untrack deletes them. (The host's Blob Data Owner above is for
// its own state and the package; this assignment is the one the content code relies on.)
resource appContentContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(contentContainer.id, appPrincipalId, roles.storageBlobDataContributor)
  scope: contentContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appCosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: cosmos
  name: guid(cosmos.id, appPrincipalId, cosmosDataContributorRoleId)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    principalId: appPrincipalId
    scope: cosmos.id
  }
}

// --- Optional operator ---------------------------------------------------------------------

resource operatorQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withOperator) {
  name: guid(storage.id, operatorPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

// Cosmos SQL role assignments on one account must not be created concurrently with each
// other; dependsOn serialises them.
resource operatorCosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = if (withOperator) {
  parent: cosmos
  name: guid(cosmos.id, operatorPrincipalId, cosmosDataContributorRoleId)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    principalId: operatorPrincipalId
    scope: cosmos.id
  }
  dependsOn: [
    appCosmosDataContributor
  ]
}
