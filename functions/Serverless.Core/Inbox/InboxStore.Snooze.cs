using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>What one wake-up attempt found.</summary>
public enum WakeOutcome
{
    /// <summary>The row was snoozed with that until and is back: unread, and counted unless archived.</summary>
    Woken,

    /// <summary>The entry no longer describes the row (unsnoozed, snoozed again to another time, deleted, expired): drop it.</summary>
    Stale,

    /// <summary>The row's until is still ahead (a clock behind the index): keep the entry for a later run.</summary>
    NotDue,
}

/// <summary>Woken: the item as it is now and the counter after it. Counted: it re-entered the counts (it is not archived).</summary>
public sealed record WakeResult(WakeOutcome Outcome, InboxItem? Item = null, InboxCounter? Counter = null, bool Counted = false);

/// <summary>
/// Snooze: the row gets Snoozed=true and SnoozedUntil, and leaves both counts (unless archived, when it was in neither).
/// The wake-up index entry is written before the row, so a crash in between leaves only a stale entry, never a snoozed
/// row that no timer will find. Every row change that moves a count commits with the counter in one transaction, both
/// ETag-guarded, under the user's lock, with the mark-read retries (the <see cref="SetArchivedAsync"/> pattern).
/// </summary>
public sealed partial class InboxStore
{
    private static readonly string[] SnoozeColumns = ["PartitionKey", "RowKey", "IsRead", "Archived", "Snoozed", "SnoozedUntil", "ExpiresAt"];

    // Properties a wake-up drops from the row (it is rewritten whole): the item is unread again and no longer snoozed.
    private static readonly HashSet<string> DroppedOnWake = new(StringComparer.Ordinal) { "PartitionKey", "RowKey", "Timestamp", "odata.etag", "ReadAt", "SnoozedUntil" };

    /// <summary>A snoozed item lives at least this long after its wake-up, whatever TTL it was delivered with.</summary>
    public static readonly TimeSpan SnoozedLifetimeAfterWake = TimeSpan.FromDays(1);

    private readonly TableClient _snoozes;

    /// <summary>The wake-up index (table inboxsnoozes).</summary>
    public TableClient SnoozeIndex => _snoozes;

    /// <summary>The clock the inbox reads (a test's fake one, too).</summary>
    internal TimeProvider Clock => _time;

