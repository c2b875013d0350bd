using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Serverless.Core.Hosting;
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
public sealed record DeliveryResult(DeliveryStatus Status, InboxItem? Item, InboxCounter Counter, bool Push, bool SuppressionStarted);

/// <summary>
/// The per-user inbox in Table storage. Every change to one user is one entity group transaction in that user's partition,
/// guarded by the counter row's ETag, so concurrent processors, replays and readers never double-count or lose a row.
/// </summary>
public sealed class InboxStore
{
    private const int MaxAttempts = 8;
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

    // Serialises deliveries to the same user inside this process so they do not fight over the counter ETag.
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public InboxStore(StorageAccount account, TimeProvider time, IOptions<NotificationOptions> options)
    {
        _table = account.GetTableClient(StorageNames.InboxTable);
        _time = time;
        _options = options.Value;
    }

    public TableClient Table => _table;

    public async Task<DeliveryResult> DeliverAsync(string tenantId, string userId, NewNotification notification, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(pk) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            var mayGuessNew = true;
            for (var attempt = 1; ; attempt++)
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
                var seq = counter.Seq + 1;

                var (push, next) = DecidePush(counter, now, notification.NeverThrottle);
                next = next with { Seq = seq, Unread = counter.Unread + 1 };
                var suppressionStarted = !push && !counter.PushSuppressed;
                if (!push)
                {
                    next = next with { PushSuppressed = true };
                }

                var row = new TableEntity(pk, InboxKeys.NotificationRowKey(seq))
                {
                    ["EventId"] = notification.EventId,
                    ["Type"] = notification.Type,
                    ["Title"] = notification.Title,
                    ["Body"] = notification.Body,
                    ["Priority"] = notification.Priority,
                    ["Channel"] = notification.Channel,
                    ["IsRead"] = false,
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

                var marker = new TableEntity(pk, InboxKeys.MarkerRowKey(notification.EventId))
                {
                    ["Seq"] = seq,
                    ["ExpiresAt"] = notification.ExpiresAt,
                };

                // The marker goes first: a redelivered event then fails on operation 0 and nothing else is attempted.
                var actions = new List<TableTransactionAction>
                {
                    new(TableTransactionActionType.Add, marker),
                    counter.ETag is null
                        ? new(TableTransactionActionType.Add, next.ToEntity(pk))
                        : new(TableTransactionActionType.UpdateMerge, next.ToEntity(pk), counter.ETag.Value),
                    new(TableTransactionActionType.Add, row),
                };

                try
                {
                    var etags = await _table.SubmitValidatedTransactionAsync(actions, cancellationToken);
                    if (guessedNew)
                    {
                        AdjustNewUserScore(+1);
                    }

                    var committed = next with { ETag = etags[1] };
                    Remember(pk, committed);
                    row.ETag = etags[2];
                    return new DeliveryResult(DeliveryStatus.Delivered, InboxItem.FromEntity(row), committed, push, suppressionStarted);
                }
                catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex == 0 && ex.Status == 409)
                {
                    return new DeliveryResult(DeliveryStatus.AlreadyDelivered, null, counter, false, false);
                }
                catch (TableTransactionFailedException ex) when (guessedNew && ex.FailedTransactionActionIndex == 1 && ex.Status == 409)
                {
                    // The user was not new: their counter exists. Read it and go again; lean towards reading first.
                    AdjustNewUserScore(-2);
                    mayGuessNew = false;
                    continue;
                }
                catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
                {
                    // Someone else moved the counter (another processor, a mark-read) or the failing operation is unknown:
                    // check the marker, then start again from a fresh counter.
                    _counters.TryRemove(pk, out _);
                    if (await _table.GetEntityOrDefaultAsync(pk, InboxKeys.MarkerRowKey(notification.EventId), ["Seq"], cancellationToken) is not null)
                    {
                        return new DeliveryResult(DeliveryStatus.AlreadyDelivered, null, await ReadCounterAsync(pk, cancellationToken), false, false);
                    }
                }
            }
        }
        finally
        {
            stripe.Release();
        }
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

    /// <summary>Newest first, starting after <paramref name="afterRowKey"/>; returns up to <paramref name="limit"/> items and whether more exist.</summary>
    public async Task<(IReadOnlyList<InboxItem> Items, bool More)> ListNewestFirstAsync(
        string tenantId, string userId, InboxFilter filter, string? afterRowKey, int limit, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        var lower = afterRowKey ?? InboxKeys.NotificationPrefix;
        var query = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {lower} and RowKey lt {InboxKeys.NotificationUpperBound} and ExpiresAt gt {_time.GetUtcNow()}")
                    + filter.ToODataSuffix();
        var (entities, more) = await _table.QueryLimitAsync(query, null, limit, cancellationToken);
        return (entities.Select(InboxItem.FromEntity).ToArray(), more);
    }

    /// <summary>
    /// Oldest first after <paramref name="afterSeq"/>. Sequence numbers are dense per user, so a window of sequence
    /// numbers is a bounded key range; rows deleted or expired inside it simply are not there, nothing is skipped.
    /// </summary>
    public async Task<(IReadOnlyList<InboxItem> Items, long ScannedTo, InboxCounter Counter)> ListAfterSeqAsync(
        string tenantId, string userId, InboxFilter filter, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        var counter = await ReadCounterAsync(pk, cancellationToken);
        var items = new List<InboxItem>(limit);
        var position = afterSeq;
        while (items.Count < limit && position < counter.Seq)
        {
            var low = position + 1;
            var high = Math.Min(counter.Seq, position + (limit - items.Count));
            var query = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {InboxKeys.NotificationRowKey(high)} and RowKey le {InboxKeys.NotificationRowKey(low)} and ExpiresAt gt {_time.GetUtcNow()}")
                        + filter.ToODataSuffix();
            var window = new List<InboxItem>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(query, cancellationToken: cancellationToken))
            {
                window.Add(InboxItem.FromEntity(entity));
            }

            window.Reverse();
            items.AddRange(window);
            position = high;
        }

        return (items, position, counter);
    }

    /// <summary>Marks one notification read; false when it does not exist (or is expired). Returns the counter after the change.</summary>
    public async Task<(bool Found, bool Changed, InboxCounter Counter)> MarkReadAsync(string tenantId, string userId, long seq, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), cancellationToken: cancellationToken);
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
            var next = counter with { Unread = Math.Max(0, counter.Unread - 1) };
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
            catch (RequestFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxAttempts)
            {
                _counters.TryRemove(pk, out _);
            }
        }
    }

    /// <summary>Marks every unread notification read, 99 per transaction (plus the counter). Returns the ids changed.</summary>
    public async Task<(IReadOnlyList<string> Ids, InboxCounter Counter)> MarkAllReadAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        var ids = new List<string>();
        var query = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {InboxKeys.NotificationPrefix} and RowKey lt {InboxKeys.NotificationUpperBound} and IsRead eq {false}");
        var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
        for (var guard = 0; guard < 10_000; guard++)
        {
            var page = await _table.QueryPageAsync(query, ["PartitionKey", "RowKey", "IsRead"], 99, null, cancellationToken);
            if (page.Items.Count == 0)
            {
                break;
            }

            var now = _time.GetUtcNow();
            var next = counter with { Unread = Math.Max(0, counter.Unread - page.Items.Count) };
            var actions = page.Items
                .Select(e => new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, e.RowKey) { ["IsRead"] = true, ["ReadAt"] = now }, e.ETag))
                .Append(new TableTransactionAction(TableTransactionActionType.UpdateMerge, CounterUpdate(pk, next), counter.ETag ?? ETag.All))
                .ToList();
            try
            {
                var etags = await _table.SubmitValidatedTransactionAsync(actions, cancellationToken);
                counter = next with { ETag = etags[^1] };
                Remember(pk, counter);
                ids.AddRange(page.Items.Select(e => InboxKeys.SeqFromRowKey(e.RowKey).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // A delivery or another tab moved something: re-read and go again.
                _counters.TryRemove(pk, out _);
                counter = await ReadCounterAsync(pk, cancellationToken);
            }
        }

        return (ids, counter);
    }

    /// <summary>Deletes one notification (adjusting the unread count); false when it does not exist.</summary>
    public async Task<(bool Found, InboxCounter Counter)> DeleteAsync(string tenantId, string userId, long seq, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await _table.GetEntityOrDefaultAsync(pk, InboxKeys.NotificationRowKey(seq), ["PartitionKey", "RowKey", "IsRead", "ExpiresAt"], cancellationToken);
            if (entity is null || IsExpired(entity))
            {
                return (false, InboxCounter.Empty);
            }

            var counter = await CachedOrReadCounterAsync(pk, cancellationToken);
            var wasUnread = entity.GetBoolean("IsRead") != true;
            var next = wasUnread ? counter with { Unread = Math.Max(0, counter.Unread - 1) } : counter;
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, entity, entity.ETag) };
            if (wasUnread)
            {
                actions.Add(new(TableTransactionActionType.UpdateMerge, CounterUpdate(pk, next), counter.ETag ?? ETag.All));
            }

            try
            {
                var etags = await _table.SubmitValidatedTransactionAsync(actions, cancellationToken);
                if (wasUnread)
                {
                    next = next with { ETag = etags[^1] };
                    Remember(pk, next);
                }

                return (true, next);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxAttempts)
            {
                _counters.TryRemove(pk, out _);
            }
        }
    }

    /// <summary>Clears the held-back-push flag and returns the counter, or null when nothing was held back.</summary>
    public async Task<InboxCounter?> ClearPushSuppressionAsync(string partitionKey, CancellationToken cancellationToken)
    {
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
                // A delivery moved the counter; read again.
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

    private static TableEntity CounterUpdate(string pk, InboxCounter next) => new(pk, InboxKeys.CounterRowKey) { ["Unread"] = next.Unread };

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
