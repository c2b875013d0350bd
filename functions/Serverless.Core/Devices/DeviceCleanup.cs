using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Devices;

/// <summary>
/// Timer work: unregisters devices not seen for <see cref="MemberChannelOptions.DeviceInactiveDays"/>, and purges delivery
/// and ack records whose notification is gone from the inbox (deleted or expired). Each run reads a bounded number of
/// pages and the ack scan resumes where the last run stopped. Every delete is ETag-guarded and a missing row is not an
/// error, so two runs at once (or a run repeated) are safe.
/// </summary>
public sealed class DeviceCleanup(
    DeviceStore devices, DeviceDeliveryStore deliveries, InboxStore inbox, ResumableScan scan, IOptions<MemberChannelOptions> options,
    MemberChannelMetrics metrics, TimeProvider time, ILogger<DeviceCleanup> logger)
{
    public const int PageSize = 1000;
    public const int MaxPagesPerRun = 5;

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

    private Task<int> UnregisterInactiveDevicesAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.DeviceInactiveDays);
        var filter = TableClient.CreateQueryFilter($"LastSeenAt lt {cutoff}");
        return scan.RunAsync("devices-inactive", MaxPagesPerRun, async (continuation, ct) =>
        {
            var result = await devices.Table.QueryPageAsync(filter, ["PartitionKey", "RowKey", "LastSeenAt", "Platform"], PageSize, continuation, ct);
            var removed = 0;
            foreach (var row in result.Items)
            {
                try
                {
                    // If-Match: a device that registered or polled since the query keeps its binding.
                    if (await devices.Table.DeleteEntityIfExistsAsync(row.PartitionKey, row.RowKey, row.ETag, ct))
                    {
                        removed++;
                        metrics.Unregistered(row.GetString("Platform") ?? "", "inactive");
                    }
                }
                catch (RequestFailedException ex) when (ex.IsConcurrencyConflict())
                {
                }
            }

            return (removed, result.ContinuationToken);
        }, cancellationToken);
    }

    private Task<int> PurgeOrphanedDeliveriesAsync(CancellationToken cancellationToken) =>
        scan.RunAsync("deviceacks-orphans", MaxPagesPerRun, async (continuation, ct) =>
        {
            var result = await deliveries.Table.QueryPageAsync(null, ["PartitionKey", "RowKey"], PageSize, continuation, ct);
            var removed = 0;
            foreach (var partition in result.Items.GroupBy(e => e.PartitionKey))
            {
                removed += await PurgePartitionAsync(partition.Key, partition.ToList(), ct);
            }

            return (removed, result.ContinuationToken);
        }, cancellationToken);

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
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {inboxPartition} and RowKey ge {InboxKeys.NotificationRowKey(seqs.Max())} and RowKey le {InboxKeys.NotificationRowKey(seqs.Min())} and ExpiresAt gt {now}");
        await foreach (var entity in inbox.Table.QueryAsync<TableEntity>(filter, select: ["RowKey", "ExpiresAt"], cancellationToken: cancellationToken))
        {
            live.Add(InboxKeys.SeqFromRowKey(entity.RowKey));
        }

        var orphans = rows.Where(r => !live.Contains(DeviceDeliveryStore.SeqFromRowKey(r.RowKey))).ToList();
        var removed = 0;
        foreach (var group in orphans.Chunk(100))
        {
            try
            {
                await deliveries.Table.SubmitValidatedTransactionAsync(
                    group.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag)).ToList(), cancellationToken);
                removed += group.Length;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Another run (or an ack) got there first; what is left is found next time round.
            }
        }

        return removed;
    }
}
