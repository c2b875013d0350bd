using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Storage;

/// <summary>Counts every request attempt (retries included) per storage service; add it per retry to <see cref="StorageClientOptions"/>.</summary>
public sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private long _table;
    private long _queue;
    private long _blob;

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
        switch (StorageServiceProperty.Of(message))
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
