using Azure.Data.Tables;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Tests.Notifications;

/// <summary>
/// Inbox rows written straight into the table, 100 per transaction, each shaped by the test (title, body, read state,
/// channel, or an old row's missing properties); the counter row says lastSeq and the unread rows it counts.
/// </summary>
internal static class InboxListSeed
{
    /// <summary>Rows for every seq in 1..lastSeq that <paramref name="shape"/> returns a row for (null: no row there).</summary>
    public static async Task WriteAsync(TableClient table, string tenant, string user, long lastSeq, Func<long, TableEntity, TableEntity?> shape)
    {
        var pk = InboxKeys.Partition(tenant, user);
        var now = DateTimeOffset.UtcNow;
        var rows = new List<TableEntity>();
        for (var seq = 1L; seq <= lastSeq; seq++)
        {
            var row = shape(seq, new TableEntity(pk, InboxKeys.NotificationRowKey(seq))
            {
                ["EventId"] = "evt_seed_" + seq,
                ["Type"] = "task.assigned",
                ["Title"] = "Seeded " + seq,
                ["Body"] = "A seeded notification.",
                ["Priority"] = "normal",
                ["Channel"] = "web",
                ["IsRead"] = true,
                ["CreatedAt"] = now,
                ["ExpiresAt"] = now.AddDays(7),
            });
            if (row is not null)
            {
                rows.Add(row);
            }
        }

        foreach (var chunk in rows.Chunk(100))
        {
            await table.SubmitValidatedTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)).ToList());
        }

        var unread = rows.Count(r => r.GetBoolean("IsRead") == false && r.GetBoolean("Archived") != true && r.GetBoolean("Snoozed") != true);
        await table.UpsertEntityAsync(new TableEntity(pk, InboxKeys.CounterRowKey)
        {
            ["Seq"] = lastSeq,
            ["Unread"] = unread,
            ["WindowPushes"] = 0,
            ["PushSuppressed"] = false,
        });
    }

    public static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);
}

/// <summary>Follows nextCursor from a first list URL, counting the host's table requests per page.</summary>
internal sealed class InboxListWalk(HttpClient api, StorageRequestCounter requests)
{
    public async Task<(System.Text.Json.JsonElement Page, long TableRequests)> GetAsync(string url)
    {
        var before = requests.Table;
        var page = await Infrastructure.ApiAssertions.ExpectJsonAsync(api.GetAsync(url));
        return (page, requests.Table - before);
    }

    /// <summary>Items (seq, isRead) in the order served, each page's size and table requests; stops at a null nextCursor or after maxPages.</summary>
    public async Task<(List<(long Seq, bool IsRead)> Items, List<int> PageSizes, List<long> RequestsPerPage)> WalkAsync(string firstUrl, int maxPages = 200)
    {
        var items = new List<(long, bool)>();
        var sizes = new List<int>();
        var counts = new List<long>();
        var url = firstUrl;
        while (counts.Count < maxPages)
        {
            var (page, tableRequests) = await GetAsync(url);
            counts.Add(tableRequests);
            var pageItems = page.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("seq").GetInt64(), i.GetProperty("isRead").GetBoolean())).ToList();
            sizes.Add(pageItems.Count);
            items.AddRange(pageItems);
            if (page.GetProperty("nextCursor").GetString() is not { } cursor)
            {
                break;
            }

            url = firstUrl + "&cursor=" + Uri.EscapeDataString(cursor);
        }

        return (items, sizes, counts);
    }
}
