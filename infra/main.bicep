targetScope = 'subscription'

// Entry point for `azd up`: one resource group holding the Flex Consumption function app and what it
// talks to (Storage, SignalR Service, Key Vault, Application Insights). Every connection is made
// with the app's user-assigned managed identity; no keys are issued or stored.

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; feeds the resource group name and the unique resource token.')
param environmentName string

@minLength(1)
@description('Region for all resources. It must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the user running azd. Gets the app\'s Storage data roles, for debugging. Empty skips it.')
param principalId string = ''

@description('Upper bound of Flex Consumption instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per Flex Consumption instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

// Free_F1 has no SLA and allows 20 concurrent connections and one unit: fine for a trial, not for
// production. Standard_S1 gives 1,000 connections per unit and the SLA.
@description('SignalR Service SKU.')
@allowed(['Free_F1', 'Standard_S1'])
param signalRSku string = 'Free_F1'

// Comma-separated rather than an array so it can come from one azd environment variable on every azd
// version, e.g. `azd env set CORS_ALLOWED_ORIGINS "https://app.contoso.com,http://localhost:5173"`.
// Empty means no cross-origin browser caller is allowed by the function app (same-origin only); set
// it to the SPA's origin(s) before browsers use the API. '*' allows every origin.
@description('Browser origins allowed to call the API and SignalR Service, comma-separated. Empty: none.')
param corsAllowedOrigins string = ''

@description('Expected audience (aud) of caller tokens.')
param authAudience string = 'api://serverless-notifications'

@description('Expected issuer (iss) of caller tokens. Empty: this tenant\'s Microsoft Entra ID v2.0 issuer.')
param authIssuer string = ''

@description('OpenID Connect authority whose metadata gives the token signing keys. Empty: this tenant\'s Microsoft Entra ID v2.0 authority.')
param authAuthority string = ''

// Generate one with `openssl rand -base64 48`. azd prompts for it on the first `azd up` when the
// environment variable AZURE_CURSOR_SIGNING_KEY is not set, and keeps the answer in the environment.
@secure()
@minLength(32)
@description('Key that signs inbox and event-stream cursors. Stored in Key Vault.')
param cursorSigningKey string

// Set only while rotating: the old key, so that cursors issued before the rotation stay valid until
// cursorPreviousKeyValidUntil.
@secure()
@description('Previous cursor signing key, kept during a rotation. Empty: none.')
param cursorPreviousSigningKey string = ''

@description('ISO 8601 instant until which the previous cursor signing key is accepted. Empty: none.')
param cursorPreviousKeyValidUntil string = ''

@minValue(1)
@description('Days a room file is kept before the purge timer deletes it.')
param filesRetentionDays int = 30

// Delivery channels (see docs): each stays off while its first parameter is empty.
@description('SMTP relay host for the email channel (e.g. smtp.azurecomm.net). Empty: email off.')
param emailSmtpHost string = ''

@description('SMTP port (587 STARTTLS, 465 implicit TLS).')
param emailSmtpPort int = 587

@description('SMTP user name (for Azure Communication Services: the SMTP username of its Entra app).')
param emailSmtpUsername string = ''

@secure()
@description('SMTP password. Stored in Key Vault.')
param emailSmtpPassword string = ''

@description('Sender address of notification emails, e.g. "Notifications <no-reply@contoso.com>".')
param emailFrom string = ''

@description('Base URL of the app, for the link in each email ({base}/notifications/{id}).')
param emailLinkBaseUrl string = ''

@description('Preferences page that the List-Unsubscribe header points at.')
param emailPreferencesUrl string = ''

@description('Firebase project id for FCM HTTP v1. Empty: FCM off.')
param fcmProjectId string = ''

@secure()
@description('FCM service-account key JSON. Stored in Key Vault.')
param fcmServiceAccountJson string = ''

@description('APNs .p8 key id. Empty: APNs off.')
param apnsKeyId string = ''

@description('Apple developer team id (iss of the APNs provider token).')
param apnsTeamId string = ''

@description('The app bundle id (apns-topic).')
param apnsTopic string = ''

@secure()
@description('APNs .p8 key (PEM). Stored in Key Vault.')
param apnsPrivateKey string = ''

@description('APNs endpoint: production or https://api.sandbox.push.apple.com.')
param apnsEndpoint string = 'https://api.push.apple.com'

@description('Region of the web app (Azure Static Web Apps runs in a few regions only).')
@allowed(['centralus', 'eastus2', 'westus2', 'westeurope', 'eastasia'])
param webLocation string = 'westeurope'

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
// Flex Consumption pulls the deployment package from this container (same pattern as the azd quickstart).
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
// From environment() rather than a literal host, so sovereign clouds get their own login endpoint.
var entraAuthority = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var corsOrigins = filter(map(split(corsAllowedOrigins, ','), origin => trim(origin)), origin => !empty(origin))
// The Static Web App's origin is known before deployment (its default host name is not), so the function app admits it
// through the web module's output.

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The one identity the app uses for Storage, SignalR, Key Vault references and Application Insights.
module apiIdentity './app/identity.bicep' = {
  name: 'apiIdentity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module appServicePlan './app/plan.bicep' = {
  name: 'appServicePlan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    containerNames: [
      deploymentStorageContainerName
      'room-files'
      'event-payloads'
    ]
  }
}

