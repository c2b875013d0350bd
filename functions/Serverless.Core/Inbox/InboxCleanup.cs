using Microsoft.Extensions.Logging;
using Serverless.Core.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>
/// Timer work: deletes expired notifications and their dedupe markers, lowering unread counts in the same transaction.
/// Each run does a bounded number of pages and remembers where it stopped. Two runs at once are safe: every delete is
/// ETag-guarded, so the loser's transaction fails and changes nothing.
/// </summary>
public sealed class InboxCleanup(InboxStore inbox, ResumableScan scan, Notifications.EventPayloadStore payloads, TimeProvider time, ILogger<InboxCleanup> logger)
{
    public const int PageSize = 1000;
    public const int MaxPagesPerRun = 5;

    /// <summary>Returns how many notification rows were deleted.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"ExpiresAt lt {time.GetUtcNow()}");
        var deleted = await scan.RunAsync("inbox-expiry", MaxPagesPerRun, async (continuation, ct) =>
        {
            var result = await inbox.Table.QueryPageAsync(filter, ["PartitionKey", "RowKey", "IsRead", "Archived", "Snoozed", "ExpiresAt"], PageSize, continuation, ct);
            var count = 0;
            foreach (var partition in result.Items.GroupBy(e => e.PartitionKey))
            {
                foreach (var group in partition.Chunk(99))
                {
                    count += await DeleteGroupAsync(partition.Key, group, ct);
                }
            }

            return (count, result.ContinuationToken);
        }, cancellationToken);

        await payloads.DeleteExpiredAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Inbox cleanup deleted {Count} expired notifications", deleted);
        }

        return deleted;
    }

    private async Task<int> DeleteGroupAsync(string partitionKey, TableEntity[] rows, CancellationToken cancellationToken)
    {
        // Archived and snoozed rows expire too, but are in neither count. (A snoozed row's wake-up index entry is left
        // behind: the timer finds the row gone and drops the entry.)
        var counted = rows.Where(r => r.RowKey.StartsWith(InboxKeys.NotificationPrefix, StringComparison.Ordinal) && r.GetBoolean("Archived") != true && r.GetBoolean("Snoozed") != true).ToList();
        var unread = counted.Count(r => r.GetBoolean("IsRead") != true);
        var actions = rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag)).ToList();
        if (counted.Count > 0)
        {
            inbox.Forget(partitionKey);
            var counter = await inbox.ReadCounterAsync(partitionKey, cancellationToken);
            var next = counter.LeaveUnseen(counted.Select(r => InboxKeys.SeqFromRowKey(r.RowKey)));
            if (counter.ETag is not null && (unread > 0 || next != counter))
            {
                actions.Add(new(TableTransactionActionType.UpdateMerge,
                    new TableEntity(partitionKey, InboxKeys.CounterRowKey)
                    {
                        ["Unread"] = Math.Max(0, counter.Unread - unread),
                        ["Unseen"] = next.Unseen,
                        ["SeenUpToSeq"] = counter.SeenUpToSeq,
                        ["Woken"] = next.Woken,
                    }, counter.ETag.Value));
            }
        }

        try
        {
            await inbox.Table.SubmitValidatedTransactionAsync(actions, cancellationToken);
            inbox.Forget(partitionKey);
            return rows.Count(r => r.RowKey.StartsWith(InboxKeys.NotificationPrefix, StringComparison.Ordinal));
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Another run (or a reader) changed these rows first; whatever is left is found next time.
            inbox.Forget(partitionKey);
            return 0;
        }
    }
}
