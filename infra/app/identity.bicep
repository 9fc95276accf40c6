// The one user-assigned managed identity the Function App uses for everything: host
// storage, deployment package, queues, Cosmos DB, Application Insights ingestion, and
// (through a federated identity credential on the API's app registration) Microsoft Graph.

@description('Name of the user-assigned managed identity.')
param name string

param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
