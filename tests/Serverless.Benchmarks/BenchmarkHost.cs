using Azure.Core;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Notifications;
using Serverless.Standalone;
using Serverless.Standalone.Development;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Benchmarks;

/// <summary>
/// Its own Azurite plus the standalone host in this process (StandaloneHost.Build), with every storage request of the
/// host counted and every delivery observed through the meter.
/// </summary>
public sealed class BenchmarkHost : IAsyncDisposable
{
    public const string Tenant = "bench";

    private readonly AzuriteProcess _azurite;
    private readonly WebApplication _app;

    private BenchmarkHost(AzuriteProcess azurite, WebApplication app, Uri baseAddress, StorageConnection connection,
        StorageRequestCounter counter, StorageRequestLedger ledger, DeliveryMeter deliveries)
    {
        _azurite = azurite;
        _app = app;
        BaseAddress = baseAddress;
        Connection = connection;
        Requests = counter;
        Ledger = ledger;
        Deliveries = deliveries;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(100),
        };
        // Producers are services with app-only tokens, which skip the membership read (people's tokens do not).
        PublisherToken = LocalTokenIssuer.Issue(Services.GetRequiredService<IOptions<AuthOptions>>().Value, "bench-producer", Tenant, [Roles.Publish], TimeSpan.FromHours(2), application: true);
    }

    public Uri BaseAddress { get; }

    public StorageConnection Connection { get; }

    /// <summary>Counts every storage request of the host (retries included), per service.</summary>
    public StorageRequestCounter Requests { get; }

    public StorageRequestLedger Ledger { get; }

    public DeliveryMeter Deliveries { get; }

    public HttpClient Http { get; }

    public string PublisherToken { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<BenchmarkHost> StartAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var azurite = await AzuriteProcess.StartAsync(cancellationToken: cancellationToken);
        var connection = StorageConnection.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection([new(StorageNames.ConnectionSetting, azurite.ConnectionString)]).Build(),
            StorageNames.ConnectionSetting);
        var counter = new StorageRequestCounter();
        var ledger = new StorageRequestLedger();
        var clientPolicies = new StoragePipelinePolicies { PerRetry = { counter, ledger } };
        var deliveries = new DeliveryMeter();

        var overrides = new Dictionary<string, string?>
        {
            [StorageNames.ConnectionSetting] = azurite.ConnectionString,
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Notifications:DeliveryConcurrency"] = options.DeliveryConcurrency.ToString(CultureInfo.InvariantCulture),

            // The latency and hot-partition steps push hundreds of notifications to one user; at the default 20 per
            // minute nearly all would be held back and the latency step would measure nothing.
            ["Notifications:MaxPushesPerUserPerMinute"] = "10000",

            // The chat load step posts as fast as answers come back; the default 30 per user and minute would make it
            // measure the rate limiter.
            ["RoomChat:PostsPerUserPerMinute"] = "1000000",
        };

        WebApplication? app = null;
        try
        {
            app = StandaloneHost.Build([], overrides, services =>
            {
                // StorageAccount is built from this (TryAddSingleton in AddServerless), so every host request is counted.
                services.AddSingleton(clientPolicies);
                services.Replace(ServiceDescriptor.Singleton(deliveries.Metrics));
            });
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            await app.Services.GetRequiredService<StorageProvisioner>().Ready.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new BenchmarkHost(azurite, app, new Uri(address.TrimEnd('/') + "/"), connection, counter, ledger, deliveries);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            deliveries.Dispose();
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>A storage account of its own (not counted) for work that is not the host's: the ceiling, seeding checks.</summary>
    public StorageAccount UncountedStorage() => new(Connection);

    public string Token(string userId, params string[] roles) =>
        LocalTokenIssuer.Issue(Services.GetRequiredService<IOptions<AuthOptions>>().Value, userId, Tenant, roles, TimeSpan.FromHours(2));

    /// <summary>POST /api/v1/events; returns the eventId, or throws on anything but 202.</summary>
    public async Task<string> PublishAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var response = await SendPublishAsync(userIds, cancellationToken, idempotencyKey);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Publish returned {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("eventId").GetString()!;
    }

    public async Task<HttpResponseMessage> SendPublishAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/events")
        {
            Content = JsonContent.Create(new
            {
                type = "task.assigned",
                recipients = new { userIds },
                data = new { task = new { title = "Benchmark task" }, assigner = "bench" },
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PublisherToken);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    /// <summary>GET /api/v1/notifications as the given user's token.</summary>
    public async Task<HttpResponseMessage> GetInboxAsync(string token, string? cursor, CancellationToken cancellationToken)
    {
        var path = "api/v1/notifications?limit=20" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Http.SendAsync(request, cancellationToken);
    }

    /// <summary>Any API call as the given user's token.</summary>
    public async Task<HttpResponseMessage> SendAsUserAsync(HttpMethod method, string path, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Http.SendAsync(request, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Deliveries.Dispose();
        await _azurite.DisposeAsync();
    }
}
