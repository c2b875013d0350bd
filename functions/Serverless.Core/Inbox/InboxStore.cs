using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Serverless.Core.Hosting;
using Serverless.Core.Http;
using Serverless.Core.Notifications;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>What happened to one delivery.</summary>
public enum DeliveryStatus
{
    Delivered,
    AlreadyDelivered,
}

/// <summary>The committed notification and the counter after it, plus whether it may be pushed now.</summary>
/// <remarks>MarkerPublishHash: for an event already delivered with an Idempotency-Key, the hash of the publish that delivered it.</remarks>
public sealed record DeliveryResult(DeliveryStatus Status, InboxItem? Item, InboxCounter Counter, bool Push, bool SuppressionStarted, string? MarkerPublishHash = null);

/// <summary>
/// The per-user inbox in Table storage. Every change to one user is one entity group transaction in that user's partition,
/// guarded by the counter row's ETag, so concurrent processors, replays and readers never double-count or lose a row.
/// </summary>
public sealed partial class InboxStore
{
    private const int MaxAttempts = 10;
    private const int CounterCacheLimit = 100_000;

    private readonly TableClient _table;
    private readonly TimeProvider _time;
    private readonly NotificationOptions _options;

    // Counter rows this instance wrote last. A stale entry costs one 412 and a re-read; a hit saves the read,
    // which is what keeps a delivery at one storage transaction.
    private readonly ConcurrentDictionary<string, InboxCounter> _counters = new(StringComparer.Ordinal);

    // Whether cache misses lately were brand-new users (no counter row yet). At or above zero, a miss skips the counter
    // read and inserts the counter optimistically: one transaction for a new user instead of two, three for an
    // existing one. The score follows what misses turn out to be, so the cheaper strategy wins for the traffic at hand.
    private int _newUserScore;

    // Serialises every counter write to the same user inside this process (deliveries, reads, deletes) so they never fight
    // over the counter ETag here; only writers in other instances can still race, and those back off with jitter.
    // Deliveries waiting for their user's lock, per partition, in arrival order: the lock holder commits them together.
    private readonly Dictionary<string, List<PendingDelivery>> _pending = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public InboxStore(StorageAccount account, TimeProvider time, IOptions<NotificationOptions> options)
    {
        _table = account.GetTableClient(StorageNames.InboxTable);
        _snoozes = account.GetTableClient(StorageNames.InboxSnoozeTable);
        _time = time;
        _options = options.Value;
    }

    public TableClient Table => _table;

    /// <summary>Delivers one notification; concurrent deliveries to the same user in this instance share one transaction.</summary>
    public async Task<DeliveryResult> DeliverAsync(string tenantId, string userId, NewNotification notification, CancellationToken cancellationToken) =>
        (await DeliverManyAsync(tenantId, userId, [notification], cancellationToken))[0];

    /// <summary>
    /// Delivers notifications to one user in the order given (and after any already waiting for that user), coalesced:
    /// while one delivery holds the user's lock, the others queue up, and the holder commits up to
    /// <see cref="MaxEventsPerTransaction"/> of them in one entity group transaction (the counter once, then each event's
    /// marker and row). A marker that exists already (redelivery, a racing processor) drops just that event as
    /// <see cref="DeliveryStatus.AlreadyDelivered"/>; an event the service refuses fails alone; the rest commit.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryResult>> DeliverManyAsync(
        string tenantId, string userId, IReadOnlyList<NewNotification> notifications, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        var mine = notifications.Select(n => new PendingDelivery(n)).ToArray();
        lock (_pending)
        {
            if (!_pending.TryGetValue(pk, out var queue))
            {
                _pending[pk] = queue = [];
            }

            queue.AddRange(mine);
        }

