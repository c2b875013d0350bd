using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;

namespace Serverless.Core.Rooms.Chat;

/// <summary>A message about to be posted; the store assigns its sequence number.</summary>
public sealed record NewRoomMessage(
    string AuthorId, string Kind, string? Text, string? ReplyTo, string? ClientMessageId, IReadOnlyList<string> Mentioned, string? FileJson);

/// <summary>
/// Room message streams in Table storage. Posting is one entity group transaction in the room's partition: the
/// clientMessageId marker (first, so a retry fails on operation 0 and nothing else is attempted), the counter under its
/// ETag, the message row, and the author's read position. Edits, deletes and reactions change only the message row (under
/// its ETag), never the counter, so they do not contend with posting.
/// </summary>
public sealed class RoomMessageStore
{
    private const int MaxAttempts = 10;
    private const int CounterCacheLimit = 100_000;

    private readonly TableClient _table;
    private readonly TimeProvider _time;

    // The counter this instance wrote last, per room. A stale entry costs one 412 and a re-read; a hit saves the read,
    // which keeps a post at one storage transaction.
    private readonly ConcurrentDictionary<string, StreamCounter> _counters = new(StringComparer.Ordinal);

    // Serialise posts to one room inside this process, so they queue here instead of fighting over the counter ETag.
    private readonly SemaphoreSlim[] _postStripes = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    // The same for changes to one message row (reactions, edits), kept apart so a busy message never holds up posting.
    private readonly SemaphoreSlim[] _messageStripes = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public RoomMessageStore(StorageAccount account, TimeProvider time)
    {
        _table = account.GetTableClient(StorageNames.RoomMessagesTable);
        _time = time;
    }

    public TableClient Table => _table;

