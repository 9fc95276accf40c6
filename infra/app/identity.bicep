// The one user-assigned managed identity the Function App uses for everything: host
// storage, deployment package, queues, Cosmos DB, Application Insights ingestion. For
// Microsoft Graph it only signs the client assertion of the API's app registration
// (federated identity credential, app/entra.bicep): it holds no Graph role itself, and
// its own token never goes to Graph.

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