        try
        {
            using (await LockAsync(pk, cancellationToken))
            {
                // Entries still waiting are in the queue: a holder completes everything it takes before it lets go.
                while (mine.Any(p => !p.Result.Task.IsCompleted))
                {
                    List<PendingDelivery> batch;
                    lock (_pending)
                    {
                        var queue = _pending[pk];
                        var take = Math.Min(MaxEventsPerTransaction, queue.Count);
                        batch = queue.GetRange(0, take);
                        queue.RemoveRange(0, take);
                        if (queue.Count == 0)
                        {
                            _pending.Remove(pk);
                        }
                    }

                    await CommitAsync(pk, batch, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Gave up waiting for the lock: take back what nobody has started on.
            lock (_pending)
            {
                if (_pending.TryGetValue(pk, out var queue))
                {
                    queue.RemoveAll(p => mine.Contains(p));
                    if (queue.Count == 0)
                    {
                        _pending.Remove(pk);
                    }
                }
            }

            throw;
        }

        return await Task.WhenAll(mine.Select(p => p.Result.Task));
    }

    /// <summary>Events per delivery transaction: the counter and a marker and a row each, within the 100-operation limit.</summary>
    public const int MaxEventsPerTransaction = 49;

    /// <summary>Commits a batch for one user; completes every entry (result or exception) and never throws.</summary>
    private async Task CommitAsync(string pk, List<PendingDelivery> batch, CancellationToken cancellationToken)
    {
        var live = batch;
        var mayGuessNew = true;
        try
        {
            for (var attempt = 1; live.Count > 0; attempt++)
            {
                InboxCounter counter;
                var guessedNew = false;
                if (_counters.TryGetValue(pk, out var cached))
                {
                    counter = cached;
                }
                else if (mayGuessNew && Volatile.Read(ref _newUserScore) >= 0)
                {
                    // Recent cache misses were mostly brand-new users: skip the read and insert the counter. If it
                    // exists after all, the transaction fails on it and we fall back to reading it.
                    counter = InboxCounter.Empty;
                    guessedNew = true;
                }
                else
                {
                    counter = await ReadCounterAsync(pk, cancellationToken);
                    AdjustNewUserScore(counter.ETag is null ? +1 : -1);
                }

                var now = _time.GetUtcNow();
                var next = counter;
                var rows = new List<(TableEntity Row, bool Push, bool SuppressionStarted)>(live.Count);
                var actions = new List<TableTransactionAction>(1 + 2 * live.Count) { default! };
                foreach (var pending in live)
                {
                    var notification = pending.Notification;
                    var seq = next.Seq + 1;
                    var (push, decided) = DecidePush(next, now, notification.NeverThrottle);
                    var suppressionStarted = !push && !next.PushSuppressed;
                    next = decided with { Seq = seq, Unread = next.Unread + 1, Unseen = next.Unseen + 1, PushSuppressed = decided.PushSuppressed || !push };
                    var row = NewRow(pk, seq, notification);
                    var marker = new TableEntity(pk, InboxKeys.MarkerRowKey(notification.EventId)) { ["Seq"] = seq, ["ExpiresAt"] = notification.ExpiresAt };
                    if (notification.PublishHash is not null)
                    {
                        marker["PublishHash"] = notification.PublishHash;
                    }

                    actions.Add(new(TableTransactionActionType.Add, marker));
                    actions.Add(new(TableTransactionActionType.Add, row));
                    rows.Add((row, push, suppressionStarted));
                }

                // The counter goes first: a guessed-new user who exists fails on it before any row could collide.
                actions[0] = counter.ETag is null
                    ? new(TableTransactionActionType.Add, next.ToEntity(pk))
                    : new(TableTransactionActionType.UpdateMerge, next.ToEntity(pk), counter.ETag.Value);

                try
                {
                    var etags = await _table.SubmitValidatedTransactionAsync(actions, cancellationToken);
                    if (guessedNew)
                    {
                        AdjustNewUserScore(+1);
                    }

                    var committed = next with { ETag = etags[0] };
                    Remember(pk, committed);
                    for (var i = 0; i < live.Count; i++)
                    {
                        rows[i].Row.ETag = etags[2 + 2 * i];
                        live[i].Result.TrySetResult(new DeliveryResult(DeliveryStatus.Delivered, InboxItem.FromEntity(rows[i].Row), committed, rows[i].Push, rows[i].SuppressionStarted));
                    }

                    return;
                }
                catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex is >= 1 and var index && index < actions.Count)
                {
                    // One event's marker or row failed; nothing committed. Settle that event alone and go again with the rest.
                    var failed = live[(index - 1) / 2];
                    live = live.Where(p => p != failed).ToList();
                    if ((index - 1) % 2 == 0 && ex.Status == 409)
                    {
                        // Its marker exists: delivered before (a redelivery, or a processor racing this one).
                        failed.Result.TrySetResult(await AlreadyDeliveredAsync(pk, failed.Notification, counter, cancellationToken));
                    }
                    else
                    {
                        failed.Result.TrySetException(ex);
                    }
                }
                catch (TableTransactionFailedException ex) when (guessedNew && ex.FailedTransactionActionIndex == 0 && ex.Status == 409)
                {
                    // The user was not new: their counter exists. Read it and go again; lean towards reading first.
                    AdjustNewUserScore(-2);
                    mayGuessNew = false;
                }
                catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
                {
                    // Someone else moved the counter (another instance, the cleanup timer): start again from a fresh one.
                    _counters.TryRemove(pk, out _);
                    await BackoffAsync(attempt, cancellationToken);
                }
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in live)
            {
                pending.Result.TrySetException(ex);
            }
        }
    }

    private async Task<DeliveryResult> AlreadyDeliveredAsync(string pk, NewNotification notification, InboxCounter counter, CancellationToken cancellationToken)
    {
        // Only a publish with an Idempotency-Key needs to know what the first one carried (to refuse a different body).
        string? publishHash = null;
        if (notification.PublishHash is not null)
        {
            var marker = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.MarkerRowKey(notification.EventId), ["PublishHash"], cancellationToken);
            publishHash = marker?.GetString("PublishHash");
        }

        return new DeliveryResult(DeliveryStatus.AlreadyDelivered, null, counter, false, false, publishHash);
    }

