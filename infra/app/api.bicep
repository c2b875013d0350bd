// The Azure Functions app (isolated worker, .NET 10) on the Flex Consumption plan. All connections
// are identity-based through one user-assigned managed identity.

param name string
param location string = resourceGroup().location
param tags object = {}
param serviceName string = 'api'

param appServicePlanId string
param identityId string
param identityClientId string

param storageAccountName string
param deploymentStorageContainerName string

param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048

param applicationInsightsConnectionString string
param signalREndpoint string
param cursorSigningKeySecretUri string
param cursorPreviousSigningKeySecretUri string = ''
param cursorPreviousKeyValidUntil string = ''

param authIssuer string
param authAudience string
param authAuthority string
param filesRetentionDays int = 30
param corsAllowedOrigins array = []

// Delivery channels. Each is off while its first parameter is empty; secrets arrive as Key Vault secret URIs.
param emailSmtpHost string = ''
param emailSmtpPort int = 587
param emailSmtpUsername string = ''
param emailSmtpPasswordSecretUri string = ''
param emailFrom string = ''
param emailLinkBaseUrl string = ''
param emailPreferencesUrl string = ''
param fcmProjectId string = ''
param fcmServiceAccountSecretUri string = ''
param apnsKeyId string = ''
param apnsTeamId string = ''
param apnsTopic string = ''
param apnsPrivateKeySecretUri string = ''
param apnsEndpoint string = 'https://api.push.apple.com'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

// Settings the application binds ({Section}__{Property}). Adding one is one line here; the test
// DeploymentConfigurationTests checks that every options property the code declares appears here.
var applicationSettings = {
  Auth__Issuer: authIssuer
  Auth__Audience: authAudience
  Auth__Authority: authAuthority
  Notifications__MaxPushesPerUserPerMinute: '20'
  Notifications__MaxRecipients: '10000'
  Notifications__IdempotencyWindowHours: '24'
  Notifications__ChunkSize: '100'
  Notifications__DeliveryConcurrency: '16'
  Notifications__DirectDeliveryMaxRecipients: '10'
  Notifications__ManualSendsPerUserPerMinute: '10'
  MemberChannel__RegisterPermitsPerMinute: '10'
  MemberChannel__RegisterPermitsPerUserPerMinute: '30'
  MemberChannel__MaxDevicesPerUser: '20'
  MemberChannel__EventsPermitsPerMinute: '120'
  MemberChannel__AckPermitsPerMinute: '600'
  MemberChannel__DeviceInactiveDays: '270'
  SignalR__MaxConcurrentSends: '32'
  Files__RetentionDays: string(filesRetentionDays)
  Files__DownloadUrlMinutes: '5'
  Files__UploadUrlMinutes: '10'
  RoomChat__PostsPerUserPerMinute: '30'
  Cursors__SigningKey: '@Microsoft.KeyVault(SecretUri=${cursorSigningKeySecretUri})'
  // Empty outside a key rotation; the app treats empty as "no previous key".
  Cursors__PreviousSigningKey: empty(cursorPreviousSigningKeySecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${cursorPreviousSigningKeySecretUri})'
  Cursors__PreviousKeyValidUntil: cursorPreviousKeyValidUntil
  // Email over any SMTP relay (e.g. Azure Communication Services' SMTP endpoint); the password from Key Vault.
  Email__Smtp__Host: emailSmtpHost
  Email__Smtp__Port: string(emailSmtpPort)
  Email__Smtp__Username: emailSmtpUsername
  Email__Smtp__Password: empty(emailSmtpPasswordSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${emailSmtpPasswordSecretUri})'
  Email__Smtp__UseTls: 'true'
  Email__From: emailFrom
  Email__LinkBaseUrl: emailLinkBaseUrl
  Email__PreferencesUrl: emailPreferencesUrl
  Push__Fcm__ProjectId: fcmProjectId
  Push__Fcm__ServiceAccountJson: empty(fcmServiceAccountSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${fcmServiceAccountSecretUri})'
  Push__Fcm__Endpoint: 'https://fcm.googleapis.com'
  Push__Apns__KeyId: apnsKeyId
  Push__Apns__TeamId: apnsTeamId
  Push__Apns__Topic: apnsTopic
  Push__Apns__PrivateKey: empty(apnsPrivateKeySecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${apnsPrivateKeySecretUri})'
  Push__Apns__Endpoint: apnsEndpoint
  Channels__MaxAttempts: '5'
  Channels__RetryBaseDelay: '00:00:30'
  Channels__SendLease: '00:02:00'
}

// Connections: the Functions host and the app share AzureWebJobsStorage (tables, queues, blobs);
// SignalR and Application Insights (Entra-authenticated ingestion) use the same identity.
var connectionSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureSignalRConnectionString__serviceUri: signalREndpoint
  AzureSignalRConnectionString__credential: 'managedidentity'
  AzureSignalRConnectionString__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // DefaultAzureCredential in the worker (Azure Monitor exporter, SDK clients) picks the user-assigned identity.
  AZURE_CLIENT_ID: identityClientId
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity, not a system-assigned one.
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(applicationSettings, connectionSettings)
  }
}

output name string = functionApp.name
output apiBaseUrl string = 'https://${functionApp.properties.defaultHostName}/api'
