using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Core.Channels;

/// <summary>
/// Keeps <c>deliveries</c> on the inbox row (column "Deliveries", JSON): one entry per channel, updated as the channel
/// message moves on. Merges guarded by the row's ETag, so a concurrent mark-read or another channel is never overwritten.
/// </summary>
public sealed class DeliveryRecordStore(StorageAccount account)
{
    internal const string Column = "Deliveries";
    private const int MaxAttempts = 8;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TableClient _inbox = account.GetTableClient(StorageNames.InboxTable);

    /// <summary>
    /// Applies <paramref name="updates"/>. With <paramref name="initial"/>, an entry already past pending/held (a redelivered
    /// dispatch arriving after the send) is kept as it is.
    /// </summary>
    public async Task RecordAsync(string tenantId, string userId, long seq, IReadOnlyList<DeliveryRecord> updates, bool initial, CancellationToken cancellationToken)
    {
        var pk = InboxKeys.Partition(tenantId, userId);
        var rk = InboxKeys.NotificationRowKey(seq);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var row = await _inbox.GetEntityOrDefaultAsync(pk, rk, ["PartitionKey", "RowKey", Column], cancellationToken);
            if (row is null)
            {
                return; // Deleted by the user or expired: nothing to record on.
            }

            var current = Parse(row.GetString(Column)).ToList();
            foreach (var update in updates)
            {
                var index = current.FindIndex(r => r.Channel == update.Channel);
                if (index < 0)
                {
                    current.Add(update);
                }
                else if (!initial || current[index].Status is DeliveryStatuses.Pending or DeliveryStatuses.Held)
                {
                    current[index] = update;
                }
            }

            var ordered = current.OrderBy(r => ChannelOrder(r.Channel)).ToArray();
            try
            {
                await _inbox.UpdateEntityAsync(
                    new TableEntity(pk, rk) { [Column] = JsonSerializer.Serialize(ordered, Json) }, row.ETag, TableUpdateMode.Merge, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxAttempts)
            {
                // A mark-read or another channel moved the row: read again, after a jittered wait.
                await TableStorage.ContentionBackoffAsync(attempt, cancellationToken);
            }
        }
    }

    private static int ChannelOrder(string channel)
    {
        for (var i = 0; i < ChannelNames.All.Count; i++)
        {
            if (ChannelNames.All[i] == channel)
            {
                return i;
            }
        }

        return ChannelNames.All.Count;
    }

    public static IReadOnlyList<DeliveryRecord> Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<DeliveryRecord[]>(json, Json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
