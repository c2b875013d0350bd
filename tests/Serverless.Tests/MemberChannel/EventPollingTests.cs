using System.Net;
using System.Text.Json;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.MemberChannel;

[Collection(AzuriteCollection.Name)]
public sealed class EventPollingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Polling_from_a_cursor_returns_exactly_the_later_events_in_order_across_pages_and_while_new_events_arrive()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var producer = _host.Producer(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();

        for (var i = 0; i < 5; i++)
        {
            await producer.PublishAsync("first " + i, "alice");
        }

        await alice.WaitForSeqAsync(5);
        var (page1, cursor1) = await alice.PollPageAsync(deviceId, limit: 2);
        var (page2, cursor2) = await alice.PollPageAsync(deviceId, cursor1, 2);
        Assert.Equal([1L, 2L], Seqs(page1));
        Assert.Equal([3L, 4L], Seqs(page2));

        for (var i = 0; i < 3; i++)
        {
            await producer.PublishAsync("second " + i, "alice");
        }

        await alice.WaitForSeqAsync(8);
        var (page3, cursor3) = await alice.PollPageAsync(deviceId, cursor2, 10);
        Assert.Equal([5L, 6L, 7L, 8L], Seqs(page3));

        var (end, endCursor) = await alice.PollPageAsync(deviceId, cursor3);
        Assert.Empty(end);
        Assert.False(string.IsNullOrEmpty(endCursor));

        var first = page1[0];
        Assert.Equal("1", first.GetProperty("eventId").GetString());
        Assert.Equal("task.assigned", first.GetProperty("class").GetString());
        Assert.StartsWith("first ", first.GetProperty("payload").GetProperty("task").GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{16}$", first.GetProperty("policyHash").GetString());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("dedupeKey").GetString()));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("ackedAt").ValueKind);

        // Polling the same range again serves the same ids, dedupe keys and policy hashes.
        var (again, _) = await alice.PollPageAsync(deviceId, cursor1, 2);
        Assert.Equal(Stable(page2), Stable(again));
    }

    [Fact]
    public async Task Random_interleavings_of_publish_and_poll_yield_every_sequence_number_exactly_once_in_order()
    {
        var random = new Random(20250607);
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var producer = _host.Producer(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();

        var polled = new List<long>();
        string? cursor = null;
        var published = 0;
        for (var round = 0; round < 12; round++)
        {
            var burst = random.Next(0, 4);
            for (var i = 0; i < burst; i++)
            {
                await producer.PublishAsync($"round {round} #{i}", "alice");
                published++;
            }

            // Polls race the processor: some find nothing new, some find part of a burst.
            for (var polls = random.Next(1, 4); polls > 0; polls--)
            {
                var (events, next) = await alice.PollPageAsync(deviceId, cursor, random.Next(1, 6));
                polled.AddRange(Seqs(events));
                cursor = next;
            }
        }

        await alice.WaitForSeqAsync(published);
        for (var guard = 0; guard < 100; guard++)
        {
            var (events, next) = await alice.PollPageAsync(deviceId, cursor, random.Next(1, 6));
            polled.AddRange(Seqs(events));
            cursor = next;
            if (events.Count == 0)
            {
                break;
            }
        }

        Assert.True(published > 5, "The seed should publish a meaningful number of events.");
        Assert.Equal(Enumerable.Range(1, published).Select(i => (long)i).ToList(), polled);
    }

    [Fact]
    public async Task A_tampered_cursor_another_users_cursor_and_another_devices_cursor_are_refused()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var device1 = MemberChannelCalls.NewId("dev");
        var device2 = MemberChannelCalls.NewId("dev");
        var bobsDevice = MemberChannelCalls.NewId("dev");
        using var alice = _host.ClientFor("alice", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        (await alice.RegisterAsync(device1)).EnsureSuccessStatusCode();
        (await alice.RegisterAsync(device2)).EnsureSuccessStatusCode();
        (await bob.RegisterAsync(bobsDevice)).EnsureSuccessStatusCode();
        var (_, cursor) = await alice.PollPageAsync(device1);

        // The genuine cursor works, so the refusals below are about the cursor alone.
        await alice.PollPageAsync(device1, cursor);

        var tampered = cursor[..^2] + (cursor[^2] == 'A' ? 'B' : 'A') + cursor[^1];
        using (var response = await alice.PollAsync(device1, tampered))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }

        using (var response = await alice.PollAsync(device2, cursor))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }

        using (var response = await bob.PollAsync(bobsDevice, cursor))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }

        using (var response = await alice.PollAsync(device1, "not-a-cursor"))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }
    }

    [Fact]
    public async Task A_cursor_signed_with_a_rotated_out_key_is_refused_but_accepted_inside_the_rotation_window()
    {
        const string oldKey = "member-channel-old-cursor-key-0123456789abcdef";
        const string newKey = "member-channel-new-cursor-key-0123456789abcdef";
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");

        string cursor;
        await using (var before = await TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["Cursors:SigningKey"] = oldKey }))
        {
            using var alice = before.ClientFor("alice", tenant);
            (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
            (_, cursor) = await alice.PollPageAsync(deviceId);
        }

        await using (var expired = await TestHost.StartAsync(azurite, Rotation(newKey, oldKey, DateTimeOffset.UtcNow.AddHours(-1))))
        {
            using var alice = expired.ClientFor("alice", tenant);
            using var response = await alice.PollAsync(deviceId, cursor);
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }

        await using (var inWindow = await TestHost.StartAsync(azurite, Rotation(newKey, oldKey, DateTimeOffset.UtcNow.AddHours(1))))
        {
            using var alice = inWindow.ClientFor("alice", tenant);
            await alice.PollPageAsync(deviceId, cursor);
        }
    }

    [Fact]
    public async Task Ack_is_idempotent_per_event_and_device_and_independent_between_two_devices()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var phone = MemberChannelCalls.NewId("phone");
        var tablet = MemberChannelCalls.NewId("tablet");
        using var producer = _host.Producer(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        (await alice.RegisterAsync(phone)).EnsureSuccessStatusCode();
        (await alice.RegisterAsync(tablet, "android", "fcm")).EnsureSuccessStatusCode();
        await producer.PublishAsync("ack me", "alice");
        await alice.WaitForSeqAsync(1);
        var (events, _) = await alice.PollPageAsync(phone);
        var eventId = Assert.Single(events).GetProperty("eventId").GetString()!;

        var first = await alice.AckAsync(eventId, phone).ExpectJsonAsync();
        var second = await alice.AckAsync(eventId, phone).ExpectJsonAsync();
        Assert.Equal(eventId, first.GetProperty("eventId").GetString());
        Assert.Equal(phone, first.GetProperty("deviceId").GetString());
        Assert.Equal(first.GetProperty("ackedAt").GetDateTimeOffset(), second.GetProperty("ackedAt").GetDateTimeOffset());

        var (onPhone, _) = await alice.PollPageAsync(phone);
        var (onTablet, _) = await alice.PollPageAsync(tablet);
        Assert.Equal(first.GetProperty("ackedAt").GetDateTimeOffset(), Assert.Single(onPhone).GetProperty("ackedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, Assert.Single(onTablet).GetProperty("ackedAt").ValueKind);

        // Concurrent acks from one device all report the same first ackedAt.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => alice.AckAsync(eventId, tablet).ExpectJsonAsync()));
        Assert.Single(concurrent.Select(a => a.GetProperty("ackedAt").GetDateTimeOffset()).Distinct());
        var (tabletAfter, _) = await alice.PollPageAsync(tablet);
        Assert.Equal(concurrent[0].GetProperty("ackedAt").GetDateTimeOffset(), Assert.Single(tabletAfter).GetProperty("ackedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Acking_an_event_not_in_the_users_inbox_is_404_and_an_unregistered_device_is_404()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var producer = _host.Producer(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        var bobsDevice = MemberChannelCalls.NewId("dev");
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
        (await bob.RegisterAsync(bobsDevice)).EnsureSuccessStatusCode();
        await producer.PublishAsync("only alice", "alice");
        await alice.WaitForSeqAsync(1);

        foreach (var id in new[] { "999", "abc", "0" })
        {
            using var response = await alice.AckAsync(id, deviceId);
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "EVENT_NOT_FOUND");
        }

        // Bob has no event 1 even though alice does.
        using (var response = await bob.AckAsync("1", bobsDevice))
        {
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "EVENT_NOT_FOUND");
        }

        using (var response = await alice.AckAsync("1", MemberChannelCalls.NewId("unknown")))
        {
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "DEVICE_NOT_FOUND");
        }

        await alice.AckAsync("1", deviceId).ExpectJsonAsync();
    }

    private static Dictionary<string, string?> Rotation(string current, string previous, DateTimeOffset validUntil) => new()
    {
        ["Cursors:SigningKey"] = current,
        ["Cursors:PreviousSigningKey"] = previous,
        ["Cursors:PreviousKeyValidUntil"] = validUntil.ToString("O"),
    };

    private static List<long> Seqs(IEnumerable<JsonElement> events) => events.Select(e => e.GetProperty("seq").GetInt64()).ToList();

    private static List<string> Stable(IEnumerable<JsonElement> events) => events
        .Select(e => string.Join("|", e.GetProperty("eventId").GetString(), e.GetProperty("dedupeKey").GetString(), e.GetProperty("policyHash").GetString()))
        .ToList();
}