module monitoring './app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module signalR './app/signalr.bicep' = {
  name: 'signalR'
  scope: rg
  params: {
    name: '${abbrs.signalRServiceSignalR}${resourceToken}'
    location: location
    tags: tags
    sku: signalRSku
    // An empty list allows every origin; a restricted one must admit the web app too.
    corsAllowedOrigins: empty(corsOrigins) ? [] : union(corsOrigins, [web.outputs.uri])
  }
}

module keyVault './app/keyvault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    cursorSigningKey: cursorSigningKey
    cursorPreviousSigningKey: cursorPreviousSigningKey
    emailSmtpPassword: emailSmtpPassword
    fcmServiceAccountJson: fcmServiceAccountJson
    apnsPrivateKey: apnsPrivateKey
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    signalRName: signalR.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    identityPrincipalId: apiIdentity.outputs.principalId
    userPrincipalId: principalId
  }
}

module api './app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    appServicePlanId: appServicePlan.outputs.resourceId
    identityId: apiIdentity.outputs.resourceId
    identityClientId: apiIdentity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    signalREndpoint: signalR.outputs.endpoint
    cursorSigningKeySecretUri: keyVault.outputs.cursorSigningKeySecretUri
    cursorPreviousSigningKeySecretUri: keyVault.outputs.cursorPreviousSigningKeySecretUri
    cursorPreviousKeyValidUntil: cursorPreviousKeyValidUntil
    authIssuer: empty(authIssuer) ? entraAuthority : authIssuer
    authAudience: authAudience
    authAuthority: empty(authAuthority) ? entraAuthority : authAuthority
    filesRetentionDays: filesRetentionDays
    emailSmtpHost: emailSmtpHost
    emailSmtpPort: emailSmtpPort
    emailSmtpUsername: emailSmtpUsername
    emailSmtpPasswordSecretUri: keyVault.outputs.emailSmtpSecretUri
    emailFrom: emailFrom
    emailLinkBaseUrl: emailLinkBaseUrl
    emailPreferencesUrl: emailPreferencesUrl
    fcmProjectId: fcmProjectId
    fcmServiceAccountSecretUri: keyVault.outputs.fcmServiceAccountSecretUri
    apnsKeyId: apnsKeyId
    apnsTeamId: apnsTeamId
    apnsTopic: apnsTopic
    apnsPrivateKeySecretUri: keyVault.outputs.apnsPrivateKeySecretUri
    apnsEndpoint: apnsEndpoint
    corsAllowedOrigins: union(corsOrigins, [web.outputs.uri])
  }
  // The app resolves its Key Vault reference and storage connection at start; grant access first.
  dependsOn: [
    rbac
  ]
}

module web './app/web.bicep' = {
  name: 'web'
  scope: rg
  params: {
    name: '${abbrs.webStaticSites}${resourceToken}'
    location: webLocation
    tags: tags
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.apiBaseUrl
output SERVICE_WEB_NAME string = web.outputs.name
output SERVICE_WEB_URI string = web.outputs.uri
output AZURE_SIGNALR_ENDPOINT string = signalR.outputs.endpoint
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
