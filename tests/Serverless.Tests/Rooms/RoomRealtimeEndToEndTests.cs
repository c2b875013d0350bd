using System.Net;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Rooms;

/// <summary>Room real-time messages through the real @microsoft/signalr JavaScript client against the standalone host.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RoomRealtimeEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task MemberConnectedBeforeAndAfterJoining_HearsFileUploadedAndFileDeleted_UploaderHearsAck()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);

        // Bob connects before he is a member (joins the group when added); Carol is a member before she connects (joins on connect).
        await using var bob = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("bob", tenant), "fileUploaded", "fileDeleted");
        await AddMemberAsync(owner, roomId, "bob", "VIEWER");
        await AddMemberAsync(owner, roomId, "carol", "VIEWER");
        await using var carol = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("carol", tenant), "fileUploaded", "fileDeleted");
        await using var uploader = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("owner", tenant), "fileUploadAck");

        var file = await UploadAsync(owner, roomId, Png(), "shot.png").ExpectJsonAsync(HttpStatusCode.Created);
        var fileId = file.GetProperty("fileId").GetString();

        foreach (var member in new[] { bob, carol })
        {
            var uploaded = await member.WaitForAsync("fileUploaded", m => m.GetProperty("fileId").GetString() == fileId);
            Assert.Equal("shot.png", uploaded.GetProperty("filename").GetString());
            Assert.Equal(roomId, uploaded.GetProperty("roomId").GetString());
            Assert.False(uploaded.TryGetProperty("downloadUrl", out _));
        }

        var ack = await uploader.WaitForAsync("fileUploadAck", m => m.GetProperty("fileId").GetString() == fileId);
        Assert.Equal("ready", ack.GetProperty("status").GetString());

        using (var deleted = await owner.DeleteAsync($"api/v1/rooms/{roomId}/files/{fileId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        foreach (var member in new[] { bob, carol })
        {
            var gone = await member.WaitForAsync("fileDeleted", m => m.GetProperty("fileId").GetString() == fileId);
            Assert.Equal("owner", gone.GetProperty("deletedBy").GetString());
        }
    }

    [Fact]
    public async Task RemovedMember_NoLongerHearsTheRoom()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "bob", "VIEWER");
        await AddMemberAsync(owner, roomId, "carol", "VIEWER");
        await using var bob = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("bob", tenant), "fileUploaded");
        await using var carol = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("carol", tenant), "fileUploaded");
        using (var removed = await owner.DeleteAsync($"api/v1/rooms/{roomId}/members/bob"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        var fileId = (await UploadAsync(owner, roomId, Gif(), "after.gif").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();

        // Carol (still a member) hearing it bounds how long Bob would have had to hear it too.
        await carol.WaitForAsync("fileUploaded", m => m.GetProperty("fileId").GetString() == fileId);
        Assert.Empty(await bob.ReceivedAsync("fileUploaded", TimeSpan.FromMilliseconds(500)));
    }
}
