using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;

namespace Serverless.Benchmarks;

/// <summary>
/// Step 5: a user with many notifications, seeded through InboxStore.DeliverAsync (the processor's write path without the
/// queue), then GET /api/v1/notifications?limit=20 for the first page and the tenth (nextCursor followed nine times),
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

        return new InboxReadResult(
            options.InboxRows,
            seedSeconds,
            options.InboxRepetitions,
            Percentiles.Of(first, 50),
            Percentiles.Of(first, 99),
            Percentiles.Of(tenth, 50),
            Percentiles.Of(tenth, 99),
            firstRequests / (double)options.InboxRepetitions,
            tenthRequests / (double)options.InboxRepetitions);
    }

    private static async Task<double> SeedAsync(BenchmarkHost host, int rows, CancellationToken cancellationToken)
    {
        var inbox = host.Services.GetRequiredService<InboxStore>();
        var started = Stopwatch.GetTimestamp();
        var now = DateTimeOffset.UtcNow;

        // One user's deliveries are serialised by InboxStore (one partition, one counter), so in order is as fast as it gets.
        for (var i = 0; i < rows; i++)
        {
            var notification = new NewNotification(
                "evt_" + Guid.CreateVersion7().ToString("N"), "task.assigned", "New task: Seed " + i.ToString(CultureInfo.InvariantCulture),
                "You have been assigned the task \"Seed\".", "normal", "web", null, now, now.AddDays(7), null, NeverThrottle: false);
            await inbox.DeliverAsync(BenchmarkHost.Tenant, User, notification, cancellationToken);
        }

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
