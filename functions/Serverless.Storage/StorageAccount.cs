namespace Serverless.Storage;

/// <summary>Entry point: one HttpPipeline per service, shared by every table, queue and container client it hands out.</summary>
public sealed class StorageAccount
{
    private readonly StorageServicePipeline _blob;
    private readonly StorageServicePipeline _queue;
    private readonly StorageServicePipeline _table;

    public StorageAccount(StorageConnection connection, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new StorageClientOptions();
        _blob = new StorageServicePipeline(connection, StorageService.Blob, options);
        _queue = new StorageServicePipeline(connection, StorageService.Queue, options);
        _table = new StorageServicePipeline(connection, StorageService.Table, options);
    }

    public TableClient GetTableClient(string tableName) => new(_table, tableName);

    public QueueClient GetQueueClient(string queueName) => new(_queue, queueName);

    public BlobContainerClient GetBlobContainerClient(string containerName) => new(_blob, containerName);
}
