using Azure.Core;
using Serverless.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary>Builds accounts against the shared Azurite, optionally with a request counter in the pipeline.</summary>
internal static class StorageTestAccounts
{
    public static StorageAccount Create(AzuriteFixture azurite) => new(StorageConnection.Parse(azurite.ConnectionString, "Azurite"));

    public static (StorageAccount Account, StorageRequestCounter Counter) CreateCounted(AzuriteFixture azurite)
    {
        var connection = StorageConnection.Parse(azurite.ConnectionString, "Azurite");
        var counter = new StorageRequestCounter();
        var options = new StorageClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        return (new StorageAccount(connection, options), counter);
    }
}
