// Storage for the Functions host (AzureWebJobsStorage), the track and erasure queues and
// their poison queues, and the Flex Consumption deployment package. Shared-key access is off: every
// client, the host included, authenticates with Entra ID (see rbac.bicep).

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object = {}

@description('Queue the track HTTP function writes to and the queue-triggered function reads (shared/config.py DEFAULT_TRACK_QUEUE).')
param trackQueueName string

@description('Queue of erasure jobs: POST /api/admin/erasure writes, a queue-triggered function reads (shared/config.py DEFAULT_ERASURE_QUEUE).')
param erasureQueueName string

@description('Blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Blob container of tracked bodies too large for Cosmos DB and of copied attachment files (shared/config.py DEFAULT_CONTENT_CONTAINER).')
param contentContainerName string

@description('Replication. ZRS survives a zone outage; use Standard_LRS where ZRS is not offered.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_ZRS'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  //checkov:skip=CKV_AZURE_35:Without VNet integration a Flex Consumption app reaches storage over its public endpoint (Functions is not a trusted service for the storage firewall), so the default action must stay Allow. Shared keys are disabled: only Entra ID principals holding a data role (rbac.bicep) get in. Private endpoints are the follow-up hardening (docs/deploy.md).
  //checkov:skip=CKV_AZURE_59:Same reason as CKV_AZURE_35: the endpoint is reachable, but accepts only Entra ID tokens with an RBAC data role; blob public access and shared-key access are both off.
  //checkov:skip=CKV_AZURE_206:The account holds the host's state, the deployment package and a transient work queue; geo-replication (GRS) would not keep the app running in a regional outage. Zone redundancy (Standard_ZRS) is the default; pick Standard_GZRS with storageSkuName if wanted.
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'
    properties: {
      deleteRetentionPolicy: {
        enabled: true
        days: 7
      }
      containerDeleteRetentionPolicy: {
        enabled: true
        days: 7
      }
    }

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // Tracked content (bodies over 32 KB, attachment files): private, reached by the
    // Function App's managed identity only (rbac.bicep), never with a key or a SAS.
    resource contentContainer 'containers' = {
      name: contentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueServices 'queueServices' = {
    name: 'default'

    resource trackQueue 'queues' = {
      name: trackQueueName
    }

    // The Functions host moves a message here after maxDequeueCount (5) failed attempts.
    // Declared so that it exists (and can be watched) before the first failure.
    resource trackPoisonQueue 'queues' = {
      name: '${trackQueueName}-poison'
    }

    resource erasureQueue 'queues' = {
      name: erasureQueueName
    }

    resource erasurePoisonQueue 'queues' = {
      name: '${erasureQueueName}-poison'
    }
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output trackQueueName string = storage::queueServices::trackQueue.name
output trackPoisonQueueName string = storage::queueServices::trackPoisonQueue.name
output erasureQueueName string = storage::queueServices::erasureQueue.name
output erasurePoisonQueueName string = storage::queueServices::erasurePoisonQueue.name
output deploymentContainerName string = storage::blobServices::deploymentContainer.name
output contentContainerName string = storage::blobServices::contentContainer.name
