using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Standalone;

namespace Serverless.Tests.Infrastructure;

/// <summary>
/// The real standalone host on a free loopback port against the test run's Azurite, with fast queue retries.
/// Tests drive it over HTTP (and SignalR) exactly as clients would.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    private TestHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<TestHost> StartAsync(
        AzuriteFixture azurite,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        string[]? args = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["urls"] = "http://127.0.0.1:0",
            ["Standalone:Queues:VisibilityTimeout"] = "00:00:00.500",
            ["Standalone:Queues:MaxPollingInterval"] = "00:00:00.500",
            ["Standalone:Queues:ShutdownGracePeriod"] = "00:00:02",

            // Tests run the timer work themselves, when they choose: the Functions host's own switch turns the timers off.
            ["AzureWebJobs.CleanupExpiredNotifications.Disabled"] = "true",
            ["AzureWebJobs.CleanupDevices.Disabled"] = "true",
            ["AzureWebJobs.PurgeDeletedRoomFiles.Disabled"] = "true",
            ["AzureWebJobs.SendDigests.Disabled"] = "true",
            ["AzureWebJobs.WakeSnoozedNotifications.Disabled"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",

            // In-process delivery unless a test asks for the REST path, whatever a developer's local.settings.json says.
            ["AzureSignalRConnectionString"] = "",
            ["AzureSignalRConnectionString:serviceUri"] = "",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = StandaloneHost.Build(args ?? [], overrides, configureServices);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await app.Services.GetRequiredService<StorageProvisioner>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        return new TestHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>
    /// The standalone host with AzureSignalRConnectionString pointing at itself, as the Functions app points at Azure SignalR
    /// Service: every push and group change goes out through SignalRRestClient to this host's REST surface and reaches
    /// clients through its /client endpoint.
    /// </summary>
    public static Task<TestHost> StartWithSignalRRestAsync(
        AzuriteFixture azurite,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null)
    {
        // The connection string is parsed before Kestrel binds, so the port is chosen up front.
        var port = FreeLoopbackPort();
        var accessKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var rest = new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Standalone:SignalRAccessKey"] = accessKey,
            ["AzureSignalRConnectionString"] = $"Endpoint=http://127.0.0.1:{port};AccessKey={accessKey};Version=1.0;",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            rest[key] = value;
        }

        return StartAsync(azurite, rest, configureServices);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A bearer token signed with the local key, as `token` on the command line would mint.</summary>
    public string Token(string userId, string tenantId = "t1", params string[] roles) =>
        LocalTokenIssuer.Issue(Services.GetRequiredService<IOptions<AuthOptions>>().Value, userId, tenantId, roles, TimeSpan.FromMinutes(30));

    /// <summary>An HttpClient that sends the given user's token.</summary>
    public HttpClient ClientFor(string userId, string tenantId = "t1", params string[] roles)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(userId, tenantId, roles));
        return client;
    }

    /// <summary>An HttpClient that sends an app-only token (idtyp "app"), as a producer service using client credentials has.</summary>
    public HttpClient ApplicationClientFor(string appId, string tenantId = "t1", params string[] roles)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var token = LocalTokenIssuer.Issue(Services.GetRequiredService<IOptions<AuthOptions>>().Value, appId, tenantId, roles, TimeSpan.FromMinutes(30), application: true);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>A clock tests can move forward.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public static void Use(IServiceCollection services, ManualClock clock) => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
}
