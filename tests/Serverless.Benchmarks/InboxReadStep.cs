using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Benchmarks;

/// <summary>
/// Step 5: a user with many notifications, seeded through InboxStore.DeliverManyAsync (the processor's coalesced write path
/// without the queue), then GET /api/v1/notifications?limit=20 for the first page and the tenth (nextCursor followed nine times),
/// interleaved so machine noise hits both alike.
/// </summary>
public static class InboxReadStep
{
    private const string User = "bench-reader";

    public static async Task<InboxReadResult> RunAsync(BenchmarkHost host, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var seedSeconds = await SeedAsync(host, options.InboxRows, cancellationToken);
        var token = host.Token(User);

        // Walk to the tenth page once; its cursor is then requested repeatedly.
        string? cursor = null;
        for (var page = 1; page < 10; page++)
        {
            var (items, next) = await ReadPageAsync(host, token, cursor, cancellationToken);
            cursor = next ?? throw new InvalidOperationException($"Page {page} of {items} items has no nextCursor; seed at least 200 rows.");
        }

        for (var i = 0; i < 5; i++)
        {
            await ReadPageAsync(host, token, null, cancellationToken);
            await ReadPageAsync(host, token, cursor, cancellationToken);
        }

        var first = new List<double>(options.InboxRepetitions);
        var tenth = new List<double>(options.InboxRepetitions);
        long firstRequests = 0, tenthRequests = 0;
        for (var i = 0; i < options.InboxRepetitions; i++)
        {
            firstRequests += await TimeAsync(host, token, null, first, cancellationToken);
            tenthRequests += await TimeAsync(host, token, cursor, tenth, cancellationToken);
        }

        // Worst cases for the recovery path: the oldest page unfiltered, and a filter that matches nothing on the whole inbox.
        var repetitions = Math.Max(10, options.InboxRepetitions / 4);
        var (unfilteredP50, unfilteredP99, unfilteredRequests) = await TimeQueryAsync(host, token, "afterSeq=0&limit=100", repetitions, cancellationToken);
        var (filteredP50, filteredP99, filteredRequests) = await TimeQueryAsync(host, token, "afterSeq=0&limit=1&type=no.such.type", repetitions, cancellationToken);
        var (newestFilteredP50, newestFilteredP99, newestFilteredRequests) = await TimeQueryAsync(host, token, "limit=20&type=no.such.type", repetitions, cancellationToken);
        var lists = await InboxListStep.RunAsync(host, User, options.InboxRows, Math.Max(10, options.InboxRepetitions / 8), cancellationToken);
        var markAll = await MarkAllReadAsync(host, options.MarkAllReadRows, cancellationToken);

        return new InboxReadResult(
            options.InboxRows,
            seedSeconds,
            options.InboxRepetitions,
            Percentiles.Of(first, 50),
            Percentiles.Of(first, 99),
            Percentiles.Of(tenth, 50),
            Percentiles.Of(tenth, 99),
            firstRequests / (double)options.InboxRepetitions,
            tenthRequests / (double)options.InboxRepetitions,
            repetitions,
            unfilteredP50,
            unfilteredP99,
            unfilteredRequests,
            filteredP50,
            filteredP99,
            filteredRequests,
            newestFilteredP50,
            newestFilteredP99,
            newestFilteredRequests,
            options.MarkAllReadRows,
            markAll.Milliseconds,
            markAll.TableRequests)
        {
            Lists = lists,
        };
    }

    /// <summary>p50, p99 and table requests per request of one query string, repeated.</summary>
    private static async Task<(double P50, double P99, double Requests)> TimeQueryAsync(
        BenchmarkHost host, string token, string query, int repetitions, CancellationToken cancellationToken)
    {
        var times = new List<double>(repetitions);
        var tableBefore = host.Requests.Table;
        for (var i = 0; i < repetitions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await host.SendAsUserAsync(HttpMethod.Get, "api/v1/notifications?" + query, token, cancellationToken);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET ?{query} returned {(int)response.StatusCode}.");
            }
        }

