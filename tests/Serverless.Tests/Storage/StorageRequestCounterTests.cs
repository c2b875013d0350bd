using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary><see cref="StorageRequestCounter"/> in a real <see cref="StorageAccount"/> pipeline against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageRequestCounterTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Requests_are_counted_per_service_and_Reset_clears_the_counts()
    {
        var counter = new StorageRequestCounter();
        var account = CreateAccount(counter);
        var table = account.GetTableClient(AzuriteFixture.UniqueName("t"));
        var queue = account.GetQueueClient(AzuriteFixture.UniqueName("q"));
        var container = account.GetBlobContainerClient(AzuriteFixture.UniqueName("c"));

        await table.CreateAsync();
        await queue.CreateAsync();
        await queue.SendMessageAsync("one");
        await container.CreateAsync();
        await container.GetBlobClient("a").UploadAsync(BinaryData.FromString("a"));
        await container.GetBlobClient("b").UploadAsync(BinaryData.FromString("b"));

        Assert.Equal(1, counter.Table);
        Assert.Equal(2, counter.Queue);
        Assert.Equal(3, counter.Blob);
        Assert.Equal(6, counter.Total);

        counter.Reset();
        Assert.Equal(0, counter.Total);

        await table.DeleteAsync();
        await queue.DeleteAsync();
        await container.DeleteAsync();
        Assert.Equal(1, counter.Table);
        Assert.Equal(1, counter.Queue);
        Assert.Equal(1, counter.Blob);
    }

    [Fact]
    public async Task A_retried_request_is_counted_once_per_attempt()
    {
        // The first attempt of every request fails with a transport error before it leaves the process; the retry reaches Azurite.
        var counter = new StorageRequestCounter();
        var account = CreateAccount(counter, new FailFirstAttempt());
        var table = account.GetTableClient(AzuriteFixture.UniqueName("t"));
        var queue = account.GetQueueClient(AzuriteFixture.UniqueName("q"));
        var container = account.GetBlobContainerClient(AzuriteFixture.UniqueName("c"));

        await table.CreateAsync();
        await queue.CreateAsync();
        await container.CreateAsync();

        Assert.Equal(2, counter.Table);
        Assert.Equal(2, counter.Queue);
        Assert.Equal(2, counter.Blob);
        await table.DeleteAsync();
        await queue.DeleteAsync();
        await container.DeleteAsync();
    }

    [Fact]
    public async Task An_account_without_the_counter_registered_does_not_feed_it()
    {
        var counter = new StorageRequestCounter();
        var counted = CreateAccount(counter);
        var other = azurite.CreateStorageAccount();
        var name = AzuriteFixture.UniqueName("q");

        await other.GetQueueClient(name).CreateAsync();
        await counted.GetQueueClient(name).DeleteAsync();

        Assert.Equal(1, counter.Queue);
    }

    private StorageAccount CreateAccount(params HttpPipelinePolicy[] perRetry)
    {
        var policies = new StoragePipelinePolicies();
        foreach (var policy in perRetry)
        {
            policies.PerRetry.Add(policy);
        }

        return azurite.CreateStorageAccount(policies);
    }

    private sealed class FailFirstAttempt : HttpPipelinePolicy
    {
        private const string Failed = "test.failed-once";

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            FailOnce(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            FailOnce(message);
            return ProcessNextAsync(message, pipeline);
        }

        private static void FailOnce(HttpMessage message)
        {
            if (!message.TryGetProperty(Failed, out _))
            {
                message.SetProperty(Failed, true);
                throw new IOException("Injected transport failure on the first attempt.");
            }
        }
    }
}
