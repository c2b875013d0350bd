using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Core.Inbox;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>Issue 16: the CRM's mark-read aliases, archived items and seen, through the standalone host on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxStatesTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    [Theory]
    [InlineData("ack")]
    [InlineData("read")]
    public async Task The_CRM_POST_aliases_mark_one_read_like_PATCH_read_idempotently_and_another_users_id_is_404(string verb)
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);
        using var intruder = _host.ClientFor("intruder", tenant);

        for (var i = 0; i < 2; i++)
        {
            using var response = await api.PostAsync($"api/v1/notifications/2/{verb}", null);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.True((await api.GetAsync("api/v1/notifications/2").ExpectJsonAsync()).GetProperty("isRead").GetBoolean());
        Assert.Equal(2, await UnreadCount(api));

        foreach (var (client, path) in new[] { (intruder, $"api/v1/notifications/1/{verb}"), (api, $"api/v1/notifications/999/{verb}"), (api, $"api/v1/notifications/x/{verb}") })
        {
            using var response = await client.PostAsync(path, null);
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "NOTIFICATION_NOT_FOUND");
        }

        Assert.False((await api.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("isRead").GetBoolean());
        Assert.Equal(2, await UnreadCount(api));
    }

    [Fact]
    public async Task Archived_items_leave_the_default_and_unread_lists_are_listed_with_archived_true_and_leave_the_unread_count()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 5);
        using var api = _host.ClientFor(user, tenant);

        // Seeded rows have no Archived property at all (as rows written before it existed): they are listed as not archived.
        Assert.Equal(new long[] { 5, 4, 3, 2, 1 }, await Seqs(api, "api/v1/notifications"));

        await Post(api, "api/v1/notifications/2/archive");
        await Post(api, "api/v1/notifications/4/archive");

        Assert.Equal(new long[] { 5, 3, 1 }, await Seqs(api, "api/v1/notifications"));
        Assert.Equal(new long[] { 5, 3, 1 }, await Seqs(api, "api/v1/notifications?unread=true"));
        Assert.Equal(new long[] { 4, 2 }, await Seqs(api, "api/v1/notifications?archived=true"));
        var archived = await api.GetAsync("api/v1/notifications/4").ExpectJsonAsync();
        Assert.True(archived.GetProperty("archived").GetBoolean());
        Assert.Equal(JsonValueKind.String, archived.GetProperty("archivedAt").ValueKind);

        var unread = await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync();
        Assert.Equal(3, unread.GetProperty("count").GetInt32());
        Assert.Equal(new long[] { 5, 3, 1 }, unread.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray());
        Assert.Equal(3, (await api.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("unreadCount").GetInt32());

        await Post(api, "api/v1/notifications/4/unarchive");
        Assert.Equal(new long[] { 5, 4, 3, 1 }, await Seqs(api, "api/v1/notifications"));
        Assert.Equal(new long[] { 2 }, await Seqs(api, "api/v1/notifications?archived=true"));
        Assert.Equal(4, await UnreadCount(api));
        var back = await api.GetAsync("api/v1/notifications/4").ExpectJsonAsync();
        Assert.False(back.GetProperty("archived").GetBoolean());
        Assert.Equal(JsonValueKind.Null, back.GetProperty("archivedAt").ValueKind);
    }

    [Fact]
    public async Task Archive_and_unarchive_are_idempotent_and_the_count_moves_once()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);

        for (var i = 0; i < 3; i++)
        {
            await Post(api, "api/v1/notifications/1/archive");
            Assert.Equal(2, await UnreadCount(api));
        }

        for (var i = 0; i < 3; i++)
        {
            await Post(api, "api/v1/notifications/1/unarchive");
            Assert.Equal(3, await UnreadCount(api));
        }

        // A read item moves no count either way.
        await Post(api, "api/v1/notifications/2/read");
        await Post(api, "api/v1/notifications/2/archive");
        Assert.Equal(2, await UnreadCount(api));
        await Post(api, "api/v1/notifications/2/unarchive");
        Assert.Equal(2, await UnreadCount(api));
    }

    [Fact]
    public async Task Read_delete_and_mark_all_read_of_archived_unread_items_never_take_them_off_the_count_twice()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 6);
        using var api = _host.ClientFor(user, tenant);
        foreach (var seq in new[] { 1, 2, 3 })
        {
            await Post(api, $"api/v1/notifications/{seq}/archive");
        }

        Assert.Equal(3, await UnreadCount(api));

        await Post(api, "api/v1/notifications/1/read");
        Assert.Equal(3, await UnreadCount(api));
        using (var delete = await api.DeleteAsync("api/v1/notifications/2"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal(3, await UnreadCount(api));

        // Marks 3 (archived), 4, 5 and 6 read; only the three unarchived ones were counted.
        var all = await api.PostAsync("api/v1/notifications/mark-all-read", null).ExpectJsonAsync();
        Assert.Equal(4, all.GetProperty("updated").GetInt32());
        Assert.Equal(0, await UnreadCount(api));

        // Unarchiving a read item brings nothing back.
        await Post(api, "api/v1/notifications/3/unarchive");
        Assert.Equal(0, await UnreadCount(api));
        Assert.Equal(0, CountFromRows(tenant, user));
    }

    [Fact]
    public async Task Another_users_or_tenants_id_is_the_same_404_for_archive_and_unarchive_and_changes_nothing()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 1);
        using var owner = _host.ClientFor(user, tenant);
        using var sameTenant = _host.ClientFor("intruder", tenant);
        using var otherTenant = _host.ClientFor(user, "other-tenant");

        foreach (var (client, path) in new[]
                 {
                     (sameTenant, "api/v1/notifications/1/archive"),
                     (otherTenant, "api/v1/notifications/1/archive"),
                     (sameTenant, "api/v1/notifications/1/unarchive"),
                     (owner, "api/v1/notifications/2/archive"),
                     (owner, "api/v1/notifications/0/archive"),
                     (owner, "api/v1/notifications/nope/unarchive"),
                 })
        {
            using var response = await client.PostAsync(path, null);
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "NOTIFICATION_NOT_FOUND");
        }

        Assert.False((await owner.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("archived").GetBoolean());
        Assert.Equal(1, await UnreadCount(owner));
    }

    [Fact]
    public async Task Archive_and_unarchive_reach_the_users_other_tabs_as_notificationsUpdated_with_the_counts()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 2);
        using var api = _host.ClientFor(user, tenant);
        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token(user, tenant), "notificationsUpdated", "unreadCountChanged");

        await Post(api, "api/v1/notifications/2/archive");
        var archived = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "archived");
        Assert.Equal(new[] { "2" }, archived.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!).ToArray());
        Assert.Equal(1, archived.GetProperty("counts").GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, archived.GetProperty("seq").GetInt64());
        Assert.Equal(1, (await tab.WaitForAsync("unreadCountChanged")).GetProperty("unreadCount").GetInt32());

        await Post(api, "api/v1/notifications/2/unarchive");
        var unarchived = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "unarchived");
        Assert.Equal(2, unarchived.GetProperty("counts").GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task Concurrent_archives_unarchives_reads_and_deliveries_on_one_inbox_leave_the_unread_count_exact()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 48);
        using var api = _host.ClientFor(user, tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);

        var deliveries = Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++)
            {
                await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } })
                    .ExpectJsonAsync(HttpStatusCode.Accepted);
            }
        });

        // Each seq gets a fixed sequence of operations, run concurrently with the others.
        var failures = new List<string>();
        await Parallel.ForEachAsync(Enumerable.Range(1, 48), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (seq, ct) =>
        {
            string[] steps = (seq % 4) switch
            {
                0 => ["archive", "archive"],
                1 => ["archive", "unarchive", "archive"],
                2 => ["read", "archive"],
                _ => ["archive", "read", "unarchive"],
            };
            foreach (var step in steps)
            {
                using var response = await api.PostAsync($"api/v1/notifications/{seq}/{step}", null, ct);
                if (response.StatusCode != HttpStatusCode.NoContent)
                {
                    lock (failures)
                    {
                        failures.Add($"{seq} {step}: {(int)response.StatusCode}");
                    }
                }
            }
        });
        await deliveries;
        Assert.Empty(failures);
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() >= 60);

        // Of the 48 seeded: seq%4==3 end unarchived but read; all others archived. So only the 12 delivered count.
        Assert.Equal(12, await UnreadCount(api));
        Assert.Equal(CountFromRows(tenant, user), await UnreadCount(api));
        Assert.Equal(36, (await Seqs(api, "api/v1/notifications?archived=true&limit=100")).Length);
    }

    [Fact]
    public async Task Seen_moves_a_watermark_items_carry_seenAt_and_unseenCount_stays_exact_through_archive_and_delivery()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 10);
        using var api = _host.ClientFor(user, tenant);

        var page = await api.GetAsync("api/v1/notifications?limit=100").ExpectJsonAsync();
        Assert.Equal(10, page.GetProperty("unseenCount").GetInt32());
        Assert.All(page.GetProperty("items").EnumerateArray(), i => Assert.Equal(JsonValueKind.Null, i.GetProperty("seenAt").ValueKind));

        // (0, 4] is the smaller range: counted there.
        var seen = await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 4 }).ExpectJsonAsync();
        Assert.Equal(6, seen.GetProperty("unseenCount").GetInt32());
        Assert.Equal(10, seen.GetProperty("unreadCount").GetInt32());
        Assert.Equal(10, seen.GetProperty("seq").GetInt64());
        var items = (await api.GetAsync("api/v1/notifications?limit=100").ExpectJsonAsync()).GetProperty("items").EnumerateArray().ToArray();
        Assert.All(items, i => Assert.Equal(i.GetProperty("seq").GetInt64() <= 4, i.GetProperty("seenAt").ValueKind == JsonValueKind.String));
        Assert.Equal(JsonValueKind.String, (await api.GetAsync("api/v1/notifications/3").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await api.GetAsync("api/v1/notifications/5").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);

        // Idempotent, and never moves back.
        Assert.Equal(6, (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 4 }).ExpectJsonAsync()).GetProperty("unseenCount").GetInt32());
        Assert.Equal(6, (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 2 }).ExpectJsonAsync()).GetProperty("unseenCount").GetInt32());

        // Archived items count as neither unread nor unseen; a seen one only leaves unread.
        await Post(api, "api/v1/notifications/7/archive");
        await Post(api, "api/v1/notifications/2/archive");
        Assert.Equal(5, await UnseenCount(api));
        Assert.Equal(8, await UnreadCount(api));

        // (8, 10] is the smaller range now: counted there, the archived 7 below it drops out either way.
        Assert.Equal(2, (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 8 }).ExpectJsonAsync()).GetProperty("unseenCount").GetInt32());
        Assert.Equal(2, UnseenFromRows(tenant, user, 8));

        // Past the latest seq: clamped, nothing left unseen; unarchiving a seen item brings nothing back.
        Assert.Equal(0, (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 999 }).ExpectJsonAsync()).GetProperty("unseenCount").GetInt32());
        await Post(api, "api/v1/notifications/7/unarchive");
        Assert.Equal(0, await UnseenCount(api));

        // A delivery is unseen and unread; deleting it takes it off both.
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } }).ExpectJsonAsync(HttpStatusCode.Accepted);
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() == 11);
        Assert.Equal(1, await UnseenCount(api));
        using (var delete = await api.DeleteAsync("api/v1/notifications/11"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal(0, await UnseenCount(api));
        Assert.Equal(9, await UnreadCount(api));
    }

    [Fact]
    public async Task Seen_refuses_a_missing_or_negative_upToSeq_with_400_and_an_inbox_from_before_seen_counts_as_all_seen()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);

        await (await api.PostJsonAsync("api/v1/notifications/seen", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = -1 })).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        // The seeded counter has no seen fields, as one written before this change.
        Assert.Equal(0, await UnseenCount(api));
        Assert.Equal(3, await UnreadCount(api));
    }

    [Fact]
    public async Task Seen_reaches_the_users_other_tabs_as_countsChanged_and_a_delete_sends_countsChanged_beside_unreadCountChanged()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);
        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token(user, tenant), "countsChanged", "unreadCountChanged");

        await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 2 }).ExpectJsonAsync();
        var counts = await tab.WaitForAsync("countsChanged", m => m.GetProperty("unseenCount").GetInt32() == 1);
        Assert.Equal(3, counts.GetProperty("unreadCount").GetInt32());
        Assert.Equal(3, counts.GetProperty("seq").GetInt64());

        using (var delete = await api.DeleteAsync("api/v1/notifications/3"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var after = await tab.WaitForAsync("countsChanged", m => m.GetProperty("unseenCount").GetInt32() == 0);
        Assert.Equal(2, after.GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, (await tab.WaitForAsync("unreadCountChanged", m => m.GetProperty("unreadCount").GetInt32() == 2)).GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task Seen_calls_racing_deliveries_and_archives_leave_the_unseen_count_exact()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 40);
        using var api = _host.ClientFor(user, tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);

        var deliveries = Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } })
                    .ExpectJsonAsync(HttpStatusCode.Accepted);
            }
        });
        var statuses = new List<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(1, 40), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (seq, ct) =>
        {
            using var response = seq % 5 == 0
                ? await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = seq })
                : await api.PostAsync($"api/v1/notifications/{seq}/{(seq % 2 == 0 ? "archive" : "read")}", null, ct);
            lock (statuses)
            {
                statuses.Add(response.StatusCode);
            }
        });
        await deliveries;
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.NoContent, ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() >= 50);

        var counter = Inbox.GetEntity<TableEntity>(InboxKeys.Partition(tenant, user), InboxKeys.CounterRowKey).Value;
        var watermark = counter.GetInt64("SeenUpToSeq")!.Value;
        Assert.Equal(40, watermark);
        Assert.Equal(UnseenFromRows(tenant, user, watermark), await UnseenCount(api));
        Assert.Equal(10, await UnseenCount(api));
        Assert.Equal(CountFromRows(tenant, user), await UnreadCount(api));
    }

    /// <summary>Seeded rows with a counter that has seen nothing yet (as deliveries after this change leave it).</summary>
    private async Task SeedUnseenAsync(string tenant, string user, int count)
    {
        await InboxSeed.WriteAsync(Inbox, tenant, user, count);
        await Inbox.UpdateEntityAsync(new TableEntity(InboxKeys.Partition(tenant, user), InboxKeys.CounterRowKey) { ["Unseen"] = count, ["SeenUpToSeq"] = 0L }, Azure.ETag.All, TableUpdateMode.Merge);
    }

    private int UnseenFromRows(string tenant, string user, long watermark)
    {
        var pk = InboxKeys.Partition(tenant, user);
        return Inbox.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {InboxKeys.NotificationPrefix} and RowKey lt {InboxKeys.NotificationUpperBound}"))
            .Count(r => r.GetBoolean("Archived") != true && InboxKeys.SeqFromRowKey(r.RowKey) > watermark);
    }

    private static async Task<int> UnseenCount(HttpClient api) =>
        (await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync()).GetProperty("unseenCount").GetInt32();

    private int CountFromRows(string tenant, string user)
    {
        var pk = InboxKeys.Partition(tenant, user);
        return Inbox.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {InboxKeys.NotificationPrefix} and RowKey lt {InboxKeys.NotificationUpperBound}"))
            .Count(r => r.GetBoolean("IsRead") != true && r.GetBoolean("Archived") != true);
    }

    private static async Task Post(HttpClient api, string path)
    {
        using var response = await api.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task<int> UnreadCount(HttpClient api) =>
        (await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync()).GetProperty("count").GetInt32();

    private static async Task<long[]> Seqs(HttpClient api, string path) =>
        (await api.GetAsync(path).ExpectJsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray();

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);
}
