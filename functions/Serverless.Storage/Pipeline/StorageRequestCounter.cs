using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Storage;

/// <summary>Counts every request attempt (retries included) per storage service; add it to <see cref="StorageClientOptions.AdditionalPolicies"/>.</summary>
public sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private readonly StorageConnection _connection;
    private long _table;
    private long _queue;
    private long _blob;

    public StorageRequestCounter(StorageConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    public long Table => Interlocked.Read(ref _table);
    public long Queue => Interlocked.Read(ref _queue);
    public long Blob => Interlocked.Read(ref _blob);
    public long Total => Table + Queue + Blob;

    public void Reset()
    {
        Interlocked.Exchange(ref _table, 0);
        Interlocked.Exchange(ref _queue, 0);
        Interlocked.Exchange(ref _blob, 0);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(HttpMessage message)
    {
        switch (_connection.ServiceFor(message.Request.Uri.ToUri()))
        {
            case StorageService.Table:
                Interlocked.Increment(ref _table);
                break;
            case StorageService.Queue:
                Interlocked.Increment(ref _queue);
                break;
            case StorageService.Blob:
                Interlocked.Increment(ref _blob);
                break;
        }
    }
}
