using System.Net;
using System.Text.Json;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Rooms;

/// <summary>Room chat in real time through the real @microsoft/signalr JavaScript client: an EDITOR posting, a VIEWER receiving.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RoomChatRealtimeEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly string[] ChatEvents = ["messageCreated", "messageUpdated", "messageDeleted", "reactionsChanged", "typing"];

    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<(HttpClient Owner, HttpClient Editor, HttpClient Viewer, string RoomId)> RoomAsync(TestHost host, string tenant)
    {
        var owner = host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner, "Line 4 incident");
        await AddMemberAsync(owner, roomId, "editor", "EDITOR");
        await AddMemberAsync(owner, roomId, "viewer", "VIEWER");
        return (owner, host.ClientFor("editor", tenant), host.ClientFor("viewer", tenant), roomId);
    }

    [Fact]
    public async Task EditorPosts_EditsAndDeletes_ViewerReacts_EachSideHearsTheOthersChangesWithTheLatestSeq()
    {
        var tenant = NewTenant();
        var (owner, editor, viewer, roomId) = await RoomAsync(_host, tenant);
        await using var viewerHub = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("viewer", tenant), ChatEvents);
        await using var editorHub = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("editor", tenant), ChatEvents);

        var posted = await editor.PostMessageOkAsync(roomId, "Line 4 stopped, @viewer FYI");
        var created = await viewerHub.WaitForAsync("messageCreated", m => m.GetProperty("message").GetProperty("messageId").GetString() == posted.Id());
        Assert.Equal(roomId, created.GetProperty("roomId").GetString());
        Assert.Equal(1, created.GetProperty("seq").GetInt64());
        Assert.Equal("Line 4 stopped, @viewer FYI", created.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal("editor", created.GetProperty("message").GetProperty("authorId").GetString());

        using (var react = await viewer.ReactAsync(roomId, posted.Id(), "👀"))
        {
            Assert.Equal(HttpStatusCode.OK, react.StatusCode);
        }

        var reactions = await editorHub.WaitForAsync("reactionsChanged", m => m.GetProperty("messageId").GetString() == posted.Id());
        Assert.Equal(1, reactions.GetProperty("seq").GetInt64());
        Assert.Equal("viewer", reactions.GetProperty("userId").GetString());
        var reaction = Assert.Single(reactions.GetProperty("reactions").EnumerateArray());
        Assert.Equal("👀", reaction.GetProperty("emoji").GetString());
        Assert.Equal(1, reaction.GetProperty("count").GetInt32());

        await owner.PostMessageOkAsync(roomId, "Second");
        await editor.EditMessageAsync(roomId, posted.Id(), "Line 4 stopped at 10:02").ExpectJsonAsync();
        var updated = await viewerHub.WaitForAsync("messageUpdated", m => m.GetProperty("message").GetProperty("messageId").GetString() == posted.Id());
        Assert.Equal(2, updated.GetProperty("seq").GetInt64());
        Assert.Equal("Line 4 stopped at 10:02", updated.GetProperty("message").GetProperty("text").GetString());
        Assert.NotEqual(JsonValueKind.Null, updated.GetProperty("message").GetProperty("editedAt").ValueKind);

        await editor.DeleteAsync($"api/v1/rooms/{roomId}/messages/{posted.Id()}").ExpectJsonAsync();
        var deleted = await viewerHub.WaitForAsync("messageDeleted", m => m.GetProperty("messageId").GetString() == posted.Id());
        Assert.Equal(2, deleted.GetProperty("seq").GetInt64());
        Assert.Equal("editor", deleted.GetProperty("deletedBy").GetString());

        // Every message was heard exactly once, in seq order.
        var heard = (await viewerHub.ReceivedAsync("messageCreated", TimeSpan.FromMilliseconds(300))).Select(m => m.GetProperty("seq").GetInt64());
        Assert.Equal([1L, 2L], heard);
    }

    [Fact]
    public async Task Typing_ReachesTheOtherMembers_AtMostOncePerThreeSeconds()
    {
        // A clock of its own, so a slow machine cannot stretch five quick calls across the 3 s window.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(azurite, configureServices: services => ManualClock.Use(services, clock));
        var tenant = NewTenant();
        var (_, editor, _, roomId) = await RoomAsync(host, tenant);
        await using var viewerHub = await SignalRNodeClient.ConnectAsync(host.BaseAddress, host.Token("viewer", tenant), "typing");

        var start = clock.GetUtcNow();
        for (var i = 0; i < 5; i++)
        {
            using var response = await editor.PostAsync($"api/v1/rooms/{roomId}/typing", null);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        var typing = await viewerHub.WaitForAsync("typing");
        Assert.Equal(roomId, typing.GetProperty("roomId").GetString());
        Assert.Equal("editor", typing.GetProperty("userId").GetString());
        Assert.Equal(start + TimeSpan.FromSeconds(5), typing.GetProperty("until").GetDateTimeOffset());
        Assert.Single(await viewerHub.ReceivedAsync("typing", TimeSpan.FromMilliseconds(500)));

        // 3 s after the broadcast, the next call broadcasts again.
        clock.Advance(TimeSpan.FromMilliseconds(500));
        using (var again = await editor.PostAsync($"api/v1/rooms/{roomId}/typing", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }

        await viewerHub.WaitForAsync("typing");
        Assert.Equal(2, (await viewerHub.ReceivedAsync("typing", TimeSpan.FromMilliseconds(300))).Count);
    }

    [Fact]
    public async Task ViewerThatWasDisconnected_SeesTheGapInSeq_AndAfterSeqReturnsExactlyWhatItMissed()
    {
        var tenant = NewTenant();
        var (_, editor, viewer, roomId) = await RoomAsync(_host, tenant);
        await using var viewerHub = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("viewer", tenant), "messageCreated");

        await editor.PostMessageOkAsync(roomId, "one");
        var lastSeen = (await viewerHub.WaitForAsync("messageCreated")).GetProperty("seq").GetInt64();

        await viewerHub.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            await editor.PostMessageOkAsync(roomId, "missed " + i);
        }

        await viewerHub.StartAsync();
        await editor.PostMessageOkAsync(roomId, "after reconnect");
        var next = await viewerHub.WaitForAsync("messageCreated", m => m.GetProperty("seq").GetInt64() > lastSeen);
        Assert.Equal(5, next.GetProperty("seq").GetInt64());

        // The gap (2..4) is recovered from the store.
        var recovered = await viewer.ListMessagesAsync(roomId, $"?afterSeq={lastSeen}");
        Assert.Equal([2L, 3L, 4L, 5L], recovered.Seqs());
        Assert.Equal(["missed 0", "missed 1", "missed 2", "after reconnect"], recovered.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.Equal(5, recovered.GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task ThroughTheSignalRServiceRestPath_TheViewerHearsMessageCreated()
    {
        await using var host = await TestHost.StartWithSignalRRestAsync(azurite);
        var tenant = NewTenant();
        var (_, editor, _, roomId) = await RoomAsync(host, tenant);
        await using var viewerHub = await SignalRNodeClient.ConnectAsync(host.BaseAddress, host.Token("viewer", tenant), "messageCreated");

        var posted = await editor.PostMessageOkAsync(roomId, "via REST");

        var created = await viewerHub.WaitForAsync("messageCreated");
        Assert.Equal(posted.Id(), created.GetProperty("message").GetProperty("messageId").GetString());
        Assert.Equal(1, created.GetProperty("seq").GetInt64());
    }
}
