using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class StoragePipelineTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task RequestCounter_OneCallPerService_CountsEachServiceSeparately()
    {
        var (account, counter) = StorageTestAccounts.CreateCounted(azurite);

        await account.GetTableClient(AzuriteFixture.UniqueName("t")).CreateIfNotExistsAsync();
        await account.GetQueueClient(AzuriteFixture.UniqueName("q")).CreateIfNotExistsAsync();
        var queueAfterCreate = counter.Queue;
        await account.GetQueueClient(AzuriteFixture.UniqueName("q")).CreateIfNotExistsAsync();

        Assert.Equal(1, counter.Table);
        Assert.Equal(1, queueAfterCreate);
        Assert.Equal(2, counter.Queue);
        Assert.Equal(0, counter.Blob);
        Assert.Equal(3, counter.Total);
        counter.Reset();
        Assert.Equal(0, counter.Total);
    }

    [Fact]
    public async Task RequestCounter_UnreachableEndpoint_CountsEveryRetryAttempt()
    {
        var port = ClosedPort();
        var connection = StorageConnection.Parse(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/q;TableEndpoint=http://127.0.0.1:{port}/t;",
            "Test");
        var counter = new StorageRequestCounter();
        var options = new StorageClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(5);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(20);
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);

        await Assert.ThrowsAnyAsync<Exception>(() => new StorageAccount(connection, options).GetBlobContainerClient("c").CreateIfNotExistsAsync());

        Assert.Equal(3, counter.Blob);
        Assert.Equal(0, counter.Queue + counter.Table);
    }

    [Fact]
    public void DefaultOptions_UseExponentialRetriesWithDocumentedLimits()
    {
        var options = new StorageClientOptions();

        Assert.Equal(RetryMode.Exponential, options.Retry.Mode);
        Assert.Equal(5, options.Retry.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.Retry.Delay);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Retry.MaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Retry.NetworkTimeout);
    }

    [Fact]
    public async Task TokenCredentialConnection_SendsBearerTokenForStorageScopeWithVersionAndDate()
    {
        var port = ClosedPort();
        var credential = new RecordingCredential();
        var connection = StorageConnection.FromCredential(
            "acme", credential, new Uri($"https://127.0.0.1:{port}/b"), new Uri($"https://127.0.0.1:{port}/q"), new Uri($"https://127.0.0.1:{port}/t"));
        var capture = new HeaderCapturePolicy();
        var options = new StorageClientOptions();
        options.Retry.MaxRetries = 0;
        options.AddPolicy(capture, HttpPipelinePosition.PerRetry);

        await Assert.ThrowsAnyAsync<Exception>(() => new StorageAccount(connection, options).GetQueueClient("q").CreateIfNotExistsAsync());

        Assert.Equal(["https://storage.azure.com/.default"], credential.Scopes);
        Assert.Equal("Bearer test-token", capture.Headers["Authorization"]);
        Assert.Equal("2021-12-02", capture.Headers["x-ms-version"]);
        Assert.True(DateTimeOffset.TryParse(capture.Headers["x-ms-date"], out _));
    }

    [Fact]
    public async Task SharedKeyTableRequest_UsesTableVersionAndSharedKeyScheme()
    {
        var capture = new HeaderCapturePolicy();
        var options = new StorageClientOptions();
        options.AddPolicy(capture, HttpPipelinePosition.PerRetry);
        var account = new StorageAccount(StorageConnection.Parse(azurite.ConnectionString, "Azurite"), options);

        await account.GetTableClient(AzuriteFixture.UniqueName("t")).CreateIfNotExistsAsync();

        Assert.Equal("2019-02-02", capture.Headers["x-ms-version"]);
        Assert.StartsWith("SharedKey devstoreaccount1:", capture.Headers["Authorization"], StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken("test-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private sealed class HeaderCapturePolicy : HttpPipelineSynchronousPolicy
    {
        public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override void OnSendingRequest(HttpMessage message)
        {
            foreach (var header in message.Request.Headers)
            {
                Headers[header.Name] = header.Value;
            }
        }
    }
}
