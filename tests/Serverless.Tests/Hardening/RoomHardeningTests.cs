using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Azure.Data.Tables;
using Serverless.Core.Auth;
using Serverless.Core.Rooms;
using Serverless.Core.Notifications.Templates;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Hardening;

[Collection(AzuriteCollection.Name)]
public sealed class RoomHardeningTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageRequestCounter _counter = new();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, configureServices: s => s.AddSingleton(new StoragePipelinePolicies { PerRetry = { _counter } }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("user.admin_change")]
    [InlineData("user.role_change")]
    [InlineData("document.uploaded")]
    [InlineData("manual.message")]
    public async Task A_producer_cannot_publish_a_type_the_product_raises_itself(string type)
    {
        var tenant = NewTenant();
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);

        using var response = await producer.PostJsonAsync("api/v1/events", new
        {
            type,
            recipients = new { userIds = new[] { "admin1" } },
            data = new { previousRole = "admin", role = "member", roomName = "x", filename = "y" },
        });

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "UNKNOWN_TYPE");
        using var missing = await producer.PostJsonAsync("api/v1/events", new { type = "no.such.type", recipients = new { userIds = new[] { "admin1" } } });
        var internalMessage = (await response.ReadJsonAsync()).GetProperty("message").GetString();
        var missingMessage = (await missing.ReadJsonAsync()).GetProperty("message").GetString();
        Assert.Equal(missingMessage!.Replace("no.such.type", type, StringComparison.Ordinal), internalMessage);
    }

    [Fact]
    public void The_catalogue_marks_the_products_own_types_internal_and_refuses_a_malformed_flag()
    {
        var catalog = TemplateCatalog.LoadEmbedded();
        Assert.True(catalog.TryGet("user.admin_change", out var adminChange) && adminChange.IsInternal);
        Assert.True(catalog.TryGet("task.assigned", out var task) && !task.IsInternal);
        var error = Assert.Throws<InvalidOperationException>(() => TemplateCatalog.Parse(
            """{ "a.b": { "title": "T", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 60, "internal": "yes" } }"""));
        Assert.Contains("a.b", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("VIEWER")]
    [InlineData("EDITOR")]
    [InlineData("OWNER")]
    public async Task A_member_of_any_role_can_leave_a_room(string role)
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        var roomId = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "bob", role);

        using var left = await bob.DeleteAsync($"api/v1/rooms/{roomId}/members/bob");

        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        using var after = await bob.GetAsync($"api/v1/rooms/{roomId}");
        await after.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
        Assert.Equal(1, await AuditCountAsync(_host, tenant, "room.member_left"));
    }

    [Fact]
    public async Task A_room_holds_at_most_the_member_limit_even_when_owners_add_members_concurrently()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "bob", "EDITOR");
        var rooms = _host.Services.GetRequiredService<RoomStore>();
        var pk = RoomStore.RoomPartition(tenant, roomId);
        Assert.Equal(2, (await rooms.Table.GetEntityAsync<TableEntity>(pk, "room")).Value.GetInt32("MemberCount"));

        // As if 995 members were in already (the count on the room row is what the limit checks).
        await rooms.Table.UpdateEntityAsync(new TableEntity(pk, "room") { ["MemberCount"] = RoomStore.MaxMembers - 5 }, Azure.ETag.All, TableUpdateMode.Merge);
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var response = await owner.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/new-{i}", new { role = "VIEWER" });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        // Under heavy contention an add may give up with CONCURRENT_CHANGE (retry later); none may overshoot.
        var created = answers.Count(a => a.StatusCode == HttpStatusCode.Created);
        Assert.InRange(created, 1, 5);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a =>
        {
            Assert.True(a.StatusCode == HttpStatusCode.Conflict && (a.Body.Contains("ROOM_FULL", StringComparison.Ordinal) || a.Body.Contains("CONCURRENT_CHANGE", StringComparison.Ordinal)), $"{a.StatusCode} {a.Body}");
        });
        for (var i = created; i < 5; i++)
        {
            await AddMemberAsync(owner, roomId, "fill-" + i, "VIEWER");
        }

        Assert.Equal(RoomStore.MaxMembers, (await rooms.Table.GetEntityAsync<TableEntity>(pk, "room")).Value.GetInt32("MemberCount"));
        using (var full = await owner.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/late", new { role = "VIEWER" }))
        {
            await full.AssertErrorAsync(HttpStatusCode.Conflict, "ROOM_FULL");
        }

        // A role change is not an addition, and a removal makes room again.
        await AddMemberAsync(owner, roomId, "bob", "VIEWER");
        (await owner.DeleteAsync($"api/v1/rooms/{roomId}/members/bob")).EnsureSuccessStatusCode();
        await AddMemberAsync(owner, roomId, "late", "VIEWER");
    }

    [Fact]
    public async Task The_last_owner_cannot_leave_and_a_non_owner_still_cannot_remove_others()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        var roomId = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "bob", "EDITOR");
        await AddMemberAsync(owner, roomId, "carol", "VIEWER");

        using var lastOwner = await owner.DeleteAsync($"api/v1/rooms/{roomId}/members/owner");
        await lastOwner.AssertErrorAsync(HttpStatusCode.Conflict, "LAST_OWNER");
        using var removeOther = await bob.DeleteAsync($"api/v1/rooms/{roomId}/members/carol");
        await removeOther.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        using var outsider = _host.ClientFor("mallory", tenant);
        using var notMember = await outsider.DeleteAsync($"api/v1/rooms/{roomId}/members/mallory");
        await notMember.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
    }

    [Fact]
    public async Task A_muted_member_gets_no_upload_notifications_until_they_unmute()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        using var carol = _host.ClientFor("carol", tenant);
        var roomId = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "bob", "VIEWER");
        await AddMemberAsync(owner, roomId, "carol", "VIEWER");

        var muted = await bob.PutAsync($"api/v1/rooms/{roomId}/mute", null).ExpectJsonAsync();
        Assert.True(muted.GetProperty("muted").GetBoolean());
        await UploadAsync(owner, roomId, Pdf(), "first.pdf").ExpectJsonAsync(HttpStatusCode.Created);
        await WaitForInboxAsync(carol, 1);

        // One event carried both recipients, so carol's delivery means bob's would have happened by now.
        Assert.Equal(0, await InboxCountAsync(bob));

        var unmuted = await bob.DeleteAsync($"api/v1/rooms/{roomId}/mute").ExpectJsonAsync();
        Assert.False(unmuted.GetProperty("muted").GetBoolean());
        await UploadAsync(owner, roomId, Pdf(), "second.pdf").ExpectJsonAsync(HttpStatusCode.Created);
        await WaitForInboxAsync(bob, 1);
        await WaitForInboxAsync(carol, 2);
    }

    [Fact]
    public async Task Only_a_member_can_mute_a_room()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        using var outsider = _host.ClientFor("mallory", tenant);
        var roomId = await CreateRoomAsync(owner);

        using var response = await outsider.PutAsync($"api/v1/rooms/{roomId}/mute", null);

        await response.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
    }

    [Fact]
    public async Task My_rooms_come_in_pages_with_a_signed_cursor_at_a_cost_bounded_by_the_page()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        var created = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            created.Add(await CreateRoomAsync(alice, $"room {i}"));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            _counter.Reset();
            var page = await alice.GetAsync("api/v1/rooms?limit=10" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))).ExpectJsonAsync();
            // Member check (1) + one range query (1) + per listed room (≤ 10): a confirming read and its chat read state
            // (the room's counter and the caller's read position) — three point reads, bounded by the page.
            Assert.InRange(_counter.Table, 1, 32);
            var items = page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("roomId").GetString()!).ToList();
            Assert.InRange(items.Count, 1, 10);
            seen.AddRange(items);
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(created.Order(StringComparer.Ordinal), seen);
    }

    [Theory]
    [InlineData("limit=101")]
    [InlineData("limit=0")]
    [InlineData("cursor=not-a-cursor")]
    public async Task Listing_rooms_with_a_bad_limit_or_cursor_is_a_400(string query)
    {
        using var alice = _host.ClientFor("alice", NewTenant());

        using var response = await alice.GetAsync("api/v1/rooms?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_rooms_cursor_is_bound_to_its_user()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        await CreateRoomAsync(alice, "a");
        await CreateRoomAsync(alice, "b");
        var page = await alice.GetAsync("api/v1/rooms?limit=1").ExpectJsonAsync();
        var cursor = page.GetProperty("nextCursor").GetString()!;

        using var response = await bob.GetAsync("api/v1/rooms?cursor=" + Uri.EscapeDataString(cursor));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
    }

    private static async Task<int> InboxCountAsync(HttpClient user) =>
        (await user.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("items").GetArrayLength();

    private static async Task WaitForInboxAsync(HttpClient user, int count)
    {
        var inbox = await ApiAssertions.EventuallyAsync(() => InboxCountAsync(user), n => n >= count);
        Assert.Equal(count, inbox);
    }
}
