using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Benchmarks;

/// <summary>
/// Step 5, continued on the same seeded inbox: <c>q</c> search for a word every row has and for one in a row of 500
/// (the second scans the whole 5,000-item horizon for a short page), then <c>order=unread_first</c> on an inbox of the same
/// size whose newest <see cref="FreshUnread"/> are unread: the first page (the unread ones, then read ones in the same
/// request) and the tenth (deep in the read phase, through nine cursors). p50/p95 and table requests per page.
/// </summary>
public static class InboxListStep
{
    /// <summary>The word every seeded row's title has, and the one only every <see cref="RareEvery"/>th row's body has.</summary>
    public const string CommonWord = "task";

    public const string RareWord = "invoice";

    public const int RareEvery = 500;

    public const int FreshUnread = 15;

    public static async Task<InboxListResult> RunAsync(BenchmarkHost host, string user, int rows, int repetitions, CancellationToken cancellationToken)
    {
        var token = host.Token(user);
        var common = await TimeAsync(host, token, $"limit=20&q={CommonWord}", repetitions, cancellationToken);
        var rare = await TimeAsync(host, token, $"limit=20&q={RareWord}", repetitions, cancellationToken);

        // unread_first needs read rows to reach its read phase: a second user of the same size, written straight to the table
        // 100 rows per transaction (as the mark-all-read figure seeds), the newest FreshUnread unread and the rest read. Marking
        // the first user's 10,000 rows read instead (API or table merges) timed out on this loaded machine.
        var seedStarted = Stopwatch.GetTimestamp();
        const string unreadFirstUser = "bench-unread-first";
        await SeedReadInboxAsync(host, unreadFirstUser, rows, cancellationToken);
        var seedSeconds = Stopwatch.GetElapsedTime(seedStarted).TotalSeconds;
        token = host.Token(unreadFirstUser);

        const string unreadFirst = "limit=20&order=unread_first";
        var first = await TimeAsync(host, token, unreadFirst, repetitions, cancellationToken);
        var cursor = await CursorOfPageAsync(host, token, unreadFirst, 10, cancellationToken);
        var tenth = await TimeAsync(host, token, unreadFirst + "&cursor=" + Uri.EscapeDataString(cursor), repetitions, cancellationToken);

        return new InboxListResult(rows, repetitions, common, rare, seedSeconds, FreshUnread, first, tenth);
    }

    private static async Task SeedReadInboxAsync(BenchmarkHost host, string user, int rows, CancellationToken cancellationToken)
    {
        var table = host.Services.GetRequiredService<InboxStore>().Table;
        var pk = InboxKeys.Partition(BenchmarkHost.Tenant, user);
        var now = DateTimeOffset.UtcNow;
        var entities = Enumerable.Range(1, rows).Select(seq => new TableEntity(pk, InboxKeys.NotificationRowKey(seq))
        {
            ["EventId"] = "evt_seed_" + seq.ToString(CultureInfo.InvariantCulture),
            ["Type"] = "task.assigned",
            ["Title"] = "New task: Seed " + seq.ToString(CultureInfo.InvariantCulture),
            ["Body"] = "You have been assigned the task \"Seed\".",
            ["Priority"] = "normal",
            ["Channel"] = "web",
            ["IsRead"] = seq <= rows - FreshUnread,
            ["CreatedAt"] = now,
            ["ExpiresAt"] = now.AddDays(7),
        });
        foreach (var chunk in entities.Chunk(100))
        {
            await table.SubmitValidatedTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)).ToList(), cancellationToken);
        }

        await table.UpsertEntityAsync(new TableEntity(pk, InboxKeys.CounterRowKey)
        {
            ["Seq"] = (long)rows, ["Unread"] = FreshUnread, ["WindowPushes"] = 0, ["PushSuppressed"] = false,
        }, cancellationToken: cancellationToken);
    }

    /// <summary>The cursor that asks for page <paramref name="page"/>, following nextCursor from the first.</summary>
    private static async Task<string> CursorOfPageAsync(BenchmarkHost host, string token, string query, int page, CancellationToken cancellationToken)
    {
        string? cursor = null;
        for (var i = 1; i < page; i++)
        {
            var (_, next) = await GetAsync(host, token, query + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken);
            cursor = next ?? throw new InvalidOperationException($"?{query}: page {i} has no nextCursor.");
        }

        return cursor!;
    }

    private static async Task<InboxListFigure> TimeAsync(BenchmarkHost host, string token, string query, int repetitions, CancellationToken cancellationToken)
    {
        var (items, next) = await GetAsync(host, token, query, cancellationToken); // warm-up, and what the page holds
        var times = new List<double>(repetitions);
        var tableBefore = host.Requests.Table;
        for (var i = 0; i < repetitions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await GetAsync(host, token, query, cancellationToken);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return new InboxListFigure(Percentiles.Of(times, 50), Percentiles.Of(times, 95), (host.Requests.Table - tableBefore) / (double)repetitions, items, next is not null);
    }

    private static async Task<(int Items, string? NextCursor)> GetAsync(BenchmarkHost host, string token, string query, CancellationToken cancellationToken)
    {
        using var response = await host.SendAsUserAsync(HttpMethod.Get, "api/v1/notifications?" + query, token, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET ?{query} returned {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        var next = document.RootElement.GetProperty("nextCursor");
        return (document.RootElement.GetProperty("items").GetArrayLength(), next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }
}

/// <summary>One page shape, repeated: p50/p95 in ms, table requests per page (membership check included), and what the page held.</summary>
public sealed record InboxListFigure(double P50Ms, double P95Ms, double TableRequestsPerPage, int Items, bool HasNextCursor);

/// <summary>q search and order=unread_first on the step-5 inbox of <see cref="Rows"/> notifications.</summary>
public sealed record InboxListResult(
    int Rows,
    int Repetitions,
    InboxListFigure SearchCommonWord,
    InboxListFigure SearchRareWord,
    double UnreadFirstSeedSeconds,
    int FreshUnread,
    InboxListFigure UnreadFirstFirstPage,
    InboxListFigure UnreadFirstTenthPage);
