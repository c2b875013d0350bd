using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.Core.Hosting;
using Serverless.Core.Notifications;
using Serverless.Core.Realtime;

namespace Serverless.Functions;

/// <summary>
/// The Functions app's service registration. The standalone host calls the same method, so both run the function
/// classes of this assembly with the same services.
/// </summary>
public static class FunctionsAppRegistration
{
    /// <remarks>
    /// Realtime is the one part each host adds itself: the Functions app always sends through the SignalR Service REST
    /// API (<see cref="SignalRServiceCollectionExtensions.AddSignalRRest(IServiceCollection, IConfiguration)"/>); the
    /// standalone host does too when AzureSignalRConnectionString is set, and otherwise delivers into its own hub.
    /// </remarks>
    public static IServiceCollection AddServerlessFunctions(this IServiceCollection services, IConfiguration configuration) =>
        services.AddServerless(configuration);

    /// <summary>
    /// OpenTelemetry in the worker, exported to Application Insights with Entra-authenticated ingestion (local auth is
    /// off on the resource): traces, the app's own meters and logs. Nothing is exported when no connection string is set.
    /// </summary>
    public static FunctionsApplicationBuilder AddServerlessTelemetry(this FunctionsApplicationBuilder builder)
    {
        var connectionString = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var telemetry = builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults()
            .WithMetrics(m => m.AddMeter(NotificationMetrics.MeterName, SignalRMetrics.MeterName, Core.Devices.MemberChannelMetrics.MeterName));
        if (string.IsNullOrEmpty(connectionString))
        {
            return builder;
        }

        var credential = TelemetryCredential(builder.Configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        void Configure(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = connectionString;
            o.Credential = credential;
        }

        telemetry
            .WithTracing(t => t.AddAzureMonitorTraceExporter(Configure))
            .WithMetrics(m => m.AddAzureMonitorMetricExporter(Configure));
        builder.Logging.AddOpenTelemetry(o => o.AddAzureMonitorLogExporter(Configure));
        return builder;
    }

    /// <summary>"ClientId=...;Authorization=AAD" (what the Bicep sets) names the user-assigned identity that may ingest.</summary>
    internal static TokenCredential? TelemetryCredential(string? authenticationString)
    {
        if (string.IsNullOrEmpty(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !kind.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
