using Azure.Identity;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Core.Hosting;
using Serverless.Core.Realtime;
using Serverless.Functions.Realtime;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();

// Application Insights has local auth disabled: the worker's telemetry must authenticate with the managed identity
// named in APPLICATIONINSIGHTS_AUTHENTICATION_STRING ("ClientId=...;Authorization=AAD"), as the host does.
var telemetryAuth = builder.Configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
if (!string.IsNullOrEmpty(telemetryAuth))
{
    var clientId = telemetryAuth.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(part => part.Split('=', 2))
        .FirstOrDefault(pair => pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1];
    builder.Services.Configure<TelemetryConfiguration>(config =>
        config.SetAzureTokenCredential(new ManagedIdentityCredential(
            clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))));
}

builder.Services.AddServerless(builder.Configuration);

// The negotiate function's hub; the SignalR output bindings address the same hub by name.
builder.Services.AddServerlessHub<Serverless.Functions.Notifications>();

// Real-time messages of one invocation are collected and returned through the SignalR output binding.
builder.Services.AddScoped<CollectingRealtimeSender>();
builder.Services.AddScoped<IRealtimeSender>(sp => sp.GetRequiredService<CollectingRealtimeSender>());

builder.Build().Run();
