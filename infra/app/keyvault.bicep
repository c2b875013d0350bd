// Key Vault in RBAC mode for the cursor signing key(s). The app reads them through Key Vault
// references resolved with its user-assigned identity (Key Vault Secrets User), so the key never
// appears in app settings.

param name string
param location string = resourceGroup().location
param tags object = {}

@secure()
param cursorSigningKey string

@secure()
@description('Previous key during a rotation; empty creates no secret.')
param cursorPreviousSigningKey string = ''

@secure()
@description('SMTP relay password; empty creates no secret.')
param emailSmtpPassword string = ''

@secure()
@description('FCM service-account key JSON; empty creates no secret.')
param fcmServiceAccountJson string = ''

@secure()
@description('APNs .p8 key (PEM); empty creates no secret.')
param apnsPrivateKey string = ''

var cursorKeyName = 'cursor-signing-key'
var cursorPreviousKeyName = 'cursor-previous-signing-key'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource cursorKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: cursorKeyName
  properties: {
    value: cursorSigningKey
    contentType: 'text/plain'
  }
}

resource cursorPreviousKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(cursorPreviousSigningKey)) {
  parent: vault
  name: cursorPreviousKeyName
  properties: {
    value: cursorPreviousSigningKey
    contentType: 'text/plain'
  }
}

resource smtpPassword 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(emailSmtpPassword)) {
  parent: vault
  name: 'email-smtp-password'
  properties: {
    value: emailSmtpPassword
    contentType: 'text/plain'
  }
}

resource fcmServiceAccount 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(fcmServiceAccountJson)) {
  parent: vault
  name: 'fcm-service-account'
  properties: {
    value: fcmServiceAccountJson
    contentType: 'application/json'
  }
}

resource apnsKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(apnsPrivateKey)) {
  parent: vault
  name: 'apns-private-key'
  properties: {
    value: apnsPrivateKey
    contentType: 'text/plain'
  }
}

output name string = vault.name
// Versionless URIs: the app picks up a new secret version without a redeploy.
output cursorSigningKeySecretUri string = cursorKey.properties.secretUri
// The conditional secret's URI, empty when it was not created; read off the resource so that no
// output is derived from the secure parameter.
output cursorPreviousSigningKeySecretUri string = cursorPreviousKey.?properties.secretUri ?? ''
output emailSmtpSecretUri string = smtpPassword.?properties.secretUri ?? ''
output fcmServiceAccountSecretUri string = fcmServiceAccount.?properties.secretUri ?? ''
output apnsPrivateKeySecretUri string = apnsKey.?properties.secretUri ?? ''
