using Azure.Data.Tables;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Tests.Notifications;

/// <summary>Writes a large inbox straight into the table (100 rows per transaction), as thousands of deliveries would leave it.</summary>
internal static class InboxSeed
{
    /// <summary>Rows for every seq in 1..<paramref name="lastSeq"/> that <paramref name="keep"/> accepts; the counter says lastSeq.</summary>
    public static async Task WriteAsync(
        TableClient table, string tenant, string user, long lastSeq, Func<long, bool>? keep = null, Func<long, string>? type = null, bool read = false)
    {
        var pk = InboxKeys.Partition(tenant, user);
        var now = DateTimeOffset.UtcNow;
        var rows = new List<TableEntity>();
        for (var seq = 1L; seq <= lastSeq; seq++)
        {
            if (keep is not null && !keep(seq))
            {
                continue;
            }

            rows.Add(new TableEntity(pk, InboxKeys.NotificationRowKey(seq))
            {
                ["EventId"] = "evt_seed_" + seq,
                ["Type"] = type?.Invoke(seq) ?? "task.assigned",
                ["Title"] = "Seeded " + seq,
                ["Body"] = "A seeded notification.",
                ["Priority"] = "normal",
                ["Channel"] = "web",
                ["IsRead"] = read,
                ["CreatedAt"] = now,
                ["ExpiresAt"] = now.AddDays(7),
            });
        }

        foreach (var chunk in rows.Chunk(100))
        {
            await table.SubmitValidatedTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)).ToList());
        }

        await table.UpsertEntityAsync(new TableEntity(pk, InboxKeys.CounterRowKey)
        {
            ["Seq"] = lastSeq,
            ["Unread"] = read ? 0 : rows.Count,
            ["WindowPushes"] = 0,
            ["PushSuppressed"] = false,
        });
    }
}
