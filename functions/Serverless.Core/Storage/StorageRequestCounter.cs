using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Core.Storage;

/// <summary>
/// Counts every storage request attempt (retries included) per service, for the benchmark's "transactions per
/// delivery". Register it in <see cref="StoragePipelinePolicies"/> so it goes into each SDK client's options.
/// </summary>
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

/// <summary>
/// Extra per-retry policies for every storage client (the request counter, the benchmark's ledger). Optional in DI:
/// when registered, <see cref="StorageAccount"/> adds each one to the Table, Queue and Blob client options.
/// </summary>
public sealed class StoragePipelinePolicies
{
    public IList<HttpPipelinePolicy> PerRetry { get; } = [];
}

/// <summary>Which service a request goes to, stamped on each message so policies need not guess it from the URI.</summary>
public static class StorageServiceProperty
{
    private const string Name = "Serverless.Storage.Service";

    public static StorageService? Of(HttpMessage message) =>
        message.TryGetProperty(Name, out var value) && value is StorageService service ? service : null;

    internal sealed class StampPolicy(StorageService service) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.SetProperty(Name, service);
    }
}
