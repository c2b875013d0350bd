// Azure SignalR Service in Serverless mode: clients negotiate through the function app
// (POST /api/negotiate) and the app sends through the service's REST API. Access keys are disabled;
// the app authenticates with its managed identity (SignalR Service Owner role).

param name string
param location string = resourceGroup().location
param tags object = {}

// Free_F1: no SLA, 20 concurrent connections, 20,000 messages a day; for trials only.
@allowed(['Free_F1', 'Standard_S1'])
param sku string = 'Free_F1'

// The browser's SignalR client posts to the service's own negotiate endpoint after /api/negotiate,
// so the SPA origin must be allowed here too. Azure documents an omitted list as "allow all"; the
// client access token issued by /api/negotiate is what guards the service, not CORS.
param corsAllowedOrigins array = []

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: sku
    tier: sku == 'Free_F1' ? 'Free' : 'Standard'
    capacity: 1
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    cors: {
      allowedOrigins: corsAllowedOrigins
    }
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

output name string = signalR.name
output endpoint string = 'https://${signalR.properties.hostName}'
