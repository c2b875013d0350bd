using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;

namespace Serverless.Core.Storage;

/// <summary>
/// The app's storage account: one SDK service client per service, shared by every table, queue and container client
/// handed out (they share its pipeline and connections). Queue messages are base64, as the Functions queue trigger expects.
/// </summary>
public sealed class StorageAccount
{
    public StorageAccount(StorageConnection connection, AzureComponentFactory? componentFactory = null, StoragePipelinePolicies? policies = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var tableOptions = Configure(new TableClientOptions(), policies, StorageService.Table);
        var queueOptions = Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, policies, StorageService.Queue);
        var blobOptions = Configure(new BlobClientOptions(), policies, StorageService.Blob);

        if (connection.ConnectionString is { } connectionString)
        {
            TableService = new TableServiceClient(connectionString, tableOptions);
            QueueService = new QueueServiceClient(connectionString, queueOptions);
            BlobService = new BlobServiceClient(connectionString, blobOptions);
        }
        else
        {
            // Microsoft.Extensions.Azure reads credential/clientId exactly as the Functions host does for identity connections.
            var credential = (componentFactory ?? DefaultComponentFactory.Instance).CreateTokenCredential(connection.IdentitySettings!);
            TableService = new TableServiceClient(connection.TableServiceUri!, credential, tableOptions);
            QueueService = new QueueServiceClient(connection.QueueServiceUri!, credential, queueOptions);
            BlobService = new BlobServiceClient(connection.BlobServiceUri!, credential, blobOptions);
        }

        DelegationKeys = new UserDelegationKeyCache(BlobService);
    }

    public TableServiceClient TableService { get; }

    public QueueServiceClient QueueService { get; }

    public BlobServiceClient BlobService { get; }

    /// <summary>User delegation keys for SAS links when the account is reached with an identity (no account key).</summary>
    public UserDelegationKeyCache DelegationKeys { get; }

    public TableClient GetTableClient(string tableName) => TableService.GetTableClient(tableName);

    public QueueClient GetQueueClient(string queueName) => QueueService.GetQueueClient(queueName);

    public BlobContainerClient GetBlobContainerClient(string containerName) => BlobService.GetBlobContainerClient(containerName);

    /// <summary>Exponential retries (5 tries, 0.5 s base, 10 s cap, 30 s per try), the service stamp, and any extra policies.</summary>
    private static T Configure<T>(T options, StoragePipelinePolicies? policies, StorageService service)
        where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 5;
        options.Retry.Delay = TimeSpan.FromSeconds(0.5);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(10);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        options.AddPolicy(new StorageServiceProperty.StampPolicy(service), HttpPipelinePosition.PerCall);
        foreach (var policy in policies?.PerRetry ?? [])
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }

        return options;
    }

    /// <summary>Used when the host registered no <see cref="AzureComponentFactory"/> (tests, tools).</summary>
    private static class DefaultComponentFactory
    {
        public static readonly AzureComponentFactory Instance = CreateFactory();

        private static AzureComponentFactory CreateFactory()
        {
            var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
            services.AddAzureClientsCore();
            using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
            return Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<AzureComponentFactory>(provider);
        }
    }
}

/// <summary>The three storage services.</summary>
public enum StorageService
{
    Blob,
    Queue,
    Table,
}
