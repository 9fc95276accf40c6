// Cosmos DB for NoSQL, serverless, Entra ID only (no account keys): the database and
// every container the code uses. The container list mirrors shared/config.py CONTAINERS
// (name, partition key path, default TTL); tests/infra/test_consistency.py keeps the two
// in step.

param name string
param location string
param tags object = {}

@description('Database name (shared/config.py DEFAULT_DATABASE).')
param databaseName string

// Consistent indexing of every path, minus the system etag. Per-container additions below.
var defaultIndexing = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [
    {
      path: '/*'
    }
  ]
  excludedPaths: [
    {
      path: '/"_etag"/?'
    }
  ]
}

// One entry per container. defaultTtl: seconds, or null for no TTL (property omitted).
var containerSpecs = [
  {
    // CRM records. The timeline's query (shared/store/records.py, list_child_contacts):
    // SELECT TOP 50 * FROM c WHERE c.pk = @pk AND c.type = 'child' ORDER BY c.sortOn DESC
    // (an account's most recently modified contacts), served by the composite index
    // (equality property first, then the ORDER BY property in its direction).
    name: 'records'
    partitionKeyPath: '/pk'
    defaultTtl: null
    indexingPolicy: union(defaultIndexing, {
      compositeIndexes: [
        [
          {
            path: '/type'
            order: 'ascending'
          }
          {
            path: '/sortOn'
            order: 'descending'
          }
        ]
      ]
    })
  }
  {
    // Tracked activities, read per record partition (pk) by the timeline.
    name: 'activities'
    partitionKeyPath: '/pk'
    defaultTtl: null
    indexingPolicy: defaultIndexing
  }
  {
    // Tracking requests: per user, by regardingKey and state; they expire after 30 days.
    name: 'tracking'
    partitionKeyPath: '/userId'
    defaultTtl: 2592000
    indexingPolicy: defaultIndexing
  }
  {
    // Org and user settings, one small document each.
    name: 'settings'
    partitionKeyPath: '/id'
    defaultTtl: null
    indexingPolicy: defaultIndexing
  }
  {
    // Erasure receipts (counts and ids, never content), one per erasure, point reads.
    name: 'erasures'
    partitionKeyPath: '/id'
    defaultTtl: null
    indexingPolicy: defaultIndexing
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  //checkov:skip=CKV_AZURE_101:Without VNet integration the Flex Consumption app reaches Cosmos DB over its public endpoint. Local (key) auth is disabled, so only Entra ID principals with a Cosmos data role (rbac.bicep) can read or write. Private endpoints are the follow-up hardening (docs/deploy.md).
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    // Entra ID (RBAC) only: account keys cannot be used for data or for metadata writes.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
    enableFreeTier: false
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [for spec in containerSpecs: {
  parent: database
  name: spec.name
  properties: {
    resource: union({
      id: spec.name
      partitionKey: {
        paths: [
          spec.partitionKeyPath
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: spec.indexingPolicy
    }, spec.defaultTtl == null ? {} : {
      defaultTtl: spec.defaultTtl
    })
  }
}]

output name string = account.name
output id string = account.id
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output containerNames array = [for (spec, i) in containerSpecs: containers[i].name]
