// The web app (web/) on Azure Static Web Apps, Free tier. azd deploys the built dist/ to it (service "web", host
// staticwebapp); the app calls the function app's API cross-origin, so main.bicep adds this site's origin to the
// function app's CORS list.

param name string
// Static Web Apps runs in a few regions only; the content is served from a global edge either way.
@allowed(['centralus', 'eastus2', 'westus2', 'westeurope', 'eastasia'])
param location string
param tags object = {}
param serviceName string = 'web'

resource web 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  sku: {
    name: 'Free'
    tier: 'Free'
  }
  properties: {
    // azd uploads the build; no repository is linked.
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Disabled'
  }
}

output name string = web.name
output uri string = 'https://${web.properties.defaultHostname}'
