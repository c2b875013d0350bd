using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;

namespace Serverless.Tests.Infrastructure;

/// <summary>Small conveniences for tests that look at Azurite directly.</summary>
public static class StorageTestExtensions
{
    /// <summary>A StorageAccount on this Azurite, resolved exactly as the hosts resolve AzureWebJobsStorage.</summary>
    public static StorageAccount CreateStorageAccount(this AzuriteFixture azurite, StoragePipelinePolicies? policies = null) =>
        new(StorageConnection.FromConfiguration(
                new ConfigurationBuilder().AddInMemoryCollection([new(StorageNames.ConnectionSetting, azurite.ConnectionString)]).Build(),
                StorageNames.ConnectionSetting),
            policies: policies);

    public static async Task<int> ApproximateMessageCountAsync(this QueueClient queue) =>
        (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
}
