using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Rooms;

[Collection(AzuriteCollection.Name)]
public sealed class RoomsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CreateRoom_MakesTheCreatorOwner_AndListsItAmongMyRooms()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);

        var created = await alice.PostJsonAsync("api/v1/rooms", new { name = "Budget 2026" }).ExpectJsonAsync(HttpStatusCode.Created);
        var roomId = created.GetProperty("roomId").GetString()!;
        Assert.StartsWith("room_", roomId, StringComparison.Ordinal);
        Assert.Equal("OWNER", created.GetProperty("myRole").GetString());

        var room = await alice.GetAsync($"api/v1/rooms/{roomId}").ExpectJsonAsync();
        Assert.Equal("Budget 2026", room.GetProperty("name").GetString());
        var member = Assert.Single(room.GetProperty("members").EnumerateArray());
        Assert.Equal("alice", member.GetProperty("userId").GetString());
        Assert.Equal("OWNER", member.GetProperty("role").GetString());

        var mine = await alice.GetAsync("api/v1/rooms").ExpectJsonAsync();
        var listed = Assert.Single(mine.GetProperty("items").EnumerateArray());
        Assert.Equal(roomId, listed.GetProperty("roomId").GetString());
    }

    [Fact]
    public async Task MyRooms_IgnoreAStaleIndexEntry_ForARoomIAmNoLongerIn()
    {
        // The per-user index is written after the room's transaction; if that write is lost, the room partition decides.
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        var roomId = await CreateRoomAsync(alice);
        var table = _host.Services.GetRequiredService<Serverless.Core.Storage.StorageAccount>().GetTableClient(Serverless.Core.Hosting.StorageNames.RoomsTable);
        await table.UpsertEntityAsync(new Azure.Data.Tables.TableEntity(Serverless.Core.Rooms.RoomStore.UserPartition(tenant, "bob"), roomId) { ["Name"] = "x", ["Role"] = "OWNER" });

        var bobsRooms = await bob.GetAsync("api/v1/rooms").ExpectJsonAsync();

        Assert.Equal(0, bobsRooms.GetProperty("items").GetArrayLength());
        Assert.Null(await Serverless.Core.Storage.TableStorage.GetEntityOrDefaultAsync(table, Serverless.Core.Rooms.RoomStore.UserPartition(tenant, "bob"), roomId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CreateRoom_WithoutAName_Returns400(string name)
    {
        using var alice = _host.ClientFor("alice", NewTenant());
        using var response = await alice.PostJsonAsync("api/v1/rooms", new { name });
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task CreateRoom_WithANameOver100Characters_Returns400()
    {
        using var alice = _host.ClientFor("alice", NewTenant());
        using var response = await alice.PostJsonAsync("api/v1/rooms", new { name = new string('x', 101) });
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Stranger_AndOtherTenant_GetRoomNotFound_LikeAMissingRoom()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        var roomId = await CreateRoomAsync(alice);

        using var stranger = _host.ClientFor("mallory", tenant);
        using var otherTenantAlice = _host.ClientFor("alice", NewTenant());
        foreach (var client in new[] { stranger, otherTenantAlice })
        {
            using (var get = await client.GetAsync($"api/v1/rooms/{roomId}"))
            {
                await get.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
            }

            using (var files = await client.GetAsync($"api/v1/rooms/{roomId}/files"))
            {
                await files.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
            }

            using (var upload = await UploadAsync(client, roomId, Png(), "a.png"))
            {
                await upload.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
            }

            using (var put = await client.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/mallory", new { role = "OWNER" }))
            {
                await put.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
            }
        }

        using var missing = await alice.GetAsync("api/v1/rooms/room_0000000000000000000000000000000");
        await missing.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
    }

    [Fact]
    public async Task NonOwnerMember_CannotChangeMembers_Returns403()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        var roomId = await CreateRoomAsync(alice);
        await AddMemberAsync(alice, roomId, "bob", "EDITOR");

        using var bob = _host.ClientFor("bob", tenant);
        using var put = await bob.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/carol", new { role = "VIEWER" });
        await put.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        using var delete = await bob.DeleteAsync($"api/v1/rooms/{roomId}/members/alice");
        await delete.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");

        var room = await alice.GetAsync($"api/v1/rooms/{roomId}").ExpectJsonAsync();
        Assert.Equal(2, room.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task LastOwner_CannotBeDemotedOrRemoved_Returns409_UntilAnotherOwnerExists()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        var roomId = await CreateRoomAsync(alice);

        using (var demote = await alice.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/alice", new { role = "EDITOR" }))
        {
            await demote.AssertErrorAsync(HttpStatusCode.Conflict, "LAST_OWNER");
        }

        using (var remove = await alice.DeleteAsync($"api/v1/rooms/{roomId}/members/alice"))
        {
            await remove.AssertErrorAsync(HttpStatusCode.Conflict, "LAST_OWNER");
        }

        await AddMemberAsync(alice, roomId, "bob", "OWNER");
        using (var leave = await alice.DeleteAsync($"api/v1/rooms/{roomId}/members/alice"))
        {
            Assert.Equal(HttpStatusCode.NoContent, leave.StatusCode);
        }

        using var bob = _host.ClientFor("bob", tenant);
        using (var lastDemote = await bob.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/bob", new { role = "VIEWER" }))
        {
            await lastDemote.AssertErrorAsync(HttpStatusCode.Conflict, "LAST_OWNER");
        }

        using var gone = await alice.GetAsync($"api/v1/rooms/{roomId}");
        await gone.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
    }

    [Fact]
    public async Task ConcurrentDemotions_OfTwoOwners_LeaveAtLeastOneOwner()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        var roomId = await CreateRoomAsync(alice);
        await AddMemberAsync(alice, roomId, "bob", "OWNER");
        using var bob = _host.ClientFor("bob", tenant);

        var results = await Task.WhenAll(
            alice.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/alice", new { role = "VIEWER" }),
            bob.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/bob", new { role = "VIEWER" }));

        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var winner = results[0].StatusCode == HttpStatusCode.OK ? bob : alice;
        var room = await winner.GetAsync($"api/v1/rooms/{roomId}").ExpectJsonAsync();
        Assert.Single(room.GetProperty("members").EnumerateArray(), m => m.GetProperty("role").GetString() == "OWNER");
        foreach (var r in results)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task MembershipChanges_AreEachAuditedExactlyOnce_WithBeforeAndAfter()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        var roomId = await CreateRoomAsync(alice);

        await AddMemberAsync(alice, roomId, "bob", "VIEWER");
        await AddMemberAsync(alice, roomId, "bob", "VIEWER"); // unchanged: not audited again
        await AddMemberAsync(alice, roomId, "bob", "EDITOR");
        using (var remove = await alice.DeleteAsync($"api/v1/rooms/{roomId}/members/bob"))
        {
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        }

        var added = await SingleAuditAsync(_host, tenant, "room.member_added");
        Assert.Equal("alice", added.GetProperty("actorId").GetString());
        Assert.Contains("VIEWER", added.GetProperty("after").GetString(), StringComparison.Ordinal);

        var changed = await SingleAuditAsync(_host, tenant, "room.member_role_changed");
        Assert.Contains("VIEWER", changed.GetProperty("before").GetString(), StringComparison.Ordinal);
        Assert.Contains("EDITOR", changed.GetProperty("after").GetString(), StringComparison.Ordinal);

        var removed = await SingleAuditAsync(_host, tenant, "room.member_removed");
        Assert.Contains("EDITOR", removed.GetProperty("before").GetString(), StringComparison.Ordinal);

        using var bob = _host.ClientFor("bob", tenant);
        using var afterRemoval = await bob.GetAsync($"api/v1/rooms/{roomId}");
        await afterRemoval.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
        var bobsRooms = await bob.GetAsync("api/v1/rooms").ExpectJsonAsync();
        Assert.Equal(0, bobsRooms.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task SetMember_WithAnUnknownRole_Returns400()
    {
        using var alice = _host.ClientFor("alice", NewTenant());
        var roomId = await CreateRoomAsync(alice);
        using var response = await alice.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/bob", new { role = "ADMIN" });
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task RoomGroupSource_ListsTheRoomGroupsOfAMember()
    {
        var tenant = NewTenant();
        using var alice = _host.ClientFor("alice", tenant);
        var roomId = await CreateRoomAsync(alice);
        await AddMemberAsync(alice, roomId, "bob", "VIEWER");

        var sources = _host.Services.GetServices<Serverless.Core.Realtime.IRealtimeGroupSource>();
        var groups = new List<string>();
        foreach (var source in sources)
        {
            groups.AddRange(await source.GetGroupsAsync(tenant, "bob", CancellationToken.None));
        }

        Assert.Contains("room:" + roomId, groups);
    }
}
