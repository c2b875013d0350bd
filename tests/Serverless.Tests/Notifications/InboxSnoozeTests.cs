using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;
using Serverless.Standalone.Hosting;
using Serverless.Tests.Infrastructure;
using Serverless.Tests.MemberChannel;
using Xunit.Abstractions;

namespace Serverless.Tests.Notifications;

/// <summary>Issue 16, snooze: hiding, the wake-up timer with a fake clock, the counter rule, through the standalone host on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxSnoozeTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite, configureServices: s => ManualClock.Use(s, _clock));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    private TableClient Index => _host.Services.GetRequiredService<InboxStore>().SnoozeIndex;

    [Fact]
    public async Task A_snoozed_item_leaves_the_default_and_unread_lists_and_both_counts_and_snoozed_true_lists_it_with_snoozedUntil()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);
        var until = _clock.GetUtcNow().AddMinutes(10);

        await Snooze(api, 2, until);

        Assert.Equal(new long[] { 3, 1 }, await Seqs(api, "api/v1/notifications"));
        Assert.Equal(new long[] { 3, 1 }, await Seqs(api, "api/v1/notifications?unread=true"));
        var unread = await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync();
        Assert.Equal(2, unread.GetProperty("count").GetInt32());
        Assert.Equal(2, unread.GetProperty("unseenCount").GetInt32());
        Assert.Equal(new long[] { 3, 1 }, unread.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray());
        Assert.Equal(2, (await api.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("unreadCount").GetInt32());

        var snoozed = await api.GetAsync("api/v1/notifications?snoozed=true").ExpectJsonAsync();
        var item = Assert.Single(snoozed.GetProperty("items").EnumerateArray());
        Assert.Equal(2, item.GetProperty("seq").GetInt64());
        Assert.True(item.GetProperty("snoozed").GetBoolean());
        Assert.Equal(until.ToUnixTimeMilliseconds(), item.GetProperty("snoozedUntil").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.False(item.GetProperty("isRead").GetBoolean());

        var others = await api.GetAsync("api/v1/notifications/3").ExpectJsonAsync();
        Assert.False(others.GetProperty("snoozed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, others.GetProperty("snoozedUntil").ValueKind);
        Assert.Equal((2, 2), Recount(tenant, user));

        // Written before the row, keyed by the due minute: the first whole minute at or after until.
        var entry = Assert.Single(IndexEntries(tenant, user));
        Assert.Equal(InboxSnoozeIndex.DueMinute(until), entry.PartitionKey);
        Assert.Equal($"{tenant}|{user}|2", entry.RowKey);
    }

    [Fact]
    public async Task Snooze_refuses_an_until_too_soon_too_far_missing_or_not_a_date_with_400_and_changes_nothing()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 2);
        using var api = _host.ClientFor(user, tenant);
        var now = _clock.GetUtcNow();

        foreach (var body in new object[]
                 {
                     new { until = now.AddSeconds(59).ToString("O", CultureInfo.InvariantCulture) },
                     new { until = now.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture) },
                     new { until = now.AddDays(30).AddSeconds(1).ToString("O", CultureInfo.InvariantCulture) },
                     new { },
                     new { until = (string?)null },
                     new { until = "tomorrow" },
                     new { until = 1234567890 },
                 })
        {
            using var response = await api.PostJsonAsync("api/v1/notifications/1/snooze", body);
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        Assert.Equal(2, await UnreadCount(api));
        Assert.Empty(IndexEntries(tenant, user));

        // Both ends are allowed.
        await Snooze(api, 1, now.AddMinutes(1));
        await Snooze(api, 2, now.AddDays(30));
        Assert.Equal(0, await UnreadCount(api));
    }

    [Fact]
    public async Task Snooze_and_unsnooze_of_another_users_a_missing_or_a_malformed_id_is_the_same_404_and_changes_nothing()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 1);
        using var owner = _host.ClientFor(user, tenant);
        using var sameTenant = _host.ClientFor("intruder", tenant);
        using var otherTenant = _host.ClientFor(user, "other-" + tenant);
        var body = new { until = _clock.GetUtcNow().AddMinutes(5).ToString("O", CultureInfo.InvariantCulture) };

        foreach (var (client, path) in new[]
                 {
                     (sameTenant, "api/v1/notifications/1/snooze"),
                     (otherTenant, "api/v1/notifications/1/snooze"),
                     (owner, "api/v1/notifications/2/snooze"),
                     (owner, "api/v1/notifications/0/snooze"),
                     (owner, "api/v1/notifications/nope/snooze"),
                     (sameTenant, "api/v1/notifications/1/unsnooze"),
                     (owner, "api/v1/notifications/2/unsnooze"),
                     (owner, "api/v1/notifications/x/unsnooze"),
                 })
        {
            using var response = await client.PostJsonAsync(path, body);
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "NOTIFICATION_NOT_FOUND");
        }

        Assert.False((await owner.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("snoozed").GetBoolean());
        Assert.Equal(1, await UnreadCount(owner));
    }

    [Fact]
    public async Task Snooze_is_idempotent_and_unsnooze_brings_the_item_back_once_in_its_read_state_and_drops_its_index_entry()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);
        var until = _clock.GetUtcNow().AddMinutes(10);

        for (var i = 0; i < 3; i++)
        {
            await Snooze(api, 1, until);
            Assert.Equal(2, await UnreadCount(api));
            Assert.Equal(2, await UnseenCount(api));
        }

        Assert.Single(IndexEntries(tenant, user));
        for (var i = 0; i < 3; i++)
        {
            await Post(api, "api/v1/notifications/1/unsnooze");
            Assert.Equal(3, await UnreadCount(api));
            Assert.Equal(3, await UnseenCount(api));
        }

        Assert.Empty(IndexEntries(tenant, user));
        Assert.Equal(new long[] { 3, 2, 1 }, await Seqs(api, "api/v1/notifications"));

        // A read item moves no unread count either way and comes back read (unsnooze is not a wake-up).
        await Post(api, "api/v1/notifications/2/read");
        await Snooze(api, 2, until);
        Assert.Equal(2, await UnreadCount(api));
        Assert.Equal(2, await UnseenCount(api));
        await Post(api, "api/v1/notifications/2/unsnooze");
        Assert.Equal(2, await UnreadCount(api));
        Assert.Equal(3, await UnseenCount(api));
        Assert.True((await api.GetAsync("api/v1/notifications/2").ExpectJsonAsync()).GetProperty("isRead").GetBoolean());
        Assert.Equal((2, 3), Recount(tenant, user));
    }

    [Fact]
    public async Task A_due_item_wakes_up_as_unread_and_unseen_with_a_fresh_notificationCreated_and_not_a_minute_before()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);
        await Post(api, "api/v1/notifications/2/read");
        await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 3 }).ExpectJsonAsync();
        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token(user, tenant),
            "notificationCreated", "notificationsUpdated", "countsChanged", "unreadCountChanged");

        var until = _clock.GetUtcNow().AddMinutes(5).AddSeconds(30);
        await Snooze(api, 2, until);
        var snoozed = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "snoozed");
        Assert.Equal(new[] { "2" }, snoozed.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!).ToArray());
        Assert.Equal(2, snoozed.GetProperty("counts").GetProperty("unreadCount").GetInt32());

        // Unsnooze and snooze of an unread one reach the tab with the counts.
        await Snooze(api, 3, until);
        Assert.Equal(1, (await tab.WaitForAsync("unreadCountChanged", m => m.GetProperty("unreadCount").GetInt32() == 1)).GetProperty("unreadCount").GetInt32());
        await Post(api, "api/v1/notifications/3/unsnooze");
        var unsnoozed = await tab.WaitForAsync("notificationsUpdated", m => m.GetProperty("state").GetString() == "unsnoozed");
        Assert.Equal(2, unsnoozed.GetProperty("counts").GetProperty("unreadCount").GetInt32());

        // Just before until: nothing wakes.
        _clock.Advance(until - _clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        await RunWakeUpThroughTheFunctionAsync();
        Assert.Equal(new long[] { 2 }, await Seqs(api, "api/v1/notifications?snoozed=true"));
        Assert.Equal(2, await UnreadCount(api));
        Assert.Empty(await tab.ReceivedAsync("notificationCreated", TimeSpan.FromMilliseconds(300)));

        // A minute after until the timer has run at least once past the due minute.
        _clock.Advance(TimeSpan.FromSeconds(61));
        await RunWakeUpThroughTheFunctionAsync();
        var created = await tab.WaitForAsync("notificationCreated");
        Assert.Equal("2", created.GetProperty("id").GetString());
        Assert.False(created.GetProperty("isRead").GetBoolean());
        Assert.False(created.GetProperty("snoozed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("readAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("snoozedUntil").ValueKind);
        Assert.Equal("Seeded 2", created.GetProperty("title").GetString());
        var counts = await tab.WaitForAsync("countsChanged", m => m.GetProperty("unseenCount").GetInt32() == 1);
        Assert.Equal(3, counts.GetProperty("unreadCount").GetInt32());
        Assert.Equal(3, (await tab.WaitForAsync("unreadCountChanged", m => m.GetProperty("unreadCount").GetInt32() == 3)).GetProperty("seq").GetInt64());

        Assert.Equal(new long[] { 3, 2, 1 }, await Seqs(api, "api/v1/notifications"));
        Assert.Empty(await Seqs(api, "api/v1/notifications?snoozed=true"));
        var item = await api.GetAsync("api/v1/notifications/2").ExpectJsonAsync();
        Assert.False(item.GetProperty("isRead").GetBoolean());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("seenAt").ValueKind);
        Assert.Equal(JsonValueKind.String, (await api.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);
        Assert.Equal(3, await UnreadCount(api));
        Assert.Equal(1, await UnseenCount(api));
        Assert.Equal((3, 1), Recount(tenant, user));
        Assert.Empty(IndexEntries(tenant, user));
    }

    [Fact]
    public async Task An_item_snoozed_past_its_TTL_lives_until_a_day_after_it_wakes_instead_of_vanishing_while_snoozed()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 1); // expires in 7 days
        using var api = _host.ClientFor(user, tenant);
        var until = _clock.GetUtcNow().AddDays(10);
        await Snooze(api, 1, until);
        var expiresAt = (await api.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt - (until + InboxStore.SnoozedLifetimeAfterWake), TimeSpan.FromMilliseconds(-1), TimeSpan.FromMilliseconds(1));

        // Past the original TTL the cleanup timer leaves it; at until it wakes.
        _clock.Advance(TimeSpan.FromDays(8));
        await _host.Services.GetRequiredService<InboxCleanup>().RunAsync(default);
        Assert.Equal(new long[] { 1 }, await Seqs(api, "api/v1/notifications?snoozed=true"));
        _clock.Advance(TimeSpan.FromDays(2).Add(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, (await RunWakeUpAsync()).Woken);
        Assert.Equal(new long[] { 1 }, await Seqs(api, "api/v1/notifications"));
        Assert.Equal(1, await UnreadCount(api));
    }

    [Fact]
    public async Task Snoozing_again_moves_the_time_so_the_old_entry_turns_stale_and_the_item_does_not_wake_early()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 2);
        using var api = _host.ClientFor(user, tenant);
        var start = _clock.GetUtcNow();

        await Snooze(api, 1, start.AddMinutes(5));
        await Snooze(api, 1, start.AddMinutes(20));
        Assert.Equal(2, IndexEntries(tenant, user).Count);
        Assert.Equal(1, await UnreadCount(api));
        var moved = Assert.Single((await api.GetAsync("api/v1/notifications?snoozed=true").ExpectJsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(start.AddMinutes(20).ToUnixTimeMilliseconds(), moved.GetProperty("snoozedUntil").GetDateTimeOffset().ToUnixTimeMilliseconds());

        _clock.Advance(TimeSpan.FromMinutes(7));
        await RunWakeUpAsync();
        Assert.Equal(new long[] { 1 }, await Seqs(api, "api/v1/notifications?snoozed=true"));
        Assert.Equal(1, await UnreadCount(api));
        var left = Assert.Single(IndexEntries(tenant, user));
        Assert.Equal(InboxSnoozeIndex.DueMinute(start.AddMinutes(20)), left.PartitionKey);

        _clock.Advance(TimeSpan.FromMinutes(15));
        await RunWakeUpAsync();
        Assert.Empty(await Seqs(api, "api/v1/notifications?snoozed=true"));
        Assert.Equal(2, await UnreadCount(api));
        Assert.Empty(IndexEntries(tenant, user));
    }

    [Fact]
    public async Task Read_archive_and_delete_while_snoozed_move_no_count_and_the_wake_up_respects_them()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 4);
        using var api = _host.ClientFor(user, tenant);
        var until = _clock.GetUtcNow().AddMinutes(5);
        foreach (var seq in new[] { 1, 2, 3 })
        {
            await Snooze(api, seq, until);
        }

        Assert.Equal(1, await UnreadCount(api));
        Assert.Equal(1, await UnseenCount(api));

        await Post(api, "api/v1/notifications/1/read");
        await Post(api, "api/v1/notifications/2/archive");
        using (var delete = await api.DeleteAsync("api/v1/notifications/3"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal(1, await UnreadCount(api));
        Assert.Equal(1, await UnseenCount(api));
        Assert.True((await api.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("isRead").GetBoolean());

        // Unarchiving a snoozed item moves no count either: it is still snoozed.
        await Post(api, "api/v1/notifications/2/unarchive");
        Assert.Equal(1, await UnreadCount(api));
        await Post(api, "api/v1/notifications/2/archive");

        _clock.Advance(TimeSpan.FromMinutes(7));
        await RunWakeUpAsync();

        // 1 is back unread although it was read; 2 wakes into the archived list, in no count; 3's entry was stale.
        Assert.Equal(new long[] { 4, 1 }, await Seqs(api, "api/v1/notifications"));
        Assert.False((await api.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("isRead").GetBoolean());
        var archived = Assert.Single((await api.GetAsync("api/v1/notifications?archived=true").ExpectJsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(2, archived.GetProperty("seq").GetInt64());
        Assert.False(archived.GetProperty("snoozed").GetBoolean());
        Assert.Equal(2, await UnreadCount(api));
        Assert.Equal(2, await UnseenCount(api));
        Assert.Empty(IndexEntries(tenant, user));

        await Post(api, "api/v1/notifications/2/unarchive");
        Assert.Equal(3, await UnreadCount(api));
        Assert.Equal(3, await UnseenCount(api));
        Assert.Equal((3, 3), Recount(tenant, user));
    }

    [Fact]
    public async Task A_POST_seen_covers_woken_items_even_when_the_watermark_does_not_move_and_their_seenAt_is_null_until_then()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 5);
        using var api = _host.ClientFor(user, tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        Assert.Equal(0, (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 5 }).ExpectJsonAsync()).GetProperty("unseenCount").GetInt32());
        var until = _clock.GetUtcNow().AddMinutes(2);
        await Snooze(api, 2, until);
        await Snooze(api, 4, until);
        Assert.Equal(3, await UnreadCount(api));
        Assert.Equal(0, await UnseenCount(api));

        _clock.Advance(TimeSpan.FromMinutes(4));
        await RunWakeUpAsync();
        Assert.Equal(5, await UnreadCount(api));
        Assert.Equal(2, await UnseenCount(api));
        Assert.Equal((5, 2), Recount(tenant, user));
        Assert.Equal(JsonValueKind.Null, (await api.GetAsync("api/v1/notifications/2").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);
        Assert.Equal(JsonValueKind.String, (await api.GetAsync("api/v1/notifications/3").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);
        var listed = (await api.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("items").EnumerateArray().ToArray();
        Assert.All(listed, i => Assert.Equal(i.GetProperty("seq").GetInt64() is 2 or 4, i.GetProperty("seenAt").ValueKind == JsonValueKind.Null));

        // Below the watermark: the watermark stays at 5, but woken 2 is seen now (4 is not).
        _clock.Advance(TimeSpan.FromSeconds(5));
        var seen = await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 2 }).ExpectJsonAsync();
        Assert.Equal(1, seen.GetProperty("unseenCount").GetInt32());
        Assert.Equal(JsonValueKind.String, (await api.GetAsync("api/v1/notifications/2").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await api.GetAsync("api/v1/notifications/4").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);
        Assert.Equal(1, (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 2 }).ExpectJsonAsync()).GetProperty("unseenCount").GetInt32());

        // Deliveries above the watermark; seeing up to 6 recounts the smaller range (5, 6] and sees woken 4 as well.
        for (var i = 0; i < 3; i++)
        {
            await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } }).ExpectJsonAsync(HttpStatusCode.Accepted);
        }

        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() == 8);
        Assert.Equal(4, await UnseenCount(api));
        Assert.Equal(2, (await api.PostJsonAsync("api/v1/notifications/seen", new { upToSeq = 6 }).ExpectJsonAsync()).GetProperty("unseenCount").GetInt32());
        Assert.Equal(JsonValueKind.String, (await api.GetAsync("api/v1/notifications/4").ExpectJsonAsync()).GetProperty("seenAt").ValueKind);
        Assert.Equal((8, 2), Recount(tenant, user));
    }

    [Fact]
    public async Task The_wake_up_is_idempotent_when_run_twice_in_a_row_or_twice_at_once_or_after_a_crash_left_an_entry_behind()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 6);
        using var api = _host.ClientFor(user, tenant);
        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token(user, tenant), "notificationCreated");
        var until = _clock.GetUtcNow().AddMinutes(3);
        foreach (var seq in new[] { 1, 2, 3, 4 })
        {
            await Snooze(api, seq, until);
        }

        // A snooze that crashed after its index entry, before its row: the entry is stale.
        await Index.UpsertEntityAsync(InboxSnoozeIndex.Entry(tenant, user, 5, InboxSnoozeIndex.Normalize(until)));
        Assert.Equal(2, await UnreadCount(api));

        _clock.Advance(TimeSpan.FromMinutes(5));
        await Task.WhenAll(RunWakeUpAsync(), RunWakeUpAsync());
        await RunWakeUpAsync();

        var created = await tab.ReceivedAsync("notificationCreated", TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { "1", "2", "3", "4" }, created.Select(c => c.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(6, await UnreadCount(api));
        Assert.Equal(6, await UnseenCount(api));
        Assert.Equal((6, 6), Recount(tenant, user));
        Assert.False((await api.GetAsync("api/v1/notifications/5").ExpectJsonAsync()).GetProperty("snoozed").GetBoolean());
        Assert.Empty(IndexEntries(tenant, user));

        // A wake-up that crashed after its commit, before deleting its entry: the entry is stale, nothing wakes twice.
        await Index.UpsertEntityAsync(InboxSnoozeIndex.Entry(tenant, user, 2, InboxSnoozeIndex.Normalize(until)));
        await RunWakeUpAsync();
        Assert.Equal(4, (await tab.ReceivedAsync("notificationCreated", TimeSpan.FromMilliseconds(500))).Count);
        Assert.Equal(6, await UnreadCount(api));
        Assert.Equal(6, await UnseenCount(api));
        Assert.Empty(IndexEntries(tenant, user));
    }

    [Fact]
    public async Task Counts_equal_a_recount_from_the_rows_when_snoozes_unsnoozes_and_wake_ups_race_reads_archives_and_deliveries()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 40);
        using var api = _host.ClientFor(user, tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var until = _clock.GetUtcNow().AddMinutes(5).ToString("O", CultureInfo.InvariantCulture);

        async Task Deliver(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } })
                    .ExpectJsonAsync(HttpStatusCode.Accepted);
            }
        }

        var failures = new List<string>();
        async Task Step(int seq, string step, CancellationToken ct)
        {
            using var response = step == "snooze"
                ? await api.PostJsonAsync($"api/v1/notifications/{seq}/snooze", new { until })
                : await api.PostAsync($"api/v1/notifications/{seq}/{step}", null, ct);
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                lock (failures)
                {
                    failures.Add($"{seq} {step}: {(int)response.StatusCode}");
                }
            }
        }

        var deliveries = Task.Run(() => Deliver(10));
        await Parallel.ForEachAsync(Enumerable.Range(1, 40), new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (seq, ct) =>
        {
            string[] steps = (seq % 5) switch
            {
                0 => ["snooze", "unsnooze", "snooze"],
                1 => ["snooze", "read"],
                2 => ["read", "snooze", "unsnooze"],
                3 => ["snooze", "archive"],
                _ => ["snooze", "unsnooze"],
            };
            foreach (var step in steps)
            {
                await Step(seq, step, ct);
            }
        });
        await deliveries;
        Assert.Empty(failures);
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() >= 50);

        // Unread: seq%5==4 (8) and the 10 delivered. Unseen (nothing seen yet): also seq%5==2 (8).
        Assert.Equal(18, await UnreadCount(api));
        Assert.Equal(26, await UnseenCount(api));
        Assert.Equal((18, 26), Recount(tenant, user));

        // Due now: two timer runs race unsnoozes of the seq%5==0 items and more deliveries.
        _clock.Advance(TimeSpan.FromMinutes(7));
        var racing = new List<Task> { RunWakeUpAsync(), RunWakeUpAsync(), Task.Run(() => Deliver(5)) };
        racing.AddRange(Enumerable.Range(1, 40).Where(s => s % 5 == 0).Select(s => Step(s, "unsnooze", default)));
        await Task.WhenAll(racing);
        Assert.Empty(failures);
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() >= 55);

        // Back unread: seq%5 in {0, 1, 4} (24) and 15 delivered; seq%5==3 woke into the archive. Unseen: seq%5==2 as well.
        Assert.Empty(await Seqs(api, "api/v1/notifications?snoozed=true&limit=100"));
        Assert.Equal(39, await UnreadCount(api));
        Assert.Equal(47, await UnseenCount(api));
        Assert.Equal((39, 47), Recount(tenant, user));
        Assert.Empty(IndexEntries(tenant, user));
    }

    [Fact]
    public async Task The_cleanup_timer_expires_snoozed_rows_at_their_TTL_subtracting_nothing_for_them_and_their_entries_are_dropped_as_stale()
    {
        var (tenant, user) = NewUser();
        await SeedUnseenAsync(tenant, user, 3);
        var pk = InboxKeys.Partition(tenant, user);
        using var api = _host.ClientFor(user, tenant);
        await Snooze(api, 1, _clock.GetUtcNow().AddMinutes(10));

        // Snoozing pushes a TTL out past the wake-up; expiring rows are made by hand here, snoozed one included.
        foreach (var seq in new[] { 1L, 2L })
        {
            await Inbox.UpdateEntityAsync(new TableEntity(pk, InboxKeys.NotificationRowKey(seq)) { ["ExpiresAt"] = _clock.GetUtcNow().AddMinutes(2) }, Azure.ETag.All, TableUpdateMode.Merge);
        }

        Assert.Equal(2, await UnreadCount(api));
        Assert.Equal(2, await UnseenCount(api));

        _clock.Advance(TimeSpan.FromMinutes(3));
        var cleanup = _host.Services.GetRequiredService<InboxCleanup>();
        await ApiAssertions.EventuallyAsync(async () =>
        {
            await cleanup.RunAsync(default);
            return RowSeqs(tenant, user);
        }, seqs => seqs.SequenceEqual([3L]));
        Assert.Equal([3L], RowSeqs(tenant, user));

        // Expired 2 counted; snoozed 1 did not.
        Assert.Equal(1, await UnreadCount(api));
        Assert.Equal(1, await UnseenCount(api));

        _clock.Advance(TimeSpan.FromMinutes(10));
        await RunWakeUpAsync();
        Assert.Empty(IndexEntries(tenant, user));
        Assert.Equal(1, await UnreadCount(api));
        Assert.Equal((1, 1), Recount(tenant, user));
    }

    [Fact]
    public async Task The_member_channel_event_stream_and_the_unfiltered_afterSeq_path_are_unaffected_by_snooze_and_its_wake_up()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var producer = _host.Producer(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
        for (var i = 0; i < 3; i++)
        {
            await producer.PublishAsync("task " + i, "alice");
        }

        await alice.WaitForSeqAsync(3);
        var (before, _) = await alice.PollPageAsync(deviceId);
        Assert.Equal([1L, 2L, 3L], before.Select(e => e.GetProperty("seq").GetInt64()).ToList());

        await Snooze(alice, 2, _clock.GetUtcNow().AddMinutes(5));
        var (during, end) = await alice.PollPageAsync(deviceId);
        Assert.Equal([1L, 2L, 3L], during.Select(e => e.GetProperty("seq").GetInt64()).ToList());
        Assert.Equal(Stable(before), Stable(during));

        // The recovery path with no filter returns every row, the snoozed one flagged; with a filter the rule applies.
        var recovered = (await alice.GetAsync("api/v1/notifications?afterSeq=0").ExpectJsonAsync()).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(new long[] { 1, 2, 3 }, recovered.Select(i => i.GetProperty("seq").GetInt64()).ToArray());
        Assert.Equal(new[] { false, true, false }, recovered.Select(i => i.GetProperty("snoozed").GetBoolean()).ToArray());
        Assert.Equal(new long[] { 1, 3 }, await Seqs(alice, "api/v1/notifications?afterSeq=0&unread=true"));
        Assert.Equal(new long[] { 2 }, await Seqs(alice, "api/v1/notifications?afterSeq=0&snoozed=true"));

        // Woken, it is not a new event on the stream: the device already has it.
        _clock.Advance(TimeSpan.FromMinutes(7));
        await RunWakeUpAsync();
        Assert.False((await alice.GetAsync("api/v1/notifications/2").ExpectJsonAsync()).GetProperty("snoozed").GetBoolean());
        var (after, _) = await alice.PollPageAsync(deviceId, end);
        Assert.Empty(after);
        var (again, _) = await alice.PollPageAsync(deviceId);
        Assert.Equal(Stable(before), Stable(again));
    }

    [Fact]
    public async Task Snooze_and_unsnooze_on_a_3000_item_inbox_and_each_woken_entry_cost_a_constant_number_of_table_requests()
    {
        var requests = new StorageRequestCounter();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(azurite, configureServices: s =>
        {
            ManualClock.Use(s, clock);
            s.AddSingleton(new StoragePipelinePolicies { PerRetry = { requests } });
        });
        var inbox = host.Services.GetRequiredService<InboxStore>().Table;
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(inbox, tenant, user, 3000);
        using var api = host.ClientFor(user, tenant);
        await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync(); // the membership check and the counter, cached

        requests.Reset();
        await Snooze(api, 1500, clock.GetUtcNow().AddMinutes(5));
        var snooze = requests.Table;
        requests.Reset();
        await Post(api, "api/v1/notifications/1500/unsnooze");
        var unsnooze = requests.Table;

        // Row read, index upsert, the row+counter transaction (plus at most the membership check and a counter read).
        Assert.InRange(snooze, 3, 5);
        // Row read, the transaction, the entry read and its delete (plus the same two at most).
        Assert.InRange(unsnooze, 4, 6);

        const int Snoozed = 200;
        foreach (var seq in Enumerable.Range(1, Snoozed))
        {
            await Snooze(api, seq, clock.GetUtcNow().AddMinutes(2));
        }

        clock.Advance(TimeSpan.FromMinutes(4));
        requests.Reset();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var run = await host.Services.GetRequiredService<SnoozeWakeUp>().RunAsync(default);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Assert.True(run.Woken >= Snoozed, $"woke {run.Woken}");
        Assert.Equal(2800 + Snoozed, await UnreadCount(api));

        // Per entry: the row read, the wake-up transaction, the entry delete; per page of 100 one query; counters cached.
        // (Entries other tests left due in the shared Azurite cost a counter read more at most.)
        Assert.InRange(requests.Table, 3L * Snoozed, (3L * run.Entries) + (run.Entries - Snoozed) + (run.Entries / SnoozeWakeUp.PageSize) + 10);
        output.WriteLine($"snooze {snooze} requests, unsnooze {unsnooze}; wake-up of {run.Entries} entries ({run.Woken} woken): {requests.Table} table requests, {elapsed.TotalMilliseconds:F0} ms");
    }

    private Task<SnoozeWakeUpRun> RunWakeUpAsync() => _host.Services.GetRequiredService<SnoozeWakeUp>().RunAsync(default);

    /// <summary>Through the Functions app's own [Function] method, as the timer trigger would call it.</summary>
    private Task RunWakeUpThroughTheFunctionAsync() =>
        FunctionInvoker.InvokeTimerAsync(FunctionCatalog.ForFunctionsApp().Timers.Single(t => t.Name == "WakeSnoozedNotifications"), _host.Services, new TimerInfo(), default);

    private static async Task Snooze(HttpClient api, long seq, DateTimeOffset until)
    {
        using var response = await api.PostJsonAsync($"api/v1/notifications/{seq}/snooze", new { until = until.ToString("O", CultureInfo.InvariantCulture) });
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"snooze {seq}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Seeded rows with a counter that has seen nothing yet (as deliveries after seen leave it).</summary>
    private async Task SeedUnseenAsync(string tenant, string user, int count)
    {
        await InboxSeed.WriteAsync(Inbox, tenant, user, count);
        await Inbox.UpdateEntityAsync(new TableEntity(InboxKeys.Partition(tenant, user), InboxKeys.CounterRowKey) { ["Unseen"] = count, ["SeenUpToSeq"] = 0L }, Azure.ETag.All, TableUpdateMode.Merge);
    }

    /// <summary>
    /// Unread and unseen recomputed from the rows by the counter rule: not archived, not snoozed; unseen above the watermark
    /// or in the woken list. Also checks the woken list only names counted rows at or below the watermark.
    /// </summary>
    private (int Unread, int Unseen) Recount(string tenant, string user)
    {
        var pk = InboxKeys.Partition(tenant, user);
        var counter = Inbox.GetEntity<TableEntity>(pk, InboxKeys.CounterRowKey).Value;
        var watermark = counter.GetInt64("SeenUpToSeq") ?? counter.GetInt64("Seq") ?? 0;
        var woken = (counter.GetString("Woken") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => long.Parse(w, CultureInfo.InvariantCulture)).ToHashSet();
        var counted = Rows(pk).Where(r => r.GetBoolean("Archived") != true && r.GetBoolean("Snoozed") != true).ToList();
        var countedSeqs = counted.Select(r => InboxKeys.SeqFromRowKey(r.RowKey)).ToHashSet();
        Assert.All(woken, w => Assert.True(w <= watermark && countedSeqs.Contains(w), $"woken {w} is not a counted row at or below {watermark}"));
        return (counted.Count(r => r.GetBoolean("IsRead") != true), countedSeqs.Count(s => s > watermark || woken.Contains(s)));
    }

    private List<long> RowSeqs(string tenant, string user) => Rows(InboxKeys.Partition(tenant, user)).Select(r => InboxKeys.SeqFromRowKey(r.RowKey)).Order().ToList();

    private List<TableEntity> Rows(string pk) =>
        Inbox.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {InboxKeys.NotificationPrefix} and RowKey lt {InboxKeys.NotificationUpperBound}")).ToList();

    private List<TableEntity> IndexEntries(string tenant, string user) =>
        Index.Query<TableEntity>(TableClient.CreateQueryFilter($"Tenant eq {tenant} and User eq {user}")).ToList();

    private static async Task Post(HttpClient api, string path)
    {
        using var response = await api.PostAsync(path, null);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<int> UnreadCount(HttpClient api) =>
        (await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync()).GetProperty("count").GetInt32();

    private static async Task<int> UnseenCount(HttpClient api) =>
        (await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync()).GetProperty("unseenCount").GetInt32();

    private static async Task<long[]> Seqs(HttpClient api, string path) =>
        (await api.GetAsync(path).ExpectJsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray();

    private static List<string> Stable(IEnumerable<JsonElement> events) => events
        .Select(e => string.Join("|", e.GetProperty("eventId").GetString(), e.GetProperty("dedupeKey").GetString(), e.GetProperty("policyHash").GetString()))
        .ToList();

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);
}
