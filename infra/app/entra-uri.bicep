// The app registration's Application ID URI, api://<appId> (the scope the page and
// clients ask for: api://<appId>/access_as_user). A resource cannot name its own appId,
// so this second declaration of the same registration (same uniqueName) sets it once the
// first has created it. The extension upserts by uniqueName with PATCH semantics: the
// properties entra.bicep set are left as they are.
// checkov cannot parse the `extension` keyword: scripts/checkov.sh skips this file.

extension microsoftGraphV1

param uniqueName string
param displayName string
param clientId string

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  identifierUris: [
    'api://${clientId}'
  ]
}

output identifierUri string = app.identifierUris[0]
