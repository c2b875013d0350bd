using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.Core.Notifications;
using Serverless.Core.Realtime;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>What one wake-up run did.</summary>
public sealed record SnoozeWakeUpRun(int Entries, int Woken, int Stale, int Kept, bool More);

/// <summary>
/// Timer work, every minute: brings back snoozed notifications that are due. It reads the wake-up index partitions up to
/// the current minute (only due entries live there, oldest first) in pages of <see cref="PageSize"/>, at most
/// <see cref="MaxEntriesPerRun"/> entries or <see cref="TimeBudget"/> per run (what is left waits for the next minute).
/// Each entry: wake the row (<see cref="InboxStore.WakeAsync"/>), push, then delete the entry under its ETag. A crash or
/// a racing run in between leaves an entry whose row is no longer snoozed with that until: the next run finds it stale
/// and only deletes it, so every item wakes (and is pushed) at most once.
/// </summary>
public sealed class SnoozeWakeUp(InboxStore inbox, IRealtimeSender realtime, TimeProvider time, ILogger<SnoozeWakeUp> logger)
{
    public const int PageSize = 100;
    public const int MaxEntriesPerRun = 2000;
    public const int Parallelism = 8;

    /// <summary>Real time a run may spend before it stops taking pages, well inside the one-minute schedule.</summary>
    public static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(40);

    public async Task<SnoozeWakeUpRun> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var filter = TableClient.CreateQueryFilter($"PartitionKey le {InboxSnoozeIndex.CurrentMinute(time.GetUtcNow())}");
        int entries = 0, woken = 0, stale = 0, kept = 0;
        string? continuation = null;
        do
        {
            var page = await inbox.SnoozeIndex.QueryPageAsync(filter, null, PageSize, continuation, cancellationToken);
            continuation = page.ContinuationToken;
            entries += page.Items.Count;
            await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (entry, ct) =>
            {
                switch (await WakeEntryAsync(entry, ct))
                {
                    case WakeOutcome.Woken:
                        Interlocked.Increment(ref woken);
                        break;
                    case WakeOutcome.Stale:
                        Interlocked.Increment(ref stale);
                        break;
                    default:
                        Interlocked.Increment(ref kept);
                        break;
                }
            });
        }
        while (continuation is not null && entries < MaxEntriesPerRun && Stopwatch.GetElapsedTime(started) < TimeBudget);

        if (woken > 0 || continuation is not null)
        {
            logger.LogInformation("Snooze wake-up: {Woken} woken, {Stale} stale, {Kept} kept of {Entries} entries; more left: {More}", woken, stale, kept, entries, continuation is not null);
        }

        return new SnoozeWakeUpRun(entries, woken, stale, kept, continuation is not null);
    }

    /// <summary>One entry; never throws for storage trouble (the entry stays for the next run). NotDue stands for kept.</summary>
    private async Task<WakeOutcome> WakeEntryAsync(TableEntity entry, CancellationToken cancellationToken)
    {
        try
        {
            if (entry.GetString("Tenant") is not { } tenantId || entry.GetString("User") is not { } userId
                || entry.GetInt64("Seq") is not { } seq || entry.GetDateTimeOffset("Until") is not { } until)
            {
                await DeleteEntryAsync(entry, cancellationToken);
                return WakeOutcome.Stale;
            }

            var result = await inbox.WakeAsync(tenantId, userId, seq, until, cancellationToken);
            if (result.Outcome == WakeOutcome.Woken)
            {
                await PushAsync(tenantId, userId, result, cancellationToken);
            }

            if (result.Outcome != WakeOutcome.NotDue)
            {
                await DeleteEntryAsync(entry, cancellationToken);
            }

            return result.Outcome;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Contention that outlasted the retries, or storage trouble: the entry stays and the next run tries again.
            logger.LogWarning(ex, "Snooze wake-up of {RowKey} failed; retrying next run", entry.RowKey);
            return WakeOutcome.NotDue;
        }
    }

    /// <summary>Under the entry's ETag: a re-snooze to the same minute has replaced it, and that entry must stay.</summary>
    private async Task DeleteEntryAsync(TableEntity entry, CancellationToken cancellationToken)
    {
        try
        {
            await inbox.SnoozeIndex.DeleteEntityIfExistsAsync(entry.PartitionKey, entry.RowKey, entry.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Rewritten since this run read it: it belongs to a newer snooze and is handled when due.
        }
    }

    /// <summary>After the commit: a woken item arrives like a delivery; an archived one only tells other tabs it left the snoozed list.</summary>
    private async Task PushAsync(string tenantId, string userId, WakeResult result, CancellationToken cancellationToken)
    {
        var user = RealtimeUser.Id(tenantId, userId);
        var item = result.Item!;
        var counter = result.Counter!;
        if (result.Counted)
        {
            await SendQuietlyAsync(RealtimeMessage.ToUser(user, "notificationCreated", item), cancellationToken);
            await SendQuietlyAsync(RealtimeMessage.ToUser(user, "unreadCountChanged", new UnreadCountChangedMessage(counter.Unread, counter.Seq)), cancellationToken);
            await SendQuietlyAsync(RealtimeMessage.ToUser(user, "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq)), cancellationToken);
        }
        else
        {
            await SendQuietlyAsync(RealtimeMessage.ToUser(user, "notificationsUpdated",
                new NotificationsUpdatedMessage([item.Id], "unsnoozed", new InboxCounts(counter.Unread, counter.Unseen), counter.Seq)), cancellationToken);
        }
    }

    private async Task SendQuietlyAsync(RealtimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await realtime.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Realtime is a hint: the row is committed and the next read shows it.
            logger.LogWarning(ex, "Real-time {Target} after a snooze wake-up failed", message.Target);
        }
    }
}
