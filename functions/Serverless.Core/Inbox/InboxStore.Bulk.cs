using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>What one bulk call does to every matching row.</summary>
public enum InboxBulkAction
{
    Read,
    Archive,
    Delete,
}

/// <summary>
/// The ids one bulk call changed, the counter after its last transaction, whether matching rows were left for another
/// call, and whether the unread or unseen count moved.
/// </summary>
public sealed record InboxBulkResult(IReadOnlyList<string> Ids, InboxCounter Counter, bool More, bool CountsChanged);

public sealed partial class InboxStore
{
    /// <summary>Rows per bulk transaction: 99 and the counter make 100 operations.</summary>
    public const int BulkBatchSize = 99;

    /// <summary>Transactions one bulk call commits at most (9,900 rows).</summary>
    public const int MaxBulkBatches = 100;

    /// <summary>The per-call bound actually applied; only tests lower it, to reach <c>more</c> without 9,900 rows.</summary>
    internal int BulkBatchesPerCall { get; set; } = MaxBulkBatches;

    /// <summary>POST /mark-all-read: bulk read of every unread row that is not snoozed, archived ones included (they were never counted).</summary>
    public Task<InboxBulkResult> MarkAllReadAsync(string tenantId, string userId, CancellationToken cancellationToken) =>
        BulkCoreAsync(tenantId, userId, InboxBulkAction.Read, TableClient.CreateQueryFilter($" and not (Snoozed eq {true})"), cancellationToken);

    /// <summary>
    /// Applies <paramref name="action"/> to the rows the filter matches (by default the default list: not archived, not
    /// snoozed; snoozed rows are never touched). See <see cref="BulkCoreAsync"/>.
    /// </summary>
    public Task<InboxBulkResult> BulkAsync(string tenantId, string userId, InboxBulkAction action, InboxFilter filter, CancellationToken cancellationToken)
    {
        if (filter.Snoozed)
        {
            throw new ArgumentException("Bulk actions never touch snoozed rows.", nameof(filter));
        }

        return BulkCoreAsync(tenantId, userId, action, filter.ToODataSuffix(), cancellationToken);
    }

    /// <summary>
    /// One key-only query (pages of 1,000, RowKey/IsRead/Archived only) over the rows up to the current sequence number, so
    /// later deliveries are never touched; then one transaction per 99 rows plus the counter, each under the user's lock,
    /// both ETag-guarded, at most <see cref="BulkBatchesPerCall"/> of them. A row that changed since the query (404/412 at
    /// its index) is dropped from its batch; as a 412'd row may still match, the call then answers More so the caller
    /// goes again. A counter conflict re-reads the counter (ConflictAsync). A retry finds nothing more to change: every
    /// action's condition excludes the rows it has already changed.
    /// </summary>
    private async Task<InboxBulkResult> BulkCoreAsync(string tenantId, string userId, InboxBulkAction action, string scope, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);

        // A fresh read: another instance may have delivered past this one's cached sequence number.
        var counter = await ReadCounterAsync(pk, cancellationToken);
        if (counter.Seq < 1)
        {
            return new([], counter, false, false);
        }

        var condition = action switch
        {
            InboxBulkAction.Read => TableClient.CreateQueryFilter($" and IsRead eq {false}"),
            InboxBulkAction.Archive => TableClient.CreateQueryFilter($" and not (Archived eq {true})"),
            _ => "",
        };
        var query = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {InboxKeys.NotificationRowKey(counter.Seq)} and RowKey lt {InboxKeys.NotificationUpperBound}")
            + scope + condition;
        var limit = BulkBatchSize * BulkBatchesPerCall;

        // One row past the bound says whether any were left.
        var matches = new List<TableEntity>();
        string? continuation = null;
        do
        {
            var page = await _table.QueryPageAsync(query, ["RowKey", "IsRead", "Archived"], ScanWindow, continuation, cancellationToken);
            matches.AddRange(page.Items);
            continuation = page.ContinuationToken;
        }
        while (continuation is not null && matches.Count <= limit);

        var more = matches.Count > limit;
        var ids = new List<string>(Math.Min(matches.Count, limit));
        var countsChanged = false;
        foreach (var batch in matches.Take(limit).Chunk(BulkBatchSize))
        {
            // One batch at a time under the user's lock, so deliveries and single changes interleave with a long bulk call.
            using var held = await LockAsync(pk, cancellationToken);
            var rows = batch.ToList();
            for (var conflicts = 1; rows.Count > 0;)
            {
                counter = await CachedOrReadCounterAsync(pk, cancellationToken);
                var next = AfterBulk(counter, action, rows);
                var now = _time.GetUtcNow();
                var actions = rows
                    .Select(row => BulkRowAction(pk, row, action, now))
                    .Append(new TableTransactionAction(TableTransactionActionType.UpdateMerge, CounterUpdate(pk, next), counter.ETag ?? ETag.All))
                    .ToList();
                try
                {
                    var etags = await _table.SubmitValidatedTransactionAsync(actions, cancellationToken);
                    countsChanged |= next.Unread != counter.Unread || next.Unseen != counter.Unseen;
                    counter = next with { ETag = etags[^1] };
                    Remember(pk, counter);
                    ids.AddRange(rows.Select(row => InboxKeys.SeqFromRowKey(row.RowKey).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                }
                catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex is { } index && index < rows.Count && ex.Status is 404 or 412)
                {
                    // Read, archived, snoozed or deleted by someone else meanwhile: no longer ours to count. A 412'd row
                    // (changed, not gone) may still match the filter: say so, and the next call picks it up.
                    more |= ex.Status == 412;
                    rows.RemoveAt(index);
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    await ConflictAsync(pk, ex, conflicts++, cancellationToken);
                }
            }
        }

        return new(ids, counter, more, countsChanged);
    }

    /// <summary>
    /// The counter rule: read takes the unarchived unread rows off Unread; archive takes the unread rows off Unread and
    /// every row off Unseen; delete does both for the unarchived rows. Snoozed rows never get here, and archived rows
    /// were in neither count.
    /// </summary>
    private static InboxCounter AfterBulk(InboxCounter counter, InboxBulkAction action, IReadOnlyList<TableEntity> rows)
    {
        var counted = rows.Where(row => row.GetBoolean("Archived") != true).ToList();
        var unread = counted.Count(row => row.GetBoolean("IsRead") != true);
        var next = action == InboxBulkAction.Read ? counter : counter.LeaveUnseen(counted.Select(row => InboxKeys.SeqFromRowKey(row.RowKey)));
        return next with { Unread = Math.Max(0, counter.Unread - unread) };
    }

    private static TableTransactionAction BulkRowAction(string pk, TableEntity row, InboxBulkAction action, DateTimeOffset now) => action switch
    {
        InboxBulkAction.Read => new(TableTransactionActionType.UpdateMerge, new TableEntity(pk, row.RowKey) { ["IsRead"] = true, ["ReadAt"] = now }, row.ETag),
        InboxBulkAction.Archive => new(TableTransactionActionType.UpdateMerge, new TableEntity(pk, row.RowKey) { ["Archived"] = true, ["ArchivedAt"] = now }, row.ETag),
        _ => new(TableTransactionActionType.Delete, new TableEntity(pk, row.RowKey), row.ETag),
    };
}
