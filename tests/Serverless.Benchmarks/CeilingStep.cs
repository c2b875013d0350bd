using System.Diagnostics;
using System.Globalization;
using Serverless.Core.Inbox;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Benchmarks;

/// <summary>
/// Step 1: what this Azurite takes in single-entity inserts per second through the Azure.Data.Tables SDK at the pipeline's
/// delivery concurrency. Entities look like inbox rows and are spread over as many partitions as the fan-out uses.
/// Runs on an uncounted StorageAccount in a table of its own, so the host's figures are untouched.
/// </summary>
public static class CeilingStep
{
    public static async Task<CeilingResult> RunAsync(BenchmarkHost host, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var table = host.UncountedStorage().GetTableClient("benchceiling");
        await table.CreateIfNotExistsAsync(cancellationToken);

        // Warm-up: connections, JIT and Azurite's first-table costs are not the ceiling.
        await InsertAsync(table, 0, Math.Min(100, options.CeilingInserts), options.DeliveryConcurrency, cancellationToken);

        var cpuBefore = ProcessCpu.Now();
        var started = Stopwatch.GetTimestamp();
        await InsertAsync(table, 1_000_000, options.CeilingInserts, options.DeliveryConcurrency, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuAfter = ProcessCpu.Now();
        return new CeilingResult(options.CeilingInserts, options.DeliveryConcurrency, seconds, options.CeilingInserts / seconds,
            cpuAfter.Host - cpuBefore.Host, cpuAfter.Azurite - cpuBefore.Azurite);
    }

    private static async Task InsertAsync(TableClient table, int offset, int count, int concurrency, CancellationToken cancellationToken)
    {
        var next = -1;
        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var n = offset + i;
                var entity = new TableEntity("bench|ceiling-" + (n % 1000).ToString("D4", CultureInfo.InvariantCulture), InboxKeys.NotificationRowKey(n + 1))
                {
                    ["EventId"] = "evt_" + Guid.CreateVersion7().ToString("N"),
                    ["Type"] = "task.assigned",
                    ["Title"] = "New task: Benchmark task",
                    ["Body"] = "You have been assigned the task \"Benchmark task\".",
                    ["Priority"] = "normal",
                    ["Channel"] = "web",
                    ["IsRead"] = false,
                    ["CreatedAt"] = now,
                    ["ExpiresAt"] = now.AddDays(7),
                };
                await table.AddEntityAsync(entity, cancellationToken);
            }
        }));
    }
}
