using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Benchmarks;

/// <summary>
/// The evidence behind the request counts: every storage request attempt by service and operation (e.g. "queue GET messages",
/// "table POST $batch"), and the most requests in flight at once. Added next to <see cref="StorageRequestCounter"/>.
/// </summary>
public sealed class StorageRequestLedger : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _byOperation = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _maxInFlight;

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public void Reset()
    {
        _byOperation.Clear();
        Interlocked.Exchange(ref _maxInFlight, Volatile.Read(ref _inFlight));
    }

    /// <summary>Counts so far, largest first.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        _byOperation.OrderByDescending(p => p.Value).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Enter(message);
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Enter(message);
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Enter(HttpMessage message)
    {
        var uri = message.Request.Uri.ToUri();
        var service = StorageServiceProperty.Of(message)?.ToString().ToLowerInvariant() ?? "other";
        _byOperation.AddOrUpdate($"{service} {message.Request.Method} {Describe(uri)}", 1, (_, n) => n + 1);

        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max)
            {
                break;
            }
        }
    }

    // The kind of resource, without names or keys: "inbox(PartitionKey=...)" -> "entity", "inbox()" -> "query", "messages/{id}" -> "message".
    private static string Describe(Uri uri)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var last = segments.Length > 0 ? Uri.UnescapeDataString(segments[^1]) : "";
        if (last.Contains("(PartitionKey", StringComparison.Ordinal))
        {
            return "entity";
        }

        if (segments.Length >= 2 && segments[^2] == "messages")
        {
            return "message";
        }

        return last switch
        {
            "messages" or "$batch" or "Tables" => last,
            _ when last.EndsWith("()", StringComparison.Ordinal) => "query",
            _ => "resource",
        };
    }
}