    private static TableEntity NewRow(string pk, long seq, NewNotification notification)
    {
        var row = new TableEntity(pk, InboxKeys.NotificationRowKey(seq))
        {
            ["EventId"] = notification.EventId,
            ["Type"] = notification.Type,
            ["Title"] = notification.Title,
            ["Body"] = notification.Body,
            ["Priority"] = notification.Priority,
            ["Channel"] = notification.Channel,
            ["IsRead"] = false,
            ["Archived"] = false,
            ["CreatedAt"] = notification.CreatedAt,
            ["ExpiresAt"] = notification.ExpiresAt,
        };
        if (notification.DataJson is not null)
        {
            row.SetLongString("Data", notification.DataJson);
        }

        if (notification.DedupeKey is not null)
        {
            row["DedupeKey"] = notification.DedupeKey;
        }

        return row;
    }

    private sealed class PendingDelivery(NewNotification notification)
    {
        public NewNotification Notification { get; } = notification;

        public TaskCompletionSource<DeliveryResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Sliding one-minute window per user; critical notifications always push.</summary>
    private (bool Push, InboxCounter Next) DecidePush(InboxCounter counter, DateTimeOffset now, bool neverThrottle)
    {
        if (now - counter.WindowStart >= TimeSpan.FromMinutes(1))
        {
            return (true, counter with { WindowStart = now, WindowPushes = 1 });
        }

        if (counter.WindowPushes < _options.MaxPushesPerUserPerMinute)
        {
            return (true, counter with { WindowPushes = counter.WindowPushes + 1 });
        }

        return (neverThrottle, counter);
    }

    public async Task<InboxCounter> ReadCounterAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(partitionKey, InboxKeys.CounterRowKey, cancellationToken: cancellationToken);
        var counter = entity is null ? InboxCounter.Empty : InboxCounter.FromEntity(entity);
        if (entity is not null)
        {
            Remember(partitionKey, counter);
        }

        return counter;
    }

    /// <summary>
    /// The counter this instance last wrote, else a read. Writers guard it with its ETag, so a stale copy costs one
    /// 412 (after which the caller forgets it and comes back here for a fresh read), never a wrong count.
    /// </summary>
    private async Task<InboxCounter> CachedOrReadCounterAsync(string partitionKey, CancellationToken cancellationToken) =>
        _counters.TryGetValue(partitionKey, out var cached) ? cached : await ReadCounterAsync(partitionKey, cancellationToken);

    public async Task<InboxItem?> GetAsync(string tenantId, string userId, long seq, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(InboxKeys.Partition(tenantId, userId), InboxKeys.NotificationRowKey(seq), cancellationToken: cancellationToken);
        return entity is null || IsExpired(entity) ? null : InboxItem.FromEntity(entity);
    }