    /// <summary>
    /// Appends the message to the room's stream; a repeated clientMessageId returns the first message with Created false.
    /// <paramref name="committed"/> runs right after the commit, still in this instance's per-room order (it must be quick).
    /// </summary>
    public async Task<(RoomMessage Message, bool Created)> PostAsync(
        string tenantId, string roomId, NewRoomMessage message, CancellationToken cancellationToken, Action<RoomMessage>? committed = null)
    {
        var pk = RoomMessageKeys.Partition(tenantId, roomId);
        var markerKey = message.ClientMessageId is { } clientId ? RoomMessageKeys.ClientIdRowKey(message.AuthorId, clientId) : null;
        var stripe = _postStripes[(uint)StringComparer.Ordinal.GetHashCode(pk) % (uint)_postStripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var counter = _counters.TryGetValue(pk, out var cached) ? cached : await ReadCounterAsync(pk, cancellationToken);
                var seq = counter.Seq + 1;
                var row = new RoomMessage(roomId, seq, message.AuthorId, message.Kind, message.Text, message.ReplyTo, _time.GetUtcNow(),
                    null, null, null, [], message.Mentioned, message.FileJson);
                var counterEntity = new TableEntity(pk, RoomMessageKeys.CounterRowKey) { ["Seq"] = seq };

                var actions = new List<TableTransactionAction>(4);
                if (markerKey is not null)
                {
                    actions.Add(new(TableTransactionActionType.Add, new TableEntity(pk, markerKey) { ["Seq"] = seq }));
                }

                var counterIndex = actions.Count;
                actions.Add(counter.ETag is { } etag
                    ? new(TableTransactionActionType.UpdateMerge, counterEntity, etag)
                    : new(TableTransactionActionType.Add, counterEntity));
                actions.Add(new(TableTransactionActionType.Add, row.ToEntity(pk)));

                // The author has read what they wrote. This seq is above any read position (it is above the last seq), so an
                // unconditional merge can only move it forward.
                actions.Add(new(TableTransactionActionType.UpsertMerge, new TableEntity(pk, RoomMessageKeys.ReadRowKey(message.AuthorId)) { ["Seq"] = seq }));

                try
                {
                    var etags = await _table.SubmitValidatedTransactionAsync(actions, cancellationToken);
                    Remember(pk, new StreamCounter(seq, etags[counterIndex]));
                    var posted = row with { ETag = etags[counterIndex + 1] };
                    committed?.Invoke(posted);
                    return (posted, true);
                }
                catch (TableTransactionFailedException ex) when (markerKey is not null && ex.FailedTransactionActionIndex == 0 && ex.Status == 409)
                {
                    return (await ExistingAsync(pk, roomId, markerKey, cancellationToken), false);
                }
                catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
                {
                    // Another instance moved the counter (or the failing operation is unknown): check the marker, then retry
                    // from a fresh counter.
                    _counters.TryRemove(pk, out _);
                    if (markerKey is not null && await _table.GetEntityOrDefaultAsync(pk, markerKey, ["Seq"], cancellationToken) is not null)
                    {
                        return (await ExistingAsync(pk, roomId, markerKey, cancellationToken), false);
                    }

                    await TableStorage.ContentionBackoffAsync(attempt, cancellationToken);
                }
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    private async Task<RoomMessage> ExistingAsync(string pk, string roomId, string markerKey, CancellationToken cancellationToken)
    {
        var marker = await _table.GetEntityOrDefaultAsync(pk, markerKey, ["Seq"], cancellationToken)
            ?? throw new InvalidOperationException("The clientMessageId marker vanished.");
        var seq = marker.GetInt64("Seq") ?? 0;
        var entity = await _table.GetEntityOrDefaultAsync(pk, RoomMessageKeys.MessageRowKey(seq), cancellationToken: cancellationToken)
            ?? throw new InvalidOperationException("The message of a clientMessageId marker is missing.");
        return RoomMessage.FromEntity(roomId, entity);
    }

    public async Task<RoomMessage?> GetAsync(string tenantId, string roomId, long seq, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(RoomMessageKeys.Partition(tenantId, roomId), RoomMessageKeys.MessageRowKey(seq), cancellationToken: cancellationToken);
        return entity is null ? null : RoomMessage.FromEntity(roomId, entity);
    }

    /// <summary>The room's latest sequence number, read from storage (0 before the first message).</summary>
    public async Task<long> ReadLastSeqAsync(string tenantId, string roomId, CancellationToken cancellationToken) =>
        (await ReadCounterAsync(RoomMessageKeys.Partition(tenantId, roomId), cancellationToken)).Seq;

    /// <summary>Newest first after <paramref name="afterRowKey"/>: one key-range query of at most limit + 1 rows.</summary>
    public async Task<(IReadOnlyList<RoomMessage> Items, bool More)> ListNewestFirstAsync(
        string tenantId, string roomId, string? afterRowKey, int limit, CancellationToken cancellationToken)
    {
        var pk = RoomMessageKeys.Partition(tenantId, roomId);
        var lower = afterRowKey ?? RoomMessageKeys.MessagePrefix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {lower} and RowKey lt {RoomMessageKeys.MessageUpperBound}");
        var (entities, more) = await _table.QueryLimitAsync(filter, null, limit, cancellationToken);
        return (entities.Select(e => RoomMessage.FromEntity(roomId, e)).ToArray(), more);
    }

    /// <summary>
    /// Oldest first from afterSeq + 1. Sequence numbers are dense and messages are never removed (deletes leave tombstones),
    /// so the window afterSeq + 1 .. afterSeq + limit is one bounded key-range query holding exactly those messages.
    /// </summary>
    public async Task<(IReadOnlyList<RoomMessage> Items, long ScannedTo, long LastSeq)> ListAfterSeqAsync(
        string tenantId, string roomId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var pk = RoomMessageKeys.Partition(tenantId, roomId);
        var lastSeq = (await ReadCounterAsync(pk, cancellationToken)).Seq;
        if (afterSeq >= lastSeq)
        {
            return ([], afterSeq, lastSeq);
        }

        var low = afterSeq + 1;
        var high = Math.Min(lastSeq, afterSeq + limit);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {pk} and RowKey ge {RoomMessageKeys.MessageRowKey(high)} and RowKey le {RoomMessageKeys.MessageRowKey(low)}");
        // The service may cut a page short with a continuation; following it stays bounded by the key range.
        var (entities, _) = await _table.QueryLimitAsync(filter, null, limit, cancellationToken);
        var items = entities.Select(e => RoomMessage.FromEntity(roomId, e)).Reverse().ToArray();
        return (items, high, lastSeq);
    }

    /// <summary>
    /// Read-modify-write of one message row under its ETag. <paramref name="change"/> gets the current message and returns
    /// the new one, or null for "nothing to change"; it may throw an ApiException to refuse. Null when the message does not exist.
    /// </summary>
    public async Task<(RoomMessage Before, RoomMessage After, bool Changed)?> UpdateAsync(
        string tenantId, string roomId, long seq, Func<RoomMessage, RoomMessage?> change, CancellationToken cancellationToken)
    {
        var pk = RoomMessageKeys.Partition(tenantId, roomId);
        var rowKey = RoomMessageKeys.MessageRowKey(seq);
        var stripe = _messageStripes[(uint)StringComparer.Ordinal.GetHashCode(pk + rowKey) % (uint)_messageStripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var entity = await _table.GetEntityOrDefaultAsync(pk, rowKey, cancellationToken: cancellationToken);
                if (entity is null)
                {
                    return null;
                }

                var before = RoomMessage.FromEntity(roomId, entity);
                if (change(before) is not { } after)
                {
                    return (before, before, false);
                }

                try
                {
                    var response = await _table.UpdateEntityAsync(after.ToEntity(pk), entity.ETag, TableUpdateMode.Replace, cancellationToken);
                    return (before, after with { ETag = response.NewETag() }, true);
                }
                catch (RequestFailedException ex) when (ex.IsConcurrencyConflict() && attempt < MaxAttempts)
                {
                    // Another instance changed the row first (a reaction, an edit): read it again and reapply.
                    await TableStorage.ContentionBackoffAsync(attempt, cancellationToken);
                }
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <summary>
    /// The member's read position and the room's latest seq: two point reads in parallel (an "or" of two row keys would be a
    /// partition scan in Azure, growing with the stream).
    /// </summary>
    public async Task<RoomReadState> GetReadStateAsync(string tenantId, string roomId, string userId, CancellationToken cancellationToken)
    {
        var pk = RoomMessageKeys.Partition(tenantId, roomId);
        var counter = ReadCounterAsync(pk, cancellationToken);
        var read = await _table.GetEntityOrDefaultAsync(pk, RoomMessageKeys.ReadRowKey(userId), ["Seq"], cancellationToken);
        var last = (await counter).Seq;
        return new RoomReadState(last, Math.Min(read?.GetInt64("Seq") ?? 0, last));
    }

    /// <summary>Moves the member's read position to <paramref name="seq"/> (capped at the latest seq); never backwards.</summary>
    public async Task<RoomReadState> MarkReadAsync(string tenantId, string roomId, string userId, long seq, CancellationToken cancellationToken)
    {
        var pk = RoomMessageKeys.Partition(tenantId, roomId);
        var rowKey = RoomMessageKeys.ReadRowKey(userId);
        for (var attempt = 1; ; attempt++)
        {
            var lastRead = ReadCounterAsync(pk, cancellationToken);
            var current = await _table.GetEntityOrDefaultAsync(pk, rowKey, ["Seq"], cancellationToken);
            var last = (await lastRead).Seq;
            var currentSeq = current?.GetInt64("Seq") ?? 0;
            var target = Math.Min(seq, last);
            if (target <= currentSeq)
            {
                return new RoomReadState(last, Math.Min(currentSeq, last));
            }

            try
            {
                var entity = new TableEntity(pk, rowKey) { ["Seq"] = target };
                if (current is null)
                {
                    await _table.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await _table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Merge, cancellationToken);
                }

                return new RoomReadState(last, target);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another tab or a post by this member moved it first: compare again.
                await TableStorage.ContentionBackoffAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>Removes a room's whole stream (messages, markers, read positions), 100 rows per transaction.</summary>
    public async Task<int> DeleteStreamAsync(string tenantId, string roomId, CancellationToken cancellationToken)
    {
        var pk = RoomMessageKeys.Partition(tenantId, roomId);
        _counters.TryRemove(pk, out _);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk}");
        var deleted = 0;
        while (true)
        {
            var page = await _table.QueryPageAsync(filter, ["PartitionKey", "RowKey"], TableStorage.MaxTransactionActions, null, cancellationToken);
            if (page.Items.Count == 0)
            {
                return deleted;
            }

            await _table.SubmitValidatedTransactionAsync(
                page.Items.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)).ToList(), cancellationToken);
            deleted += page.Items.Count;
        }
    }

    private async Task<StreamCounter> ReadCounterAsync(string pk, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(pk, RoomMessageKeys.CounterRowKey, ["Seq"], cancellationToken);
        return entity is null ? StreamCounter.Empty : new StreamCounter(entity.GetInt64("Seq") ?? 0, entity.ETag);
    }

    private void Remember(string pk, StreamCounter counter)
    {
        if (_counters.Count >= CounterCacheLimit)
        {
            _counters.Clear();
        }

        _counters[pk] = counter;
    }

    private sealed record StreamCounter(long Seq, ETag? ETag)
    {
        public static readonly StreamCounter Empty = new(0, null);
    }
}
