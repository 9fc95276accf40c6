// The Entra side, declared with the Microsoft Graph Bicep extension (no portal steps):
// the API's app registration (exposed scope access_as_user, the three app roles, v2
// tokens, groups claim), its service principal, the federated identity credential that
// lets the Function App's managed identity authenticate as the registration (no secret),
// admin consent for the delegated Graph scopes, and - only with
// graphApplicationAccess 'entra' - the tenant-wide Graph application roles.
//
// One identity model (shared/mailbox/permissions.py): the registration calls Graph both
// on-behalf-of the user and app-only; the managed identity only signs its client
// assertion and holds no Graph role. tests/infra/test_permissions.py checks that the
// permissions here are exactly those the code uses.
//
// Deploying this needs Entra rights (Application Developer for the registration; granting
// consent and app roles needs Privileged Role Administrator): docs/deploy.md.
// checkov cannot parse the `extension` keyword: scripts/checkov.sh skips this file and
// entra-uri.bicep (they declare no Azure resource checkov has policies for).

extension microsoftGraphV1

@description('Unique name of the app registration (its key for later deployments).')
param uniqueName string

@description('Display name of the app registration.')
param displayName string = 'Auto capture API'

@description('Object (principal) id of the Function App\'s user-assigned managed identity: the subject of the federated credential.')
param managedIdentityPrincipalId string

@description('Issuer of the managed identity\'s tokens: https://login.microsoftonline.com/<tenant>/v2.0.')
param federationIssuer string

@description('How the app-only Graph permissions are granted. exchangeRbac (default): no tenant-wide Entra grant; an Exchange admin assigns the roles "Application Mail.Read" and "Application Calendars.Read" scoped to the sales mailboxes (RBAC for Applications, docs/deploy.md). entra: tenant-wide Mail.Read and Calendars.Read application roles (every mailbox).')
@allowed([
  'exchangeRbac'
  'entra'
])
param graphApplicationAccess string = 'exchangeRbac'

@description('Grant admin consent for the delegated Graph scopes to all users (needs a Privileged Role Administrator as deployer). false: an admin consents in the portal.')
param grantDelegatedConsent bool = true

var graphAppId = '00000003-0000-0000-c000-000000000000'
// Graph's permission ids: shared/mailbox/permissions.py DELEGATED_IDS and APPLICATION_IDS.
var delegatedScopes = {
  'Mail.Read': '570282fd-fa5c-430d-a7fd-fc8dc98a9dca'
  'Calendars.Read': '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42'
  'User.Read': 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'
}
var applicationRoles = {
  'Mail.Read': '810c84a8-4a9e-49e6-bf7d-12d183f40d01'
  'Calendars.Read': '798ee544-9d2d-430c-a058-570e29e34338'
}
var grantsApplicationRoles = graphApplicationAccess == 'entra'
var userRoles = [
  {
    value: 'AutoCapture.Admin'
    displayName: 'Auto capture administrator'
    description: 'May change the organisation settings and run the readiness check.'
  }
  {
    value: 'Sales.Manager'
    displayName: 'Sales manager'
    description: 'Gets suggestions; may read every record\'s timeline.'
  }
  {
    value: 'Sales.Person'
    displayName: 'Salesperson'
    description: 'Gets suggestions on the records they own or share through a team.'
  }
]

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  // Emit only the groups assigned to the application (docs/auth.md: no groups overage).
  groupMembershipClaims: 'ApplicationGroup'
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: guid(uniqueName, 'access_as_user')
        value: 'access_as_user'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Use Auto capture as the signed-in user'
        adminConsentDescription: 'Lets the app read the CRM timeline and the signed-in user\'s own recent mail and meetings that match a record.'
        userConsentDisplayName: 'Use Auto capture as you'
        userConsentDescription: 'Lets the app show your recent mail and meetings that match a CRM record.'
      }
    ]
  }
  appRoles: [
    for role in userRoles: {
      id: guid(uniqueName, role.value)
      value: role.value
      displayName: role.displayName
      description: role.description
      allowedMemberTypes: [
        'User'
      ]
      isEnabled: true
    }
  ]
  requiredResourceAccess: [
    {
      resourceAppId: graphAppId
      resourceAccess: concat(
        map(items(delegatedScopes), scope => { id: scope.value, type: 'Scope' }),
        grantsApplicationRoles ? map(items(applicationRoles), role => { id: role.value, type: 'Role' }) : []
      )
    }
  ]

  // The managed identity's token for api://AzureADTokenExchange is the registration's
  // client assertion (on-behalf-of and client credentials alike).
  resource functionAppCredential 'federatedIdentityCredentials@v1.0' = {
    name: '${app.uniqueName}/autocapture-function-app'
    description: 'The Auto capture Function App\'s user-assigned managed identity'
    audiences: [
      'api://AzureADTokenExchange'
    ]
    issuer: federationIssuer
    subject: managedIdentityPrincipalId
  }
}

resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
}

resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

// Admin consent for the delegated scopes, for every user of the tenant.
resource delegatedConsent 'Microsoft.Graph/oauth2PermissionGrants@v1.0' = if (grantDelegatedConsent) {
  clientId: servicePrincipal.id
  resourceId: graph.id
  consentType: 'AllPrincipals'
  scope: join(objectKeys(delegatedScopes), ' ')
}

// Tenant-wide application roles, only when chosen (RBAC for Applications otherwise).
resource applicationRoleGrants 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [
  for role in items(applicationRoles): if (grantsApplicationRoles) {
    appRoleId: role.value
    principalId: servicePrincipal.id
    resourceId: graph.id
  }
]

output clientId string = app.appId
output uniqueName string = app.uniqueName
output servicePrincipalId string = servicePrincipal.id