        return (Percentiles.Of(times, 50), Percentiles.Of(times, 99), (host.Requests.Table - tableBefore) / (double)repetitions);
    }

    /// <summary>A second user with <paramref name="rows"/> unread rows (written 100 per transaction), then one timed mark-all-read.</summary>
    private static async Task<(double Milliseconds, long TableRequests)> MarkAllReadAsync(BenchmarkHost host, int rows, CancellationToken cancellationToken)
    {
        const string user = "bench-mark-all";
        var table = host.Services.GetRequiredService<InboxStore>().Table;
        var pk = InboxKeys.Partition(BenchmarkHost.Tenant, user);
        var now = DateTimeOffset.UtcNow;
        var entities = Enumerable.Range(1, rows).Select(seq => new TableEntity(pk, InboxKeys.NotificationRowKey(seq))
        {
            ["EventId"] = "evt_seed_" + seq.ToString(CultureInfo.InvariantCulture),
            ["Type"] = "task.assigned",
            ["Title"] = "Seeded",
            ["Body"] = "",
            ["Priority"] = "normal",
            ["Channel"] = "web",
            ["IsRead"] = false,
            ["CreatedAt"] = now,
            ["ExpiresAt"] = now.AddDays(7),
        });
        foreach (var chunk in entities.Chunk(100))
        {
            await table.SubmitValidatedTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)).ToList(), cancellationToken);
        }

        await table.UpsertEntityAsync(new TableEntity(pk, InboxKeys.CounterRowKey) { ["Seq"] = (long)rows, ["Unread"] = rows, ["WindowPushes"] = 0, ["PushSuppressed"] = false }, cancellationToken: cancellationToken);

        var tableBefore = host.Requests.Table;
        var started = Stopwatch.GetTimestamp();
        using var response = await host.SendAsUserAsync(HttpMethod.Post, "api/v1/notifications/mark-all-read", host.Token(user), cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = JsonDocument.Parse(body);
        if (!response.IsSuccessStatusCode || document.RootElement.GetProperty("updated").GetInt32() != rows)
        {
            throw new InvalidOperationException($"mark-all-read returned {(int)response.StatusCode}: {body}");
        }

        return (elapsed, host.Requests.Table - tableBefore);
    }

    private static async Task<double> SeedAsync(BenchmarkHost host, int rows, CancellationToken cancellationToken)
    {
        var inbox = host.Services.GetRequiredService<InboxStore>();
        var started = Stopwatch.GetTimestamp();
        var now = DateTimeOffset.UtcNow;

        // One user's deliveries share a partition and a counter: coalesced, 49 events go in each transaction.
        var notifications = Enumerable.Range(0, rows).Select(i => new NewNotification(
            "evt_" + Guid.CreateVersion7().ToString("N"), "task.assigned", "New task: Seed " + i.ToString(CultureInfo.InvariantCulture),
            i % InboxListStep.RareEvery == 0 ? "You have been assigned the task \"Seed\" and its invoice." : "You have been assigned the task \"Seed\".", "normal", "web", null, now, now.AddDays(7), null, NeverThrottle: false)).ToArray();
        await inbox.DeliverManyAsync(BenchmarkHost.Tenant, User, notifications, cancellationToken);

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Times one page read and returns how many table requests the host made for it.</summary>
    private static async Task<long> TimeAsync(BenchmarkHost host, string token, string? cursor, List<double> into, CancellationToken cancellationToken)
    {
        var tableBefore = host.Requests.Table;
        var started = Stopwatch.GetTimestamp();
        await ReadPageAsync(host, token, cursor, cancellationToken);
        into.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return host.Requests.Table - tableBefore;
    }

    private static async Task<(int Items, string? NextCursor)> ReadPageAsync(BenchmarkHost host, string token, string? cursor, CancellationToken cancellationToken)
    {
        using var response = await host.GetInboxAsync(token, cursor, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Inbox read returned {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        var items = document.RootElement.GetProperty("items").GetArrayLength();
        if (items != 20)
        {
            throw new InvalidOperationException($"Expected a full page of 20 items, got {items}.");
        }

        return (items, document.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }
}