    /// <summary>
    /// Newest first, at or below <paramref name="fromSeq"/>: one range query over at most <see cref="ScanWindow"/> sequence
    /// numbers with the filter applied by the service and <c>$top</c> = limit + 1, so the work is bounded whatever the data.
    /// A page that comes back short (filtered-out, deleted or expired rows) still names where to go on:
    /// <c>ContinueBelowSeq</c> (null at the oldest end).
    /// </summary>
    public async Task<(IReadOnlyList<InboxItem> Items, long? ContinueBelowSeq)> ListNewestFirstAsync(
        string tenantId, string userId, InboxFilter filter, long fromSeq, int limit, CancellationToken cancellationToken)
    {
        if (fromSeq < 1)
        {
            return ([], null);
        }

        var pk = InboxKeys.Partition(tenantId, userId);
        var low = Math.Max(1, fromSeq - ScanWindow + 1);
        var query = RangeFilter(pk, low, fromSeq) + filter.ToODataSuffix();
        var (entities, more) = await _table.QueryLimitAsync(query, null, limit, cancellationToken);
        var items = entities.Select(InboxItem.FromEntity).ToArray();
        long? next = more ? items[^1].Seq : low > 1 ? low : null;
        return (items, next);
    }

    /// <summary>
    /// Oldest first after <paramref name="afterSeq"/>. Sequence numbers are dense per user, so a window of sequence numbers
    /// is a bounded key range; rows deleted, expired or filtered out inside it are simply not there. At most three
    /// requests whatever the data (the counter and two range queries), never a loop with the partition:
    /// unfiltered, the window is <paramref name="limit"/> sequence numbers, and a short page looks ahead with one key-only
    /// query over <see cref="ScanWindow"/> so that a long run of deleted rows costs one poll, not many; filtered, one
    /// key-only query over <see cref="ScanWindow"/> finds the matching keys and one more fetches the oldest
    /// <paramref name="limit"/> of them. ScannedTo is the afterSeq to ask from next.
    /// </summary>
    public async Task<(IReadOnlyList<InboxItem> Items, long ScannedTo, InboxCounter Counter)> ListAfterSeqAsync(
        string tenantId, string userId, InboxFilter filter, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);

        // Read before the range: every row up to counter.Seq is committed (same transaction), so ScannedTo never passes a row still to come.
        var counter = await ReadCounterAsync(pk, cancellationToken);
        if (afterSeq >= counter.Seq)
        {
            return ([], afterSeq, counter);
        }

        var low = afterSeq + 1;
        var suffix = filter.ToODataSuffix();
        if (filter.IsNone)
        {
            var high = Math.Min(counter.Seq, afterSeq + limit);
            var rows = await QueryRangeAsync(RangeFilter(pk, low, high), null, cancellationToken);
            var items = rows.Select(InboxItem.FromEntity).Reverse().ToList();
            var scannedTo = high;
            if (items.Count < limit && high < counter.Seq)
            {
                var aheadTo = Math.Min(counter.Seq, high + ScanWindow);
                var ahead = await QueryRangeAsync(RangeFilter(pk, high + 1, aheadTo), ["RowKey"], cancellationToken);

                // Keys come newest first: the last is the next row that exists; the next page starts just before it.
                scannedTo = ahead.Count == 0 ? aheadTo : InboxKeys.SeqFromRowKey(ahead[^1].RowKey) - 1;
            }

            return (items, scannedTo, counter);
        }

        var windowHigh = Math.Min(counter.Seq, afterSeq + ScanWindow);
        var keys = await QueryRangeAsync(RangeFilter(pk, low, windowHigh) + suffix, ["RowKey"], cancellationToken);
        if (keys.Count == 0)
        {
            return ([], windowHigh, counter);
        }

