using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.Core.Realtime;

/// <summary>Registers realtime delivery through Azure SignalR Service's REST API (the Functions app; the standalone host when configured).</summary>
public static class SignalRServiceCollectionExtensions
{
    /// <summary>
    /// Parses AzureSignalRConnectionString (or its identity-based settings) now, so a missing or malformed value fails
    /// the host at start naming the setting, then registers <see cref="SignalRRestClient"/> as the <see cref="IRealtimeSender"/>
    /// and <see cref="SignalRNegotiator"/> for the negotiate function.
    /// </summary>
    public static IServiceCollection AddSignalRRest(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connection = SignalRConnection.FromSettings(key => configuration[key])
                         ?? throw new SignalRConfigurationException(
                             $"Setting '{SignalRConnection.SettingName}' is not set: give it an 'Endpoint=...;AccessKey=...;Version=1.0;' connection string, " +
                             $"or set '{SignalRConnection.SettingName}__serviceUri' (with '__credential' = managedidentity and '__clientId') for identity-based access.");
        return services.AddSignalRRest(connection);
    }

    public static IServiceCollection AddSignalRRest(this IServiceCollection services, SignalRConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SignalROptions>().BindConfiguration(SignalROptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(connection);
        services.TryAddSingleton<SignalRMetrics>();
        services.AddSingleton<SignalRRestClient>();
        services.AddSingleton<SignalRNegotiator>();
        services.RemoveAll<IRealtimeNegotiator>();
        services.AddSingleton<IRealtimeNegotiator>(sp => sp.GetRequiredService<SignalRNegotiator>());

        // The one realtime adapter: whatever sender was registered before is replaced.
        services.RemoveAll<IRealtimeSender>();
        services.AddSingleton<IRealtimeSender>(sp => sp.GetRequiredService<SignalRRestClient>());
        return services;
    }
}
