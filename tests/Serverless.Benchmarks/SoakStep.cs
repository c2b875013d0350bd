using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Benchmarks;

/// <summary>
/// --soak: workers on loopback mix inbox reads (80%) and publishes (20%) as fast as the machine takes them for a bounded
/// time and operation count; then every accepted event must be delivered exactly once (each has recipients of its own,
/// so one partition per recipient holds exactly its counter, marker and row), no response may be 5xx, and memory must
/// come back near its start after a forced GC.
/// </summary>
public static class SoakStep
{
    private const int Readers = 20;
    private const int RowsPerReader = 40;
    private const int RecipientsPerEvent = 2;

    public static async Task<SoakResult> RunAsync(BenchmarkHost host, BenchmarkOptions options, int seconds, TextWriter log, CancellationToken cancellationToken)
    {
        var readerTokens = await SeedReadersAsync(host, cancellationToken);

        // Warm up, then take the start level after a full collection.
        for (var i = 0; i < 50; i++)
        {
            using var warm = await host.GetInboxAsync(readerTokens[i % Readers], null, cancellationToken);
        }

        var (workingSetStart, managedStart) = await SettledMemoryAsync();
        await using var sampler = new WorkingSetSampler();
        var deliveredBefore = host.Deliveries.Delivered;
        var duplicatesBefore = host.Deliveries.Duplicates;

        var accepted = new ConcurrentBag<string[]>();
        var readTimes = new ConcurrentBag<double>();
        var publishTimes = new ConcurrentBag<double>();
        long reads = 0, publishes = 0, serverErrors = 0, otherFailures = 0, operations = 0, eventNumber = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        log.WriteLine($"soak: {options.SoakWorkers} workers for {seconds} s ...");

        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.SoakWorkers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (Stopwatch.GetTimestamp() < deadline && Interlocked.Increment(ref operations) <= options.SoakMaxOperations)
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    if (random.NextDouble() < 0.2)
                    {
                        var n = Interlocked.Increment(ref eventNumber).ToString(CultureInfo.InvariantCulture);
                        var recipients = Enumerable.Range(0, RecipientsPerEvent).Select(r => $"soak-{n}-{r}").ToArray();
                        using var response = await host.SendPublishAsync(recipients, cancellationToken);
                        Interlocked.Increment(ref publishes);
                        publishTimes.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                        if (response.StatusCode == System.Net.HttpStatusCode.Accepted)
                        {
                            accepted.Add(recipients);
                        }
                        else
                        {
                            Classify(response, ref serverErrors, ref otherFailures);
                        }
                    }
                    else
                    {
                        using var response = await host.GetInboxAsync(readerTokens[random.Next(Readers)], null, cancellationToken);
                        await response.Content.LoadIntoBufferAsync(cancellationToken);
                        Interlocked.Increment(ref reads);
                        readTimes.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                        if (!response.IsSuccessStatusCode)
                        {
                            Classify(response, ref serverErrors, ref otherFailures);
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref otherFailures);
                }
            }
        }, cancellationToken)));
        var loadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // Drain: every accepted event delivered to each of its recipients.
        var expected = accepted.Count * (long)RecipientsPerEvent;
        var drainStarted = Stopwatch.GetTimestamp();
        try
        {
            await host.Deliveries.WhenDeliveredAsync(deliveredBefore + expected).WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
        }
        catch (TimeoutException)
        {
            log.WriteLine("soak: deliveries did not catch up within 120 s");
        }

        var drainSeconds = Stopwatch.GetElapsedTime(drainStarted).TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // let a late duplicate, if any, show up
        var (verified, wrong) = await VerifyExactlyOnceAsync(host, accepted, cancellationToken);
        var peak = sampler.Peak;
        var (workingSetEnd, managedEnd) = await SettledMemoryAsync();

        return new SoakResult(
            seconds, options.SoakWorkers, reads, publishes, accepted.Count, reads / loadSeconds, publishes / loadSeconds,
            Percentiles.Of(readTimes, 50), Percentiles.Of(readTimes, 99), Percentiles.Of(publishTimes, 50), Percentiles.Of(publishTimes, 99),
            serverErrors, otherFailures, expected, host.Deliveries.Delivered - deliveredBefore, host.Deliveries.Duplicates - duplicatesBefore,
            drainSeconds, verified, wrong, workingSetStart, peak, workingSetEnd, managedStart, managedEnd);
    }

    private static void Classify(HttpResponseMessage response, ref long serverErrors, ref long otherFailures)
    {
        if ((int)response.StatusCode >= 500)
        {
            Interlocked.Increment(ref serverErrors);
        }
        else
        {
            Interlocked.Increment(ref otherFailures);
        }
    }

    private static async Task<string[]> SeedReadersAsync(BenchmarkHost host, CancellationToken cancellationToken)
    {
        var inbox = host.Services.GetRequiredService<InboxStore>();
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, Readers), cancellationToken, async (reader, ct) =>
        {
            for (var i = 0; i < RowsPerReader; i++)
            {
                var notification = new NewNotification(
                    "evt_" + Guid.CreateVersion7().ToString("N"), "task.assigned", "New task: Soak", "Soak", "normal", "web", null,
                    now, now.AddDays(7), null, NeverThrottle: false);
                await inbox.DeliverAsync(BenchmarkHost.Tenant, Reader(reader), notification, ct);
            }
        });
        return Enumerable.Range(0, Readers).Select(r => host.Token(Reader(r))).ToArray();
    }

    private static string Reader(int index) => "soak-reader-" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads each recipient's whole partition (uncounted): exactly one counter at seq 1, one marker, one notification row.</summary>
    private static async Task<(long Verified, long Wrong)> VerifyExactlyOnceAsync(BenchmarkHost host, IEnumerable<string[]> events, CancellationToken cancellationToken)
    {
        var table = host.UncountedStorage().GetTableClient(Core.Hosting.StorageNames.InboxTable);
        long verified = 0, wrong = 0;
        await Parallel.ForEachAsync(events.SelectMany(e => e), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (user, ct) =>
        {
            var pk = InboxKeys.Partition(BenchmarkHost.Tenant, user);
            var rows = new List<TableEntity>();
            await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), cancellationToken: ct))
            {
                rows.Add(entity);
            }

            var counter = rows.SingleOrDefault(r => r.RowKey == InboxKeys.CounterRowKey);
            var exact = rows.Count == 3 && counter?.GetInt64("Seq") == 1 &&
                        rows.Count(r => r.RowKey.StartsWith(InboxKeys.NotificationPrefix, StringComparison.Ordinal)) == 1 &&
                        rows.Count(r => r.RowKey.StartsWith(InboxKeys.MarkerPrefix, StringComparison.Ordinal)) == 1;
            Interlocked.Increment(ref exact ? ref verified : ref wrong);
        });
        return (verified, wrong);
    }

    private static async Task<(long WorkingSet, long Managed)> SettledMemoryAsync()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        return (WorkingSetSampler.Current(), GC.GetTotalMemory(forceFullCollection: false));
    }
}