    /// <summary>
    /// Snoozes one notification until <paramref name="until"/> (already validated and normalised); false when it does not
    /// exist (or is expired). Changed is false when it already was snoozed until exactly then (idempotent); snoozing it
    /// again to another time moves until and writes a new index entry (the old one turns stale and is dropped when due).
    /// </summary>
    public async Task<(bool Found, bool Changed, bool CountChanged, InboxCounter Counter)> SnoozeAsync(
        string tenantId, string userId, long seq, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        using var held = await LockAsync(pk, cancellationToken);
        var indexed = false;
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), SnoozeColumns, cancellationToken);
            if (entity is null || IsExpired(entity))
            {
                return (false, false, false, InboxCounter.Empty);
            }

            var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
            var wasSnoozed = entity.GetBoolean("Snoozed") == true;
            if (wasSnoozed && InboxSnoozeIndex.SameInstant(entity.GetDateTimeOffset("SnoozedUntil"), until))
            {
                return (true, false, false, counter);
            }

            if (!indexed)
            {
                // Before the row: an entry without its snooze is stale and harmless; a snooze without its entry would never wake.
                await _snoozes.UpsertEntityAsync(InboxSnoozeIndex.Entry(tenantId, userId, seq, until), TableUpdateMode.Replace, cancellationToken);
                indexed = true;
            }

            var update = new TableEntity(pk, entity.RowKey) { ["Snoozed"] = true, ["SnoozedUntil"] = until };

            // The TTL still applies while snoozed (the cleanup timer expires the row then); an item snoozed past it would
            // vanish instead of waking, so its TTL is pushed out to a day after the wake-up.
            if (entity.GetDateTimeOffset("ExpiresAt") is { } expires && expires < until + SnoozedLifetimeAfterWake)
            {
                update["ExpiresAt"] = until + SnoozedLifetimeAfterWake;
            }
            // Moving until changes no count; an archived row was in neither count.
            var next = wasSnoozed || entity.GetBoolean("Archived") == true
                ? counter
                : counter.LeaveUnseen([seq]) with { Unread = entity.GetBoolean("IsRead") != true ? Math.Max(0, counter.Unread - 1) : counter.Unread };
            try
            {
                var (_, countChanged, after) = await CommitRowChangeAsync(pk, new(TableTransactionActionType.UpdateMerge, update, entity.ETag), counter, next, cancellationToken);
                return (true, true, countChanged, after);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                await ConflictAsync(pk, ex, attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Brings a snoozed notification back now, in its current read state (no wake-up: it stays read if it was read, and is
    /// not added to the woken list); false when it does not exist. Changed is false when it was not snoozed (idempotent).
    /// The index entry is deleted best-effort afterwards; one left behind is stale and dropped when due.
    /// </summary>
    public async Task<(bool Found, bool Changed, bool CountChanged, InboxCounter Counter)> UnsnoozeAsync(
        string tenantId, string userId, long seq, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        using var held = await LockAsync(pk, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), SnoozeColumns, cancellationToken);
            if (entity is null || IsExpired(entity))
            {
                return (false, false, false, InboxCounter.Empty);
            }

            var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
            if (entity.GetBoolean("Snoozed") != true)
            {
                return (true, false, false, counter);
            }

            var update = new TableEntity(pk, entity.RowKey) { ["Snoozed"] = false };
            var next = entity.GetBoolean("Archived") == true
                ? counter
                : counter with
                {
                    Unread = entity.GetBoolean("IsRead") != true ? counter.Unread + 1 : counter.Unread,
                    Unseen = counter.IsUnseen(seq) ? counter.Unseen + 1 : counter.Unseen,
                };
            try
            {
                var (_, countChanged, after) = await CommitRowChangeAsync(pk, new(TableTransactionActionType.UpdateMerge, update, entity.ETag), counter, next, cancellationToken);
                if (entity.GetDateTimeOffset("SnoozedUntil") is { } until)
                {
                    await DeleteSnoozeEntryAsync(tenantId, userId, seq, until, cancellationToken);
                }

                return (true, true, countChanged, after);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                await ConflictAsync(pk, ex, attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The wake-up of one index entry: only if the row is still snoozed until exactly <paramref name="until"/> (else the
    /// entry is stale). The row is rewritten with Snoozed=false, IsRead=false (ReadAt dropped) and WokenAt, and unless it
    /// is archived the counter takes it back as unread and unseen (<see cref="InboxCounter.WakeUnseen"/>), in one
    /// transaction guarded by both ETags under the user's lock. A racing timer or a redelivery finds the row no longer
    /// snoozed, so the item wakes once.
    /// </summary>
    public async Task<WakeResult> WakeAsync(string tenantId, string userId, long seq, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        using var held = await LockAsync(pk, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), cancellationToken: cancellationToken);
            if (entity is null || IsExpired(entity) || entity.GetBoolean("Snoozed") != true
                || !InboxSnoozeIndex.SameInstant(entity.GetDateTimeOffset("SnoozedUntil"), until))
            {
                return new WakeResult(WakeOutcome.Stale);
            }

            var now = _time.GetUtcNow();
            if (until > now)
            {
                return new WakeResult(WakeOutcome.NotDue);
            }

            var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
            var row = new TableEntity(pk, entity.RowKey);
            foreach (var (name, value) in entity)
            {
                if (!DroppedOnWake.Contains(name))
                {
                    row[name] = value;
                }
            }

            row["Snoozed"] = false;
            row["IsRead"] = false;
            row["WokenAt"] = InboxSnoozeIndex.Normalize(now);
            var counted = entity.GetBoolean("Archived") != true;
            var next = counted ? counter.WakeUnseen(seq) with { Unread = counter.Unread + 1 } : counter;
            try
            {
                var (rowETag, _, after) = await CommitRowChangeAsync(pk, new(TableTransactionActionType.UpdateReplace, row, entity.ETag), counter, next, cancellationToken);
                row.ETag = rowETag;
                return new WakeResult(WakeOutcome.Woken, InboxItem.FromEntity(row), after, counted);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                await ConflictAsync(pk, ex, attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Deletes the index entry for this snooze, best-effort: only while it still names this until, and guarded by the
    /// entry's ETag, so an entry a newer snooze to the same minute has just written is kept.
    /// </summary>
    private async Task DeleteSnoozeEntryAsync(string tenantId, string userId, long seq, DateTimeOffset until, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await _snoozes.GetEntityOrDefaultAsync(InboxSnoozeIndex.DueMinute(until), InboxSnoozeIndex.RowKey(tenantId, userId, seq), cancellationToken: cancellationToken);
            if (entry is not null && InboxSnoozeIndex.SameInstant(entry.GetDateTimeOffset("Until"), until))
            {
                await _snoozes.DeleteEntityIfExistsAsync(entry.PartitionKey, entry.RowKey, entry.ETag, cancellationToken);
            }
        }
        catch (RequestFailedException)
        {
            // The unsnooze is committed; the timer drops a stale entry when it comes due.
        }
    }
}
