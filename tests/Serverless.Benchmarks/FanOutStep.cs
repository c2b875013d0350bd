using System.Diagnostics;

namespace Serverless.Benchmarks;

/// <summary>
/// Step 2 and 3: publishes events over HTTP and times delivery from the first 202 to the last committed inbox row
/// (the notifications.delivered meter, read in-process, no storage requests). Every host storage request in that window
/// is counted, idle queue polls included, and read at the exact delivery that completes the scenario.
/// </summary>
public static class FanOutStep
{
    /// <param name="events">Recipients of each event to publish.</param>
    /// <param name="publishConcurrency">Publish requests in flight at once.</param>
    public static async Task<FanOutResult> RunAsync(
        BenchmarkHost host,
        string name,
        string description,
        IReadOnlyList<IReadOnlyList<string>> events,
        int publishConcurrency,
        double ceilingPerSecond,
        TimeSpan settleDelay,
        CancellationToken cancellationToken,
        bool withIdempotencyKeys = false)
    {
        var expected = events.Sum(e => (long)e.Count);
        var deliveredBefore = host.Deliveries.Delivered;
        var duplicatesBefore = host.Deliveries.Duplicates;

        host.Requests.Reset();
        host.Ledger.Reset();
        StorageTransactions? transactions = null;
        var maxInFlight = 0;
        var completed = host.Deliveries.WhenDeliveredAsync(deliveredBefore + expected, () =>
        {
            var table = host.Requests.Table;
            var queue = host.Requests.Queue;
            var blob = host.Requests.Blob;
            var total = table + queue + blob;
            transactions = new StorageTransactions(table, queue, blob, total, total / (double)expected, host.Ledger.Snapshot());
            maxInFlight = host.Ledger.MaxInFlight;
        });

        var cpuBefore = ProcessCpu.Now();
        var publishStarted = Stopwatch.GetTimestamp();
        long firstAccepted = 0;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(publishConcurrency, events.Count)).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < events.Count; i = Interlocked.Increment(ref next))
            {
                await host.PublishAsync(events[i], cancellationToken, withIdempotencyKeys ? name + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
                Interlocked.CompareExchange(ref firstAccepted, Stopwatch.GetTimestamp(), 0);
            }
        }));
        var publishSeconds = Stopwatch.GetElapsedTime(publishStarted).TotalSeconds;

        // Generous: a stalled pipeline shows up as a shortfall in the report rather than a hang.
        var timeout = TimeSpan.FromSeconds(Math.Max(60, expected / 10.0));
        long last;
        try
        {
            last = await completed.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            last = host.Deliveries.LastDeliveryTimestamp;
        }

        var cpuAfter = ProcessCpu.Now();
        var delivered = host.Deliveries.Delivered - deliveredBefore;
        var seconds = Math.Max(last - firstAccepted, 1) / (double)Stopwatch.Frequency;
        var rate = delivered / seconds;
        if (transactions is null)
        {
            var total = host.Requests.Total;
            transactions = new StorageTransactions(host.Requests.Table, host.Requests.Queue, host.Requests.Blob, total,
                total / (double)Math.Max(1, delivered), host.Ledger.Snapshot());
            maxInFlight = host.Ledger.MaxInFlight;
        }

        // The runner deletes each message after its handler returns, i.e. after the last row; those deletes are part of
        // the cost too. Wait for them (and the back-off) and add them, without the idle polls of the wait.
        await Task.Delay(settleDelay, cancellationToken);
        var trailingDeletes = Deletes(host.Ledger.Snapshot()) - Deletes(transactions.ByOperation);
        var withDeletes = (transactions.Total + trailingDeletes) / (double)Math.Max(1, delivered);

        return new FanOutResult(
            name, description, events.Count, expected, delivered, host.Deliveries.Duplicates - duplicatesBefore,
            seconds, publishSeconds, rate, rate / ceilingPerSecond, transactions, trailingDeletes, withDeletes, maxInFlight,
            cpuAfter.Host - cpuBefore.Host, cpuAfter.Azurite - cpuBefore.Azurite);
    }

    private static long Deletes(IReadOnlyDictionary<string, long> byOperation) =>
        byOperation.TryGetValue("queue DELETE message", out var count) ? count : 0;
}
