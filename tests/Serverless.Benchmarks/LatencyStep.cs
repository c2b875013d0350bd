using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Serverless.Benchmarks;

/// <summary>
/// Step 4: one event at a time to a user connected with the real JavaScript SignalR client; latency is from the 202 of
/// POST /api/v1/events to the notificationCreated line arriving from the client, both read from Stopwatch.
/// </summary>
public static class LatencyStep
{
    private const int WarmUpEvents = 5;

    public static async Task<LatencyResult> RunAsync(BenchmarkHost host, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        const string user = "bench-latency";
        await using var client = await NodeSignalRListener.ConnectAsync(host.BaseAddress, host.Token(user), cancellationToken);
        string[] recipients = [user];

        var latencies = new List<double>(options.LatencySamples);
        var roundTrips = new List<double>(options.LatencySamples);
        var toCommit = new List<double>(options.LatencySamples);
        var commitToReceipt = new List<double>(options.LatencySamples);
        var sendToReceipt = new List<double>(options.LatencySamples);
        var missing = 0;
        for (var i = 0; i < WarmUpEvents + options.LatencySamples; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            var eventId = await host.PublishAsync(recipients, cancellationToken);
            var accepted = Stopwatch.GetTimestamp();
            long received;
            try
            {
                received = await client.ReceivedAsync(eventId).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (TimeoutException)
            {
                missing += i >= WarmUpEvents ? 1 : 0;
                continue;
            }

            if (i >= WarmUpEvents)
            {
                latencies.Add(Stopwatch.GetElapsedTime(accepted, received).TotalMilliseconds);
                roundTrips.Add(Stopwatch.GetElapsedTime(sent, accepted).TotalMilliseconds);

                // Delivered directly, the push can overtake the 202; from the request's start it cannot.
                sendToReceipt.Add(Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds);

                // One event in flight, so the latest delivery is this event's row.
                var committed = host.Deliveries.LastDeliveryTimestamp;
                toCommit.Add(Stopwatch.GetElapsedTime(accepted, committed).TotalMilliseconds);
                commitToReceipt.Add(Stopwatch.GetElapsedTime(committed, received).TotalMilliseconds);
            }

            // Low load: one event in flight, then a short pause.
            await Task.Delay(options.LatencyGap, cancellationToken);
        }

        var (baselineP50, baselineP99) = await MeasureStorageFloorAsync(host, options, cancellationToken);

        return new LatencyResult(
            latencies.Count,
            missing,
            Percentiles.Of(latencies, 50),
            Percentiles.Of(latencies, 95),
            Percentiles.Of(latencies, 99),
            latencies.Count > 0 ? latencies.Max() : double.NaN,
            Percentiles.Of(roundTrips, 50),
            Percentiles.Of(toCommit, 50),
            Percentiles.Of(toCommit, 99),
            Percentiles.Of(commitToReceipt, 50),
            Percentiles.Of(commitToReceipt, 99),
            baselineP50,
            baselineP99,
            Percentiles.Of(sendToReceipt, 50),
            Percentiles.Of(sendToReceipt, 99));
    }

    /// <summary>
    /// The storage floor of the same path without the product: one queue receive and one three-entity transaction,
    /// sequential with the same gap, against the same Azurite. Its own p99/p50 says how much of the tail is the emulator.
    /// </summary>
    private static async Task<(double P50, double P99)> MeasureStorageFloorAsync(BenchmarkHost host, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var storage = host.UncountedStorage();
        var queue = storage.GetQueueClient("latencyfloor");
        var table = storage.GetTableClient("latencyfloor");
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await table.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var samples = new List<double>(options.LatencySamples);
        for (var i = 0; i < WarmUpEvents + options.LatencySamples; i++)
        {
            var partition = "floor" + (i % 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var start = Stopwatch.GetTimestamp();
            await queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(30), cancellationToken);
            await table.SubmitValidatedTransactionAsync(
            [
                new(TableTransactionActionType.Add, new TableEntity(partition, "e|" + i) { ["Seq"] = (long)i }),
                new(TableTransactionActionType.UpsertMerge, new TableEntity(partition, "counter") { ["Seq"] = (long)i }),
                new(TableTransactionActionType.Add, new TableEntity(partition, "n|" + i) { ["Title"] = "floor", ["Body"] = new string('x', 200) }),
            ], cancellationToken);
            if (i >= WarmUpEvents)
            {
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            await Task.Delay(options.LatencyGap, cancellationToken);
        }

        return (Percentiles.Of(samples, 50), Percentiles.Of(samples, 99));
    }
}
