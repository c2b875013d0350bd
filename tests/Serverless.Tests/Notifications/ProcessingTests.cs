using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Notifications;
using Serverless.Standalone.Development;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>Queue processing against Azurite: redelivery, racing processors, chunking, throttling, expiry, poison and replay.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProcessingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SameQueueMessage_ProcessedTwice_CreatesOneRowAndCountsOnce()
    {
        await using var host = await TestHost.StartAsync(azurite);
        var (tenant, user) = NewUser();
        var envelope = Envelope(tenant, [user]);

        await Process(host, envelope);
        await Process(host, envelope);

        var counter = await host.Services.GetRequiredService<InboxStore>().ReadCounterAsync(InboxKeys.Partition(tenant, user), default);
        Assert.Equal(1, counter.Seq);
        Assert.Equal(1, counter.Unread);
        var rows = await Rows(host, tenant, user);
        Assert.Single(rows, r => r.RowKey.StartsWith(InboxKeys.NotificationPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoProcessesRacingOnTheSameMessages_DeliverEachEventExactlyOnce()
    {
        // Two hosts are two processes with their own counter caches, like two Functions instances.
        await using var first = await TestHost.StartAsync(azurite);
        await using var second = await TestHost.StartAsync(azurite);
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, 5).Select(i => $"racer{i}").ToArray();
        var envelopes = Enumerable.Range(0, 10).Select(_ => Envelope(tenant, users)).ToArray();

        await Task.WhenAll(envelopes.SelectMany(e => new[] { Process(first, e), Process(second, e) }));

        foreach (var user in users)
        {
            var counter = await first.Services.GetRequiredService<InboxStore>().ReadCounterAsync(InboxKeys.Partition(tenant, user), default);
            Assert.Equal(10, counter.Seq);
            Assert.Equal(10, counter.Unread);
            var rows = (await Rows(first, tenant, user)).Where(r => r.RowKey.StartsWith(InboxKeys.NotificationPrefix, StringComparison.Ordinal)).ToArray();
            Assert.Equal(10, rows.Length);
            Assert.Equal(envelopes.Select(e => e.EventId).Order(), rows.Select(r => r.GetString("EventId")!).Order());
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), rows.Select(r => InboxKeys.SeqFromRowKey(r.RowKey)).Order());
        }
    }

    [Fact]
    public async Task ExistingUsers_DeliveredByAProcessThatNeverSawThem_ContinueTheirSequence()
    {
        // The second process starts out guessing that unknown users are new; for existing users that guess fails on
        // the counter row and it falls back to reading it.
        await using var first = await TestHost.StartAsync(azurite);
        await using var second = await TestHost.StartAsync(azurite);
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, 6).Select(i => $"existing{i}").ToArray();
        for (var i = 0; i < 3; i++)
        {
            await Process(first, Envelope(tenant, users));
        }

        await Process(second, Envelope(tenant, users));
        await Process(second, Envelope(tenant, [.. users, "brand-new"]));

        var inbox = first.Services.GetRequiredService<InboxStore>();
        foreach (var user in users)
        {
            var counter = await inbox.ReadCounterAsync(InboxKeys.Partition(tenant, user), default);
            Assert.Equal(5, counter.Seq);
            Assert.Equal(5, counter.Unread);
            Assert.Equal(5, (await Rows(first, tenant, user)).Count(r => r.RowKey.StartsWith(InboxKeys.NotificationPrefix, StringComparison.Ordinal)));
        }

        Assert.Equal(1, (await inbox.ReadCounterAsync(InboxKeys.Partition(tenant, "brand-new"), default)).Seq);
    }

    [Fact]
    public async Task LargeRecipientList_IsSplitIntoChunkMessages_AndEveryoneGetsOneRow()
    {
        await using var host = await TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["Notifications:ChunkSize"] = "10" });
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, 35).Select(i => $"member{i}").ToArray();
        using var producer = host.ClientFor("svc", tenant, Roles.Publish);

        await producer.PostJsonAsync("api/v1/events", new { type = "system.announcement", recipients = new { userIds = users }, data = new { message = "hi" } })
            .ExpectJsonAsync(HttpStatusCode.Accepted);

        var inbox = host.Services.GetRequiredService<InboxStore>();
        foreach (var user in users)
        {
            var counter = await ApiAssertions.EventuallyAsync(() => inbox.ReadCounterAsync(InboxKeys.Partition(tenant, user), default), c => c.Seq >= 1);
            Assert.Equal(1, counter.Seq);
        }
    }

    [Fact]
    public async Task PushesBeyondTheLimit_AreHeldBack_StoredAnyway_AndSummarisedOnceWhenTheWindowEnds()
    {
        await using var host = await TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["Notifications:MaxPushesPerUserPerMinute"] = "3" });
        var (tenant, user) = NewUser();
        await using var client = await SignalRNodeClient.ConnectAsync(host.BaseAddress, host.Token(user, tenant), "notificationCreated", "unreadCountChanged");

        for (var i = 0; i < 5; i++)
        {
            await Process(host, Envelope(tenant, [user]));
        }

        await Process(host, Envelope(tenant, [user], priority: "critical"));

        var pushed = await client.ReceivedAsync("notificationCreated", TimeSpan.FromSeconds(1));
        Assert.Equal(4, pushed.Count); // three within the limit, and the critical one
        Assert.Equal("critical", pushed[^1].GetProperty("priority").GetString());
        var counter = await host.Services.GetRequiredService<InboxStore>().ReadCounterAsync(InboxKeys.Partition(tenant, user), default);
        Assert.Equal(6, counter.Seq);
        Assert.True(counter.PushSuppressed);

        // The window-end message (normally delayed on the flush queue) summarises once; a second flush sends nothing.
        var flush = new QueueMessageContext("m1", JsonSerializer.Serialize(new PushFlushRequest(tenant, user), EventEnvelope.Json), 1);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<NotificationProcessor>().FlushHeldBackPushesAsync(flush, default);
            await scope.ServiceProvider.GetRequiredService<NotificationProcessor>().FlushHeldBackPushesAsync(flush, default);
        }

        var summary = await client.WaitForAsync("unreadCountChanged");
        Assert.Equal(6, summary.GetProperty("unreadCount").GetInt32());
        Assert.Equal(6, summary.GetProperty("seq").GetInt64());
        Assert.Single(await client.ReceivedAsync("unreadCountChanged", TimeSpan.FromMilliseconds(500)));

        var flushQueue = host.Services.GetRequiredService<StorageAccount>().GetQueueClient(StorageNames.PushFlushQueue);
        Assert.True(await flushQueue.ApproximateMessageCountAsync() >= 1, "the processor scheduled the window-end flush");
    }

    [Fact]
    public async Task ExpiredNotifications_DisappearFromReads_AndCleanupDeletesThemAndFixesTheUnreadCount()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(azurite, configureServices: s => ManualClock.Use(s, clock));
        var (tenant, user) = NewUser();
        await Process(host, Envelope(tenant, [user], ttlSeconds: 60));
        await Process(host, Envelope(tenant, [user], ttlSeconds: 3600));
        using var api = host.ClientFor(user, tenant);
        Assert.Equal(2, (await api.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("items").GetArrayLength());

        clock.Advance(TimeSpan.FromMinutes(2));

        var listed = await api.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(2, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("seq").GetInt64());
        using (var expired = await api.GetAsync("api/v1/notifications/1"))
        {
            await expired.AssertErrorAsync(HttpStatusCode.NotFound, "NOTIFICATION_NOT_FOUND");
        }

        var cleanup = host.Services.GetRequiredService<InboxCleanup>();
        var runs = await Task.WhenAll(cleanup.RunAsync(default), cleanup.RunAsync(default)); // two at once are safe
        Assert.True(runs.Sum() >= 1);

        var rows = await Rows(host, tenant, user);
        Assert.DoesNotContain(rows, r => r.RowKey == InboxKeys.NotificationRowKey(1));
        Assert.DoesNotContain(rows, r => r.RowKey.StartsWith(InboxKeys.MarkerPrefix, StringComparison.Ordinal) && r.GetInt64("Seq") == 1);
        var counter = await host.Services.GetRequiredService<InboxStore>().ReadCounterAsync(InboxKeys.Partition(tenant, user), default);
        Assert.Equal(1, counter.Unread);
    }

    [Fact]
    public async Task MessageFailingFiveTimes_GoesToPoison_ThenDeadLetters_AndReplayDeliversOnce()
    {
        // Its own Azurite: this test removes the inbox table to make processing fail, then puts it back.
        await using var own = await AzuriteProcess.StartAsync();
        await using var host = await TestHost.StartAsync(AzuriteFixture.ForConnectionString(own.ConnectionString));
        var (tenant, user) = NewUser();
        var account = host.Services.GetRequiredService<StorageAccount>();
        await account.GetTableClient(StorageNames.InboxTable).DeleteAsync();

        using var producer = host.ClientFor("svc", tenant, Roles.Publish);
        var eventId = (await producer.PostJsonAsync("api/v1/events", new { type = "task.overdue", recipients = new { userIds = new[] { user } } })
            .ExpectJsonAsync(HttpStatusCode.Accepted)).GetProperty("eventId").GetString();

        using var admin = host.ClientFor("admin1", tenant, Roles.Admin);
        var listed = await ApiAssertions.EventuallyAsync(
            () => admin.GetAsync("api/v1/admin/dead-letters").ExpectJsonAsync(),
            b => b.GetProperty("items").GetArrayLength() > 0,
            TimeSpan.FromSeconds(60));
        var deadLetter = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(eventId, deadLetter.GetProperty("eventId").GetString());
        Assert.False(string.IsNullOrWhiteSpace(deadLetter.GetProperty("error").GetString()));
        Assert.Equal(0, await account.GetQueueClient(StorageNames.EventsPoisonQueue).ApproximateMessageCountAsync());

        // Another tenant's admin sees none of it and cannot replay it.
        using var otherAdmin = host.ClientFor("admin2", "other-tenant", Roles.Admin);
        Assert.Equal(0, (await otherAdmin.GetAsync("api/v1/admin/dead-letters").ExpectJsonAsync()).GetProperty("items").GetArrayLength());
        var id = deadLetter.GetProperty("id").GetString();
        using (var foreign = await otherAdmin.PostAsync($"api/v1/admin/dead-letters/{id}/replay", null))
        {
            await foreign.AssertErrorAsync(HttpStatusCode.NotFound, "DEAD_LETTER_NOT_FOUND");
        }

        await account.GetTableClient(StorageNames.InboxTable).CreateIfNotExistsAsync();
        await admin.PostAsync($"api/v1/admin/dead-letters/{id}/replay", null).ExpectJsonAsync(HttpStatusCode.Accepted);
        await admin.PostAsync($"api/v1/admin/dead-letters/{id}/replay", null).ExpectJsonAsync(HttpStatusCode.Accepted);

        using var api = host.ClientFor(user, tenant);
        var inbox = await ApiAssertions.EventuallyAsync(
            () => api.GetAsync("api/v1/notifications").ExpectJsonAsync(), b => b.GetProperty("items").GetArrayLength() > 0);
        await Task.Delay(1000); // let the second replay finish too
        inbox = await api.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(eventId, Assert.Single(inbox.GetProperty("items").EnumerateArray()).GetProperty("eventId").GetString());

        var audit = await admin.GetAsync("api/v1/admin/audit?action=deadletter.replay").ExpectJsonAsync();
        Assert.Equal(2, audit.GetProperty("items").GetArrayLength());
    }

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);

    private static EventEnvelope Envelope(string tenant, string[] users, string priority = "normal", int ttlSeconds = 3600) => new()
    {
        EventId = "evt_" + Guid.CreateVersion7().ToString("N"),
        TenantId = tenant,
        Type = "task.assigned",
        UserIds = users,
        Priority = priority,
        Channel = "web",
        TtlSeconds = ttlSeconds,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private static async Task Process(TestHost host, EventEnvelope envelope)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var processor = scope.ServiceProvider.GetRequiredService<NotificationProcessor>();
        var clock = host.Services.GetRequiredService<TimeProvider>();
        await processor.ProcessAsync(envelope with { CreatedAt = clock.GetUtcNow() }, default);
    }

    private static async Task<List<TableEntity>> Rows(TestHost host, string tenant, string user)
    {
        var table = host.Services.GetRequiredService<StorageAccount>().GetTableClient(StorageNames.InboxTable);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {InboxKeys.Partition(tenant, user)}")))
        {
            rows.Add(row);
        }

        return rows;
    }
}
