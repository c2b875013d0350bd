using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Members;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Devices;

/// <summary>The first time an event was served to a device, the membership seen then, and when the device acked it.</summary>
public sealed record DeliveryRecord(long Seq, string Class, string DedupeKey, string MembershipStatus, string MembershipRole, string PolicyHash,
    DateTimeOffset FirstDeliveredAt, DateTimeOffset? AckedAt, ETag? ETag)
{
    internal static DeliveryRecord FromEntity(TableEntity e) => new(
        DeviceDeliveryStore.SeqFromRowKey(e.RowKey),
        e.GetString("Class") ?? "",
        e.GetString("DedupeKey") ?? "",
        e.GetString("MembershipStatus") ?? "",
        e.GetString("MembershipRole") ?? "",
        e.GetString("PolicyHash") ?? "",
        e.GetDateTimeOffset("FirstDeliveredAt") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("AckedAt"),
        e.ETag);
}

/// <summary>
/// Per-device delivery and ack records: PartitionKey = tenant|user|device, RowKey = the zero-padded sequence number, so a
/// poll page's records are one range query and one batch. First delivery is insert-only (the first timestamp and policy
/// snapshot never change); an ack sets AckedAt only when absent, guarded by the ETag, so concurrent acks agree on the first.
/// </summary>
public sealed class DeviceDeliveryStore(StorageAccount account, TimeProvider time)
{
    private const int MaxAttempts = 5;
    private const int MaxBatch = 100;

    private readonly TableClient _table = account.GetTableClient(StorageNames.DeviceAcksTable);

    public TableClient Table => _table;

    public static string Partition(string tenantId, string userId, string deviceId) => tenantId + "|" + userId + "|" + deviceId;

    public static string RowKey(long seq) => seq.ToString("D19", CultureInfo.InvariantCulture);

    public static long SeqFromRowKey(string rowKey) => long.Parse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>First 16 hex characters of SHA-256 over class|status|role: identifies the policy an event was emitted under.</summary>
    public static string PolicyHash(string eventClass, string status, string role) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventClass + "|" + status + "|" + role)))[..16];

    /// <summary>
    /// Returns the delivery record of every item (ascending by seq), creating the missing ones with the current membership.
    /// <paramref name="emitted"/> receives the items that were served to this device for the first time.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, DeliveryRecord>> RecordDeliveryAsync(
        string tenantId, string userId, string deviceId, IReadOnlyList<InboxItem> items, Member member, List<InboxItem> emitted, CancellationToken cancellationToken)
    {
        var records = new Dictionary<long, DeliveryRecord>();
        if (items.Count == 0)
        {
            return records;
        }

        var pk = Partition(tenantId, userId, deviceId);
        for (var attempt = 1; ; attempt++)
        {
            records.Clear();
            emitted.Clear();
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {RowKey(items[0].Seq)} and RowKey le {RowKey(items[^1].Seq)}");
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                var record = DeliveryRecord.FromEntity(entity);
                records[record.Seq] = record;
            }

            var now = time.GetUtcNow();
            var missing = items.Where(i => !records.ContainsKey(i.Seq)).ToList();
            if (missing.Count == 0)
            {
                return records;
            }

            try
            {
                foreach (var chunk in missing.Chunk(MaxBatch))
                {
                    var fresh = chunk.Select(i => NewRecord(i, member, now, null)).ToList();
                    var etags = await _table.SubmitValidatedTransactionAsync(
                        fresh.Select(r => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(pk, r))).ToList(), cancellationToken);
                    for (var i = 0; i < fresh.Count; i++)
                    {
                        records[fresh[i].Seq] = fresh[i] with { ETag = etags[i] };
                    }

                    emitted.AddRange(chunk);
                }

                return records;
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && attempt < MaxAttempts)
            {
                // The same device polled concurrently and recorded some of these first; theirs stand, read them.
            }
        }
    }

    /// <summary>Sets AckedAt once. Returns the first ack time for this event and device.</summary>
    public async Task<DateTimeOffset> AckAsync(string tenantId, string userId, string deviceId, InboxItem item, Member member, CancellationToken cancellationToken)
    {
        var pk = Partition(tenantId, userId, deviceId);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _table.GetEntityOrDefaultAsync(pk, RowKey(item.Seq), cancellationToken: cancellationToken);
            var now = time.GetUtcNow();
            try
            {
                if (existing is null)
                {
                    // Acked before this device ever polled it (e.g. from a push): this is also its first delivery.
                    await _table.AddEntityAsync(ToEntity(pk, NewRecord(item, member, now, now)), cancellationToken);
                    return now;
                }

                if (existing.GetDateTimeOffset("AckedAt") is { } acked)
                {
                    return acked;
                }

                await _table.UpdateEntityAsync(new TableEntity(pk, existing.RowKey) { ["AckedAt"] = now }, existing.ETag, TableUpdateMode.Merge, cancellationToken);
                return now;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // A concurrent ack or poll wrote first; re-read so every caller reports the same first AckedAt.
            }
        }
    }

    /// <summary>The existing record of one event on one device, or null.</summary>
    public async Task<DeliveryRecord?> GetAsync(string tenantId, string userId, string deviceId, long seq, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(Partition(tenantId, userId, deviceId), RowKey(seq), cancellationToken: cancellationToken);
        return entity is null ? null : DeliveryRecord.FromEntity(entity);
    }

    private static DeliveryRecord NewRecord(InboxItem item, Member member, DateTimeOffset now, DateTimeOffset? ackedAt) => new(
        item.Seq,
        item.Type,
        // The inbox row's dedupe key, else the producer's event id: both fixed when the row was written.
        string.IsNullOrEmpty(item.DedupeKey) ? item.EventId : item.DedupeKey,
        member.Status,
        member.Role,
        PolicyHash(item.Type, member.Status, member.Role),
        now,
        ackedAt,
        null);

    private static TableEntity ToEntity(string pk, DeliveryRecord record)
    {
        var entity = new TableEntity(pk, RowKey(record.Seq))
        {
            ["Class"] = record.Class,
            ["DedupeKey"] = record.DedupeKey,
            ["MembershipStatus"] = record.MembershipStatus,
            ["MembershipRole"] = record.MembershipRole,
            ["PolicyHash"] = record.PolicyHash,
            ["FirstDeliveredAt"] = record.FirstDeliveredAt,
        };
        if (record.AckedAt is { } acked)
        {
            entity["AckedAt"] = acked;
        }

        return entity;
    }
}
