using System.Net;
using Serverless.Core.Http;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Hosting;

[Collection(AzuriteCollection.Name)]
public sealed class HealthTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Health_AzuriteRunning_Returns200WithEveryServiceReachable()
    {
        await using var host = await TestHost.StartAsync(azurite);

        var body = await host.Http.GetAsync("api/health").ExpectJsonAsync();

        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("reachable", body.GetProperty("storage").GetProperty("table").GetString());
        Assert.Equal("reachable", body.GetProperty("storage").GetProperty("queue").GetString());
        Assert.Equal("reachable", body.GetProperty("storage").GetProperty("blob").GetString());
    }

    [Fact]
    public async Task Health_StorageUnreachable_Returns503NamingEveryService()
    {
        // A port nothing listens on: the host still starts (storage is provisioned in the background) and reports it.
        var deadPort = FreePort();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Standalone.Development.AzuriteProcess.DevelopmentAccountKey};" +
                         $"BlobEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;";
        var app = Standalone.StandaloneHost.Build([], new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connection,
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "None",
        });
        await app.StartAsync();
        try
        {
            var address = app.Urls.First();
            using var client = new HttpClient { BaseAddress = new Uri(address + "/") };
            using var response = await client.GetAsync("api/health");

            await response.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "STORAGE_UNREACHABLE");
            var body = await response.ReadJsonAsync();
            Assert.Contains("table", body.GetProperty("message").GetString());
            Assert.Contains("queue", body.GetProperty("message").GetString());
            Assert.Contains("blob", body.GetProperty("message").GetString());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task EveryResponse_CarriesCorrelationId_EchoingASafeOneAndReplacingAnUnsafeOne()
    {
        await using var host = await TestHost.StartAsync(azurite);

        using var echoed = new HttpRequestMessage(HttpMethod.Get, "api/v1/notifications");
        echoed.Headers.Add(Correlation.HeaderName, "abc-123");
        using var echoedResponse = await host.Http.SendAsync(echoed);
        Assert.Equal("abc-123", echoedResponse.Headers.GetValues(Correlation.HeaderName).Single());

        using var unsafeRequest = new HttpRequestMessage(HttpMethod.Get, "api/nope");
        unsafeRequest.Headers.TryAddWithoutValidation(Correlation.HeaderName, "evil\tvalue");
        using var unsafeResponse = await host.Http.SendAsync(unsafeRequest);
        var id = unsafeResponse.Headers.GetValues(Correlation.HeaderName).Single();
        Assert.NotEqual("evil\tvalue", id);
        Assert.Equal(32, id.Length);
        await unsafeResponse.AssertErrorAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Request_WithoutToken_Returns401WithBearerChallenge()
    {
        await using var host = await TestHost.StartAsync(azurite);

        using var response = await host.Http.GetAsync("api/v1/notifications");

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Request_WithTokenSignedByAnotherKey_Returns401()
    {
        await using var host = await TestHost.StartAsync(azurite);
        var forged = Core.Auth.LocalTokenIssuer.Issue(
            new Core.Auth.AuthOptions { Issuer = "https://local.serverless.dev", Audience = "api://serverless-notifications", SigningKey = new string('x', 48) },
            "u1", "t1", [], TimeSpan.FromMinutes(5));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", forged);

        using var response = await client.GetAsync("api/v1/notifications");

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Publish_WithoutPublishRole_Returns403()
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var client = host.ClientFor("u1");

        using var response = await client.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { "u2" } } });

        await response.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [Fact]
    public void Start_WithMalformedStorageConnection_FailsNamingTheSetting()
    {
        var error = Assert.ThrowsAny<Exception>(() => Standalone.StandaloneHost.Build([], new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "AccountName=devstoreaccount1;AccountKey=not base64!;DefaultEndpointsProtocol=http",
            ["urls"] = "http://127.0.0.1:0",
        }));

        Assert.Contains("AzureWebJobsStorage", error.Message);
        Assert.DoesNotContain("not base64!", error.Message);
    }

    [Fact]
    public async Task Start_WithShortAuthSigningKey_FailsNamingTheSetting()
    {
        var app = Standalone.StandaloneHost.Build([], new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Auth:SigningKey"] = "too-short",
            ["urls"] = "http://127.0.0.1:0",
        });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.Contains("SigningKey", error.Message);
        await app.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
