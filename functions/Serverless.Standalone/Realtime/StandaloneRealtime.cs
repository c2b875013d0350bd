using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// The standalone host's side of realtime: the Azure SignalR Service surface at its own origin (client endpoint /client,
/// REST calls under /api/hubs) backed by an in-process hub, and the choice of delivery. Without AzureSignalRConnectionString
/// pushes go straight into the hub; with it they go through <see cref="SignalRRestClient"/>, exactly as in the Functions
/// app, to that endpoint, whether a real SignalR Service or this host itself.
/// </summary>
public static class StandaloneRealtime
{
    /// <summary>Where clients connect: {origin}/client/?hub=notifications, as on Azure SignalR Service.</summary>
    public const string ClientPath = "/client";

    public static IServiceCollection AddStandaloneRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        // Both parsed now, so a malformed value fails the host at start naming its setting.
        var accessKey = SignalRServiceKey.ReadAccessKey(configuration);
        var connection = SignalRConnection.FromSettings(key => configuration[key]);

        services.AddSignalR();
        services.AddSingleton<IUserIdProvider, HubUserIdProvider>();
        services.AddSingleton(sp => new SignalRServiceKey(accessKey, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubRealtimeSender>();
        services.AddSingleton<SignalRServiceEmulator>();
        services.AddSingleton(new StandaloneRealtimeMode(InProcessDelivery: connection is null));
        if (connection is null)
        {
            services.AddSingleton<IRealtimeSender>(sp => sp.GetRequiredService<HubRealtimeSender>());
            services.AddSingleton<IRealtimeNegotiator, SelfHostedNegotiator>();
        }
        else
        {
            services.AddSignalRRest(connection);
        }

        services.AddAuthentication(HubTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HubTokenAuthenticationHandler>(HubTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        return services;
    }

    public static void MapStandaloneRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<NotificationsHub>(ClientPath);
        SignalRServiceEmulator.Map(app);
    }
}