        // The page ends at the limit-th oldest match (keys are newest first), or at the window's end when fewer match.
        var pageHigh = keys.Count > limit ? InboxKeys.SeqFromRowKey(keys[^limit].RowKey) : windowHigh;
        var matches = await QueryRangeAsync(RangeFilter(pk, low, pageHigh) + suffix, null, cancellationToken);
        var page = matches.Select(InboxItem.FromEntity).Reverse().Take(limit).ToList();
        return (page, pageHigh, counter);
    }

    /// <summary>Sequence numbers one list request looks at, at most: bounds the service's scan and what comes back.</summary>
    public const int ScanWindow = 1000;

    private string RangeFilter(string pk, long lowSeq, long highSeq) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {InboxKeys.NotificationRowKey(highSeq)} and RowKey le {InboxKeys.NotificationRowKey(lowSeq)} and ExpiresAt gt {_time.GetUtcNow()}");

    /// <summary>Every row of a key range holding at most <see cref="ScanWindow"/> rows: one request, unless the service cuts a page short.</summary>
    private async Task<List<TableEntity>> QueryRangeAsync(string filter, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        string? continuation = null;
        do
        {
            var page = await _table.QueryPageAsync(filter, select, ScanWindow, continuation, cancellationToken);
            rows.AddRange(page.Items);
            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        return rows;
    }

    /// <summary>Marks one notification read; false when it does not exist (or is expired). Returns the counter after the change.</summary>
    public async Task<(bool Found, bool Changed, InboxCounter Counter)> MarkReadAsync(string tenantId, string userId, long seq, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        using var held = await LockAsync(pk, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), ["PartitionKey", "RowKey", "IsRead", "Archived", "Snoozed", "ExpiresAt"], cancellationToken);
            if (entity is null || IsExpired(entity))
            {
                return (false, false, InboxCounter.Empty);
            }

            var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
            if (entity.GetBoolean("IsRead") == true)
            {
                return (true, false, counter);
            }

            var update = new TableEntity(pk, entity.RowKey) { ["IsRead"] = true, ["ReadAt"] = _time.GetUtcNow() };

            // An archived or snoozed row is not in the unread count; the counter is still written (with its ETag) so the
            // row's state and the count cannot drift apart under a racing archive/unarchive, snooze or wake-up.
            var next = entity.GetBoolean("Archived") == true || entity.GetBoolean("Snoozed") == true ? counter : counter with { Unread = Math.Max(0, counter.Unread - 1) };
            try
            {
                var etags = await _table.SubmitValidatedTransactionAsync(
                [
                    new(TableTransactionActionType.UpdateMerge, update, entity.ETag),
                    new(TableTransactionActionType.UpdateMerge, CounterUpdate(pk, next), counter.ETag ?? ETag.All),
                ], cancellationToken);
                next = next with { ETag = etags[1] };
                Remember(pk, next);
                return (true, true, next);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                await ConflictAsync(pk, ex, attempt, cancellationToken);
            }
        }
    }

    /// <summary>Deletes one notification (adjusting the unread count); false when it does not exist.</summary>
    public async Task<(bool Found, InboxCounter Counter)> DeleteAsync(string tenantId, string userId, long seq, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        using var held = await LockAsync(pk, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), ["PartitionKey", "RowKey", "IsRead", "Archived", "Snoozed", "ExpiresAt"], cancellationToken);
            if (entity is null || IsExpired(entity))
            {
                return (false, InboxCounter.Empty);
            }

            var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
            var counted = entity.GetBoolean("Archived") != true && entity.GetBoolean("Snoozed") != true;
            var wasUnread = entity.GetBoolean("IsRead") != true && counted;
            var wasUnseen = counter.IsUnseen(seq) && counted;
            var next = (wasUnseen ? counter.LeaveUnseen([seq]) : counter) with
            {
                Unread = wasUnread ? Math.Max(0, counter.Unread - 1) : counter.Unread,
            };
            try
            {
                var (_, _, after) = await CommitRowChangeAsync(pk, new(TableTransactionActionType.Delete, entity, entity.ETag), counter, next, cancellationToken);
                return (true, after);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                await ConflictAsync(pk, ex, attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Archives or unarchives one notification; false when it does not exist (or is expired). Changed is false when it
    /// already was in that state (idempotent). An unread row leaves (or re-enters) the unread count in the same
    /// transaction, guarded by both ETags, under the user's lock, with the same jittered retries as mark-read.
    /// </summary>
    public async Task<(bool Found, bool Changed, bool CountChanged, InboxCounter Counter)> SetArchivedAsync(string tenantId, string userId, long seq, bool archived, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        using var held = await LockAsync(pk, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), ["PartitionKey", "RowKey", "IsRead", "Archived", "Snoozed", "ExpiresAt"], cancellationToken);
            if (entity is null || IsExpired(entity))
            {
                return (false, false, false, InboxCounter.Empty);
            }

            var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
            if ((entity.GetBoolean("Archived") == true) == archived)
            {
                return (true, false, false, counter);
            }

            var update = new TableEntity(pk, entity.RowKey) { ["Archived"] = archived };
            if (archived)
            {
                update["ArchivedAt"] = _time.GetUtcNow();
            }

            var unread = entity.GetBoolean("IsRead") != true;

            // A snoozed row is in neither count, archived or not. Archiving a woken one also takes it off the woken list,
            // so unarchiving it later brings it back seen (it is at or below the watermark).
            var next = entity.GetBoolean("Snoozed") == true ? counter
                : archived ? counter.LeaveUnseen([seq]) with { Unread = unread ? Math.Max(0, counter.Unread - 1) : counter.Unread }
                : counter with { Unread = unread ? counter.Unread + 1 : counter.Unread, Unseen = counter.IsUnseen(seq) ? counter.Unseen + 1 : counter.Unseen };
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
    /// Commits one row change and, when the counts move, the counter with it: one entity group transaction, the row under
    /// its ETag and the counter under its own, so a row's state and the counts never drift apart. A lost race throws the
    /// service's 404/412 for the caller's <see cref="ConflictAsync"/> retry.
    /// </summary>
    private async Task<(ETag RowETag, bool CountChanged, InboxCounter Counter)> CommitRowChangeAsync(
        string pk, TableTransactionAction rowChange, InboxCounter counter, InboxCounter next, CancellationToken cancellationToken)
    {
        if (next == counter)
        {
            var etag = (await _table.SubmitValidatedTransactionAsync([rowChange], cancellationToken))[0];
            return (etag, false, counter);
        }

        var etags = await _table.SubmitValidatedTransactionAsync(
            [rowChange, new(TableTransactionActionType.UpdateMerge, CounterUpdate(pk, next), counter.ETag ?? ETag.All)], cancellationToken);
        next = next with { ETag = etags[1] };
        Remember(pk, next);
        return (etags[0], true, next);
    }

    /// <summary>
    /// Marks everything up to <paramref name="upToSeq"/> (at most the latest seq) seen by moving the counter's watermark.
    /// Unseen is recounted over the smaller of the two key ranges, (old watermark, upToSeq] or (upToSeq, Seq], with one
    /// key-only query: nothing when the bell is opened at the latest seq, and never more than the gap the client left.
    /// The commit is the counter alone, guarded by its ETag, under the user's lock, with the mark-read retries.
    /// Changed is false when the watermark was already there or past it (idempotent; it never moves back).
    /// </summary>
    public async Task<(bool Changed, InboxCounter Counter)> MarkSeenAsync(string tenantId, string userId, long upToSeq, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        using var held = await LockAsync(pk, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            // A fresh read: the watermark must not pass a seq another instance delivered but this one has not cached.
            var counter = await ReadCounterAsync(pk, cancellationToken);
            var target = Math.Min(upToSeq, counter.Seq);
            InboxCounter next;
            if (target <= counter.SeenUpToSeq)
            {
                // The watermark stays, but woken items it covers are seen now.
                next = counter.WithWokenSeen(target, _time.GetUtcNow());
                if (next == counter)
                {
                    return (false, counter);
                }
            }
            else
            {
                int unseen;
                if (target == counter.Seq)
                {
                    unseen = 0;
                }
                else if (target - counter.SeenUpToSeq <= counter.Seq - target)
                {
                    // Unseen holds the woken items too, all below the old watermark: they are seen now as well.
                    unseen = counter.Unseen - counter.WokenSeqs().Count - await CountNotArchivedAsync(pk, counter.SeenUpToSeq + 1, target, cancellationToken);
                }
                else
                {
                    unseen = await CountNotArchivedAsync(pk, target + 1, counter.Seq, cancellationToken);
                }

                next = counter.WithSeen(target, unseen, _time.GetUtcNow());
            }

            try
            {
                var etag = (await _table.UpdateEntityAsync(CounterUpdate(pk, next), counter.ETag ?? ETag.All, TableUpdateMode.Merge, cancellationToken)).NewETag();
                next = next with { ETag = etag };
                Remember(pk, next);
                return (true, next);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                await ConflictAsync(pk, ex, attempt, cancellationToken);
            }
        }
    }

    /// <summary>Rows in the seq range that are neither archived nor snoozed, expired ones included (they stay counted until cleanup removes them).</summary>
    private async Task<int> CountNotArchivedAsync(string pk, long lowSeq, long highSeq, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {InboxKeys.NotificationRowKey(highSeq)} and RowKey le {InboxKeys.NotificationRowKey(lowSeq)} and not (Archived eq {true}) and not (Snoozed eq {true})");
        var count = 0;
        string? continuation = null;
        do
        {
            var page = await _table.QueryPageAsync(filter, ["RowKey"], ScanWindow, continuation, cancellationToken);
            count += page.Items.Count;
            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        return count;
    }

    /// <summary>
    /// After a lost ETag race: forget the cached counter and wait a random, growing while (full jitter) before the next
    /// attempt, so writers from other instances spread out instead of colliding again; after
    /// <see cref="MaxAttempts"/> the caller gets 503 INBOX_BUSY with Retry-After, never a 500.
    /// </summary>
    private async Task ConflictAsync(string pk, RequestFailedException ex, int attempt, CancellationToken cancellationToken)
    {
        _counters.TryRemove(pk, out _);
        if (attempt >= MaxAttempts)
        {
            throw new ApiException(503, "INBOX_BUSY", "The inbox is being changed by many writers at once; retry shortly.") { Headers = { ["Retry-After"] = "1" } };
        }

        // The item itself changed (read or deleted by another request): re-read it at once, no wait needed.
        if (ex is TableTransactionFailedException { FailedTransactionActionIndex: 0 })
        {
            return;
        }

        await BackoffAsync(attempt, cancellationToken);
    }

    private static Task BackoffAsync(int attempt, CancellationToken cancellationToken) => TableStorage.ContentionBackoffAsync(attempt, cancellationToken);

    /// <summary>Holds the user's stripe: this instance's writes to one user's counter go one at a time, so they never race each other.</summary>
    private async Task<StripeLock> LockAsync(string pk, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(pk) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        return new StripeLock(stripe);
    }

    private readonly struct StripeLock(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }

    /// <summary>Clears the held-back-push flag and returns the counter, or null when nothing was held back.</summary>
    public async Task<InboxCounter?> ClearPushSuppressionAsync(string partitionKey, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(partitionKey, cancellationToken);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            _counters.TryRemove(partitionKey, out _);
            var counter = await ReadCounterAsync(partitionKey, cancellationToken);
            if (!counter.PushSuppressed || counter.ETag is null)
            {
                return null;
            }

            try
            {
                var etag = (await _table.UpdateEntityAsync(
                    new TableEntity(partitionKey, InboxKeys.CounterRowKey) { ["PushSuppressed"] = false }, counter.ETag.Value, TableUpdateMode.Merge, cancellationToken)).NewETag();
                var next = counter with { PushSuppressed = false, ETag = etag };
                Remember(partitionKey, next);
                return next;
            }
            catch (RequestFailedException ex) when (ex.IsConcurrencyConflict())
            {
                // A delivery in another instance moved the counter; read again after a while.
                await BackoffAsync(attempt, cancellationToken);
            }
        }

        return null;
    }

    public void Forget(string partitionKey) => _counters.TryRemove(partitionKey, out _);

    /// <summary>Drops every cached counter, as a freshly started instance has none (the benchmark's "uncached" case).</summary>
    public void ForgetAll() => _counters.Clear();

    private void AdjustNewUserScore(int delta)
    {
        int current, next;
        do
        {
            current = Volatile.Read(ref _newUserScore);
            next = Math.Clamp(current + delta, -16, 16);
        }
        while (Interlocked.CompareExchange(ref _newUserScore, next, current) != current);
    }

    private static TableEntity CounterUpdate(string pk, InboxCounter next) => new(pk, InboxKeys.CounterRowKey)
    {
        ["Unread"] = next.Unread,
        ["Unseen"] = Math.Max(0, next.Unseen),
        ["SeenUpToSeq"] = next.SeenUpToSeq,
        ["SeenSteps"] = next.SeenSteps,
        ["Woken"] = next.Woken,
    };

    private bool IsExpired(TableEntity entity) => entity.GetDateTimeOffset("ExpiresAt") is { } expires && expires <= _time.GetUtcNow();

    private void Remember(string pk, InboxCounter counter)
    {
        if (_counters.Count >= CounterCacheLimit)
        {
            _counters.Clear();
        }

        _counters[pk] = counter;
    }
}
