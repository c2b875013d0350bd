using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>Issue 16: POST /v1/notifications/bulk (and mark-all-read on the same engine), through the standalone host on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxBulkTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Rows = 44;
    private const long Watermark = 10;
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UtcNow.AddHours(-2);

    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    public static TheoryData<string, string> ActionsAndFilters()
    {
        var data = new TheoryData<string, string>();
        foreach (var action in new[] { "read", "archive", "delete" })
        {
            foreach (var filter in new[] { "none", "type", "priority", "channel", "before", "unread", "archived", "combined" })
            {
                data.Add(action, filter);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ActionsAndFilters))]
    public async Task Each_action_with_each_filter_field_changes_exactly_the_matching_items_the_counts_equal_a_recount_and_a_retry_changes_nothing(string action, string filterName)
    {
        var (tenant, user) = NewUser();
        await SeedMixedAsync(tenant, user);
        using var api = _host.ClientFor(user, tenant);
        var before = Snapshot(tenant, user);

        var (filter, matches) = Filter(filterName);
        var expected = before.Values.Where(r => matches(r) && !r.Snoozed && (filterName is "archived" ? r.Archived : !r.Archived)
                                                 && action switch { "read" => !r.IsRead, "archive" => !r.Archived, _ => true })
            .Select(r => r.Seq).ToHashSet();
        // Archiving what the filter says is archived already is the one pair that matches nothing.
        Assert.Equal(action == "archive" && filterName == "archived", expected.Count == 0);

        var result = await api.PostJsonAsync("api/v1/notifications/bulk", new { action, filter }).ExpectJsonAsync();
        Assert.Equal(expected.Count, result.GetProperty("updated").GetInt32());
        Assert.False(result.GetProperty("more").GetBoolean());

        var after = Snapshot(tenant, user);
        foreach (var (seq, row) in before)
        {
            if (!expected.Contains(seq))
            {
                Assert.Equal(row, after[seq]);
                continue;
            }

            switch (action)
            {
                case "read":
                    Assert.Equal(row with { IsRead = true }, after[seq]);
                    break;
                case "archive":
                    Assert.Equal(row with { Archived = true }, after[seq]);
                    break;
                default:
                    Assert.False(after.ContainsKey(seq), $"{seq} should be deleted");
                    break;
            }
        }

        await AssertCountsMatchRowsAsync(api, tenant, user);
        var counts = await Counts(api);

        // Safe to retry: nothing more matches, nothing moves.
        var again = await api.PostJsonAsync("api/v1/notifications/bulk", new { action, filter }).ExpectJsonAsync();
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.False(again.GetProperty("more").GetBoolean());
        Assert.Equal(after, Snapshot(tenant, user));
        Assert.Equal(counts, await Counts(api));
    }

    [Fact]
    public async Task Mark_all_read_is_bulk_read_with_an_empty_filter_reads_archived_items_too_and_never_touches_snoozed_ones()
    {
        var (tenant, user) = NewUser();
        await SeedMixedAsync(tenant, user);
        using var api = _host.ClientFor(user, tenant);
        var before = Snapshot(tenant, user);
        var expected = before.Values.Where(r => !r.IsRead && !r.Snoozed).Select(r => r.Seq).ToHashSet();

        var result = await api.PostAsync("api/v1/notifications/mark-all-read", null).ExpectJsonAsync();

        Assert.Equal(expected.Count, result.GetProperty("updated").GetInt32());
        var after = Snapshot(tenant, user);
        Assert.All(before.Values, r => Assert.Equal(expected.Contains(r.Seq) ? r with { IsRead = true } : r, after[r.Seq]));
        Assert.Contains(after.Values, r => r.Snoozed && !r.IsRead);
        Assert.Equal(0, (await Counts(api)).Unread);
        await AssertCountsMatchRowsAsync(api, tenant, user);
    }

    [Fact]
    public async Task More_is_true_while_rows_are_left_beyond_the_per_call_bound_and_repeated_calls_finish_the_job()
    {
        // The real bound is 100 transactions (9,900 rows); two transactions (198 rows) exercise the same code.
        _host.Services.GetRequiredService<InboxStore>().BulkBatchesPerCall = 2;
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 450);
        using var api = _host.ClientFor(user, tenant);

        var calls = new List<(int Updated, bool More)>();
        for (var i = 0; i < 4; i++)
        {
            var result = await api.PostJsonAsync("api/v1/notifications/bulk", new { action = "archive" }).ExpectJsonAsync();
            calls.Add((result.GetProperty("updated").GetInt32(), result.GetProperty("more").GetBoolean()));
        }

        Assert.Equal(new[] { (198, true), (198, true), (54, false), (0, false) }, calls);
        Assert.All(Snapshot(tenant, user).Values, r => Assert.True(r.Archived));
        Assert.Equal(0, (await Counts(api)).Unread);
        await AssertCountsMatchRowsAsync(api, tenant, user);
        Assert.Equal(9_900, InboxStore.BulkBatchSize * InboxStore.MaxBulkBatches);
    }

    [Fact]
    public async Task Bulk_calls_racing_deliveries_keep_the_counts_exact_and_before_leaves_the_new_deliveries_untouched()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 600);
        await BackdateAsync(tenant, user, DateTimeOffset.UtcNow.AddHours(-1));
        using var api = _host.ClientFor(user, tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var cutoff = DateTimeOffset.UtcNow.AddMinutes(-30);

        async Task DeliverAsync(int count) => await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, ct) =>
            await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } }).ExpectJsonAsync(HttpStatusCode.Accepted));

        // Read, then archive, then delete the old items while deliveries keep arriving: every delivery stays unread and counted.
        var results = new List<JsonElement>();
        foreach (var (action, filter) in new (string, object)[]
                 {
                     ("read", new { before = cutoff }),
                     ("archive", new { before = cutoff }),
                     ("delete", new { before = cutoff, archived = true }),
                 })
        {
            var deliveries = DeliverAsync(10);
            results.Add(await api.PostJsonAsync("api/v1/notifications/bulk", new { action, filter }).ExpectJsonAsync());
            await deliveries;
        }

        Assert.All(results, r => Assert.Equal(600, r.GetProperty("updated").GetInt32()));
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() >= 630);
        var rows = Snapshot(tenant, user);
        Assert.Equal(30, rows.Count);
        Assert.All(rows.Values, r => Assert.True(r.Seq > 600 && !r.IsRead && !r.Archived));
        Assert.Equal(30, (await Counts(api)).Unread);
        Assert.Equal(30, (await Counts(api)).Unseen);
        await AssertCountsMatchRowsAsync(api, tenant, user);

        // Without `before`, racing deliveries may or may not be caught; either way the counts equal a recount.
        var racing = DeliverAsync(12);
        await api.PostJsonAsync("api/v1/notifications/bulk", new { action = "archive" }).ExpectJsonAsync();
        await racing;
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() >= 642);
        await AssertCountsMatchRowsAsync(api, tenant, user);
    }

    [Fact]
    public async Task Another_users_and_another_tenants_rows_and_counts_are_untouched()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 20);
        await InboxSeed.WriteAsync(Inbox, tenant, "neighbour", 20);
        await InboxSeed.WriteAsync(Inbox, "other-" + tenant, user, 20);
        using var api = _host.ClientFor(user, tenant);
        var neighbour = Snapshot(tenant, "neighbour");
        var twin = Snapshot("other-" + tenant, user);

        foreach (var action in new[] { "read", "archive", "delete" })
        {
            await api.PostJsonAsync("api/v1/notifications/bulk", new { action, filter = new { archived = action == "delete" } }).ExpectJsonAsync();
        }

        Assert.Empty(Snapshot(tenant, user));
        Assert.Equal(neighbour, Snapshot(tenant, "neighbour"));
        Assert.Equal(twin, Snapshot("other-" + tenant, user));
        using var neighbourApi = _host.ClientFor("neighbour", tenant);
        Assert.Equal(20, (await Counts(neighbourApi)).Unread);
        using var twinApi = _host.ClientFor(user, "other-" + tenant);
        Assert.Equal(20, (await Counts(twinApi)).Unread);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("""{"action":"purge"}""")]
    [InlineData("""{"action":1}""")]
    [InlineData("""{"action":null}""")]
    [InlineData("""{"action":"read","filter":[]}""")]
    [InlineData("""{"action":"read","filter":"unread"}""")]
    [InlineData("""{"action":"read","filter":{"priority":"urgent"}}""")]
    [InlineData("""{"action":"read","filter":{"priority":2}}""")]
    [InlineData("""{"action":"read","filter":{"channel":"fax"}}""")]
    [InlineData("""{"action":"read","filter":{"before":"yesterday"}}""")]
    [InlineData("""{"action":"read","filter":{"before":1700000000}}""")]
    [InlineData("""{"action":"read","filter":{"unread":"yes"}}""")]
    [InlineData("""{"action":"read","filter":{"archived":1}}""")]
    [InlineData("""{"action":"read","filter":{"type":5}}""")]
    [InlineData("""{"action":"read","filter":{"type":""}}""")]
    [InlineData("""{"action":"delete","filter":{"snoozed":true}}""")]
    [InlineData("""{"action":"delete","filter":{"tpye":"task.assigned"}}""")]
    [InlineData("""{"action":"delete","everything":true}""")]
    public async Task Bad_requests_are_400_VALIDATION_ERROR_and_change_nothing(string body)
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 5);
        using var api = _host.ClientFor(user, tenant);
        var before = Snapshot(tenant, user);

        using var response = await api.PostAsync("api/v1/notifications/bulk", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.Equal(before, Snapshot(tenant, user));
        Assert.Equal(5, (await Counts(api)).Unread);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_400_INVALID_JSON_and_no_token_is_401()
    {
        var (tenant, user) = NewUser();
        using var api = _host.ClientFor(user, tenant);
        using var broken = await api.PostAsync("api/v1/notifications/bulk", new StringContent("{\"action\":", Encoding.UTF8, "application/json"));
        await broken.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_JSON");
        using var empty = await api.PostAsync("api/v1/notifications/bulk", null);
        await empty.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_JSON");
        using var anonymous = await _host.Http.PostAsJsonAsync("api/v1/notifications/bulk", new { action = "read" });
        await anonymous.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Bulk_calls_reach_the_users_other_tabs_once_per_call_with_ids_state_and_counts()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 6, type: seq => seq <= 3 ? "task.completed" : "task.assigned");
        using var api = _host.ClientFor(user, tenant);
        await using var tab = await SignalRNodeClient.ConnectAsync(
            _host.BaseAddress, _host.Token(user, tenant), "notificationsUpdated", "notificationsRead", "unreadCountChanged", "countsChanged");

        await api.PostJsonAsync("api/v1/notifications/bulk", new { action = "read", filter = new { type = "task.completed" } }).ExpectJsonAsync();
        var read = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "read");
        Assert.Equal(new[] { "3", "2", "1" }, Ids(read));
        Assert.Equal(3, read.GetProperty("counts").GetProperty("unreadCount").GetInt32());
        Assert.Equal(6, read.GetProperty("seq").GetInt64());
        Assert.Equal(new[] { "3", "2", "1" }, Ids(await tab.WaitForAsync("notificationsRead")));
        Assert.Equal(3, (await tab.WaitForAsync("unreadCountChanged")).GetProperty("unreadCount").GetInt32());
        Assert.Equal(3, (await tab.WaitForAsync("countsChanged")).GetProperty("unreadCount").GetInt32());

        await api.PostJsonAsync("api/v1/notifications/bulk", new { action = "archive", filter = new { unread = true } }).ExpectJsonAsync();
        var archived = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "archived");
        Assert.Equal(new[] { "6", "5", "4" }, Ids(archived));
        Assert.Equal(0, archived.GetProperty("counts").GetProperty("unreadCount").GetInt32());
        Assert.Equal(0, (await tab.WaitForAsync("countsChanged", m => m.GetProperty("unreadCount").GetInt32() == 0)).GetProperty("unseenCount").GetInt32());

        await api.PostJsonAsync("api/v1/notifications/bulk", new { action = "delete", filter = new { archived = true } }).ExpectJsonAsync();
        var deleted = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "deleted");
        Assert.Equal(new[] { "6", "5", "4" }, Ids(deleted));

        // A call that changes nothing sends nothing; each call above sent exactly one notificationsUpdated.
        await api.PostJsonAsync("api/v1/notifications/bulk", new { action = "delete", filter = new { archived = true } }).ExpectJsonAsync();
        Assert.Equal(3, (await tab.ReceivedAsync("notificationsUpdated", TimeSpan.FromMilliseconds(500))).Count);
    }

    [Fact]
    public async Task Single_mark_read_by_each_route_mark_all_read_and_delete_send_notificationsUpdated_and_countsChanged_beside_the_old_messages()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 6);
        using var api = _host.ClientFor(user, tenant);
        await using var tab = await SignalRNodeClient.ConnectAsync(
            _host.BaseAddress, _host.Token(user, tenant), "notificationsUpdated", "notificationsRead", "unreadCountChanged", "countsChanged");

        using (var patch = await api.PatchAsync("api/v1/notifications/1/read", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        await Post(api, "api/v1/notifications/2/read");
        await Post(api, "api/v1/notifications/3/ack");
        var unread = 6;
        foreach (var id in new[] { "1", "2", "3" })
        {
            unread--;
            var updated = await tab.WaitForAsync("notificationsUpdated", m => Ids(m).SequenceEqual([id]));
            Assert.Equal("read", updated.GetProperty("state").GetString());
            Assert.Equal(unread, updated.GetProperty("counts").GetProperty("unreadCount").GetInt32());
            Assert.Equal(unread, (await tab.WaitForAsync("countsChanged", m => m.GetProperty("unreadCount").GetInt32() == unread)).GetProperty("unreadCount").GetInt32());
            Assert.Equal(unread, (await tab.WaitForAsync("notificationsRead", m => Ids(m).SequenceEqual([id]))).GetProperty("unreadCount").GetInt32());
        }

        using (var delete = await api.DeleteAsync("api/v1/notifications/4"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var deleted = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "deleted");
        Assert.Equal(new[] { "4" }, Ids(deleted));
        Assert.Equal(2, deleted.GetProperty("counts").GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, (await tab.WaitForAsync("unreadCountChanged", m => m.GetProperty("unreadCount").GetInt32() == 2)).GetProperty("unreadCount").GetInt32());

        await api.PostAsync("api/v1/notifications/mark-all-read", null).ExpectJsonAsync();
        var all = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "read" && Ids(m).Length == 2);
        Assert.Equal(new[] { "6", "5" }, Ids(all));
        Assert.Equal(0, all.GetProperty("counts").GetProperty("unreadCount").GetInt32());
        Assert.Equal(0, (await tab.WaitForAsync("countsChanged", m => m.GetProperty("unreadCount").GetInt32() == 0)).GetProperty("unseenCount").GetInt32());
    }

    /// <summary>One row's state as the tests compare it.</summary>
    private sealed record Row(long Seq, string Type, string Priority, string Channel, DateTimeOffset CreatedAt, bool IsRead, bool Archived, bool Snoozed);

    /// <summary>
    /// Rows 1..44 with every mix of type, priority, channel, age, read, archived and snoozed; seen up to seq 10; the counter
    /// holds the counts the counter rule gives for them.
    /// </summary>
    private async Task SeedMixedAsync(string tenant, string user)
    {
        var pk = InboxKeys.Partition(tenant, user);
        var rows = Enumerable.Range(1, Rows).Select(i => (long)i).Select(seq => new Row(
            seq,
            seq % 3 == 0 ? "task.completed" : "task.assigned",
            seq % 4 == 1 ? "high" : "normal",
            seq % 5 == 0 ? "email" : "web",
            Epoch.AddMinutes(seq),
            seq % 2 == 0,
            seq % 7 == 0,
            seq % 11 == 0)).ToList();
        var entities = rows.Select(r =>
        {
            var entity = new TableEntity(pk, InboxKeys.NotificationRowKey(r.Seq))
            {
                ["EventId"] = "evt_seed_" + r.Seq,
                ["Type"] = r.Type,
                ["Title"] = "Seeded " + r.Seq,
                ["Body"] = "A seeded notification.",
                ["Priority"] = r.Priority,
                ["Channel"] = r.Channel,
                ["IsRead"] = r.IsRead,
                ["Archived"] = r.Archived,
                ["CreatedAt"] = r.CreatedAt,
                ["ExpiresAt"] = DateTimeOffset.UtcNow.AddDays(7),
            };
            if (r.Snoozed)
            {
                // As the snooze feature writes it: hidden and out of both counts until it wakes.
                entity["Snoozed"] = true;
                entity["SnoozedUntil"] = DateTimeOffset.UtcNow.AddDays(1);
            }

            return entity;
        }).ToList();
        await Inbox.SubmitValidatedTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)).ToList());
        var counted = rows.Where(r => !r.Archived && !r.Snoozed).ToList();
        await Inbox.UpsertEntityAsync(new TableEntity(pk, InboxKeys.CounterRowKey)
        {
            ["Seq"] = (long)Rows,
            ["Unread"] = counted.Count(r => !r.IsRead),
            ["Unseen"] = counted.Count(r => r.Seq > Watermark),
            ["SeenUpToSeq"] = Watermark,
            ["WindowPushes"] = 0,
            ["PushSuppressed"] = false,
        });
    }

    /// <summary>The request's filter object and the same rule in C#.</summary>
    private static (object? Filter, Func<Row, bool> Matches) Filter(string name)
    {
        var cutoff = Epoch.AddMinutes(20.5);
        return name switch
        {
            "none" => (null, _ => true),
            "type" => (new { type = "task.completed" }, r => r.Type == "task.completed"),
            "priority" => (new { priority = "high" }, r => r.Priority == "high"),
            "channel" => (new { channel = "email" }, r => r.Channel == "email"),
            "before" => (new { before = cutoff.ToString("O") }, r => r.CreatedAt < cutoff),
            "unread" => (new { unread = true }, r => !r.IsRead),
            "archived" => (new { archived = true }, r => true),
            _ => (new { type = "task.assigned", priority = "normal", before = Epoch.AddMinutes(35).ToString("O"), unread = false, channel = "web" },
                r => r.Type == "task.assigned" && r.Priority == "normal" && r.CreatedAt < Epoch.AddMinutes(35) && r.Channel == "web"),
        };
    }

    private Dictionary<long, Row> Snapshot(string tenant, string user)
    {
        var pk = InboxKeys.Partition(tenant, user);
        return Inbox.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {InboxKeys.NotificationPrefix} and RowKey lt {InboxKeys.NotificationUpperBound}"))
            .Select(e => new Row(
                InboxKeys.SeqFromRowKey(e.RowKey),
                e.GetString("Type") ?? "",
                e.GetString("Priority") ?? "",
                e.GetString("Channel") ?? "",
                e.GetDateTimeOffset("CreatedAt") ?? default,
                e.GetBoolean("IsRead") == true,
                e.GetBoolean("Archived") == true,
                e.GetBoolean("Snoozed") == true))
            .ToDictionary(r => r.Seq);
    }

    /// <summary>The counter rule recomputed from the rows, against what the API says.</summary>
    private async Task AssertCountsMatchRowsAsync(HttpClient api, string tenant, string user)
    {
        var counter = Inbox.GetEntity<TableEntity>(InboxKeys.Partition(tenant, user), InboxKeys.CounterRowKey).Value;
        var watermark = counter.GetInt64("SeenUpToSeq") ?? counter.GetInt64("Seq")!.Value;
        var counted = Snapshot(tenant, user).Values.Where(r => !r.Archived && !r.Snoozed).ToList();
        var counts = await Counts(api);
        Assert.Equal(counted.Count(r => !r.IsRead), counts.Unread);
        Assert.Equal(counted.Count(r => r.Seq > watermark), counts.Unseen);
    }

    private async Task BackdateAsync(string tenant, string user, DateTimeOffset createdAt)
    {
        var pk = InboxKeys.Partition(tenant, user);
        var keys = Inbox.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {InboxKeys.NotificationPrefix} and RowKey lt {InboxKeys.NotificationUpperBound}"), select: ["RowKey"]).ToList();
        foreach (var chunk in keys.Chunk(100))
        {
            await Inbox.SubmitValidatedTransactionAsync(chunk.Select(k => new TableTransactionAction(
                TableTransactionActionType.UpdateMerge, new TableEntity(pk, k.RowKey) { ["CreatedAt"] = createdAt })).ToList());
        }
    }

    private static async Task<(int Unread, int Unseen)> Counts(HttpClient api)
    {
        var unread = await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync();
        return (unread.GetProperty("count").GetInt32(), unread.GetProperty("unseenCount").GetInt32());
    }

    private static string[] Ids(JsonElement message) => message.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!).ToArray();

    private static async Task Post(HttpClient api, string path)
    {
        using var response = await api.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);
}
