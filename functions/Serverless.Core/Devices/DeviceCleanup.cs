using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Storage;

namespace Serverless.Core.Devices;

/// <summary>
/// Timer work: unregisters devices not seen for <see cref="MemberChannelOptions.DeviceInactiveDays"/>, and purges delivery
/// and ack records whose notification is gone from the inbox (deleted or expired). Each run reads a bounded number of
/// pages and the ack scan resumes where the last run stopped. Every delete is ETag-guarded and a missing row is not an
/// error, so two runs at once (or a run repeated) are safe.
/// </summary>
public sealed class DeviceCleanup(
    DeviceStore devices, DeviceDeliveryStore deliveries, InboxStore inbox, StorageAccount account, IOptions<MemberChannelOptions> options,
    MemberChannelMetrics metrics, TimeProvider time, ILogger<DeviceCleanup> logger)
{
    public const int PageSize = 1000;
    public const int MaxPagesPerRun = 5;
    private const string StatePartition = "deviceacks";
    private const string StateRow = "orphans";

    private readonly TableClient _state = account.GetTableClient(StorageNames.CleanupStateTable);

    /// <summary>Returns how many devices and delivery records were deleted.</summary>
    public async Task<(int Devices, int Deliveries)> RunAsync(CancellationToken cancellationToken)
    {
        var removedDevices = await UnregisterInactiveDevicesAsync(cancellationToken);
        var removedDeliveries = await PurgeOrphanedDeliveriesAsync(cancellationToken);
        if (removedDevices + removedDeliveries > 0)
        {
            logger.LogInformation("Device cleanup removed {Devices} inactive devices and {Deliveries} orphaned delivery records", removedDevices, removedDeliveries);
        }

        return (removedDevices, removedDeliveries);
    }

    private async Task<int> UnregisterInactiveDevicesAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.DeviceInactiveDays);
        var filter = TableFilter.Create($"LastSeenAt lt {cutoff}");
        var removed = 0;
        string? continuation = null;
        for (var page = 0; page < MaxPagesPerRun; page++)
        {
            var result = await devices.Table.QueryPageAsync(filter, ["PartitionKey", "RowKey", "LastSeenAt", "Platform"], PageSize, continuation, cancellationToken);
            foreach (var row in result.Items)
            {
                try
                {
                    // If-Match: a device that registered or polled since the query keeps its binding.
                    if (await devices.Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag ?? "*", cancellationToken))
                    {
                        removed++;
                        metrics.Unregistered(row.GetString("Platform") ?? "", "inactive");
                    }
                }
                catch (StorageConcurrencyException)
                {
                }
            }

            continuation = result.ContinuationToken;
            if (continuation is null)
            {
                break;
            }
        }

        return removed;
    }

    private async Task<int> PurgeOrphanedDeliveriesAsync(CancellationToken cancellationToken)
    {
        var state = await _state.GetEntityAsync(StatePartition, StateRow, cancellationToken: cancellationToken);
        var continuation = state?.GetString("Continuation") is { Length: > 0 } saved ? saved : null;
        var removed = 0;
        for (var page = 0; page < MaxPagesPerRun; page++)
        {
            var result = await deliveries.Table.QueryPageAsync(null, ["PartitionKey", "RowKey"], PageSize, continuation, cancellationToken);
            foreach (var partition in result.Items.GroupBy(e => e.PartitionKey))
            {
                removed += await PurgePartitionAsync(partition.Key, partition.ToList(), cancellationToken);
            }

            continuation = result.ContinuationToken;
            if (continuation is null)
            {
                break;
            }
        }

        await _state.UpsertEntityAsync(
            new TableEntity(StatePartition, StateRow) { ["Continuation"] = continuation ?? "", ["LastRunAt"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
        return removed;
    }

    private async Task<int> PurgePartitionAsync(string partitionKey, List<TableEntity> rows, CancellationToken cancellationToken)
    {
        // tenant|user|device; device ids never contain '|', so the inbox partition is everything before the last one.
        var split = partitionKey.LastIndexOf('|');
        if (split <= 0)
        {
            return 0;
        }

        var inboxPartition = partitionKey[..split];
        var seqs = rows.Select(r => DeviceDeliveryStore.SeqFromRowKey(r.RowKey)).ToList();
        var now = time.GetUtcNow();
        var live = new HashSet<long>();
        var filter = TableFilter.Create(
            $"PartitionKey eq {inboxPartition} and RowKey ge {InboxKeys.NotificationRowKey(seqs.Max())} and RowKey le {InboxKeys.NotificationRowKey(seqs.Min())} and ExpiresAt gt {now}");
        await foreach (var entity in inbox.Table.QueryAsync(filter, ["RowKey", "ExpiresAt"], cancellationToken: cancellationToken))
        {
            live.Add(InboxKeys.SeqFromRowKey(entity.RowKey));
        }

        var orphans = rows.Where(r => !live.Contains(DeviceDeliveryStore.SeqFromRowKey(r.RowKey))).ToList();
        var removed = 0;
        foreach (var group in orphans.Chunk(100))
        {
            try
            {
                await deliveries.Table.SubmitTransactionAsync(
                    group.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag ?? "*")).ToList(), cancellationToken);
                removed += group.Length;
            }
            catch (StorageRequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Another run (or an ack) got there first; what is left is found next time round.
            }
        }

        return removed;
    }
}
