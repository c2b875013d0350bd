using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Core.Realtime;
using Serverless.Tests.Infrastructure;
using Serverless.Tests.MemberChannel;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Realtime;

/// <summary>
/// The Functions app's realtime path, end to end: the standalone host with AzureSignalRConnectionString pointing at
/// itself sends every push and group change through SignalRRestClient to its Azure SignalR REST surface, and the real
/// @microsoft/signalr client receives them at /client.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SignalRRestEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartWithSignalRRestAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task APublishedEvent_GoesThroughQueueAndInbox_ThenTheRestApi_ToTheConnectedClient()
    {
        Assert.IsType<SignalRRestClient>(_host.Services.GetRequiredService<IRealtimeSender>());
        using var metrics = new RealtimeMetricRecorder(_host.Services.GetRequiredService<SignalRMetrics>());
        var tenant = NewTenant();
        using var api = _host.ClientFor("alice", tenant);
        var negotiated = await api.PostAsync("api/negotiate", null).ExpectJsonAsync();
        Assert.Equal(new Uri(_host.BaseAddress, "client/?hub=notifications").ToString(), negotiated.GetProperty("url").GetString());

        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("alice", tenant), "notificationCreated");
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var eventId = await PublishAsync(producer, "alice");

        var created = await tab.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == eventId);
        Assert.Equal(1, created.GetProperty("seq").GetInt64());
        Assert.Equal("note.mentioned", created.GetProperty("type").GetString());
        Assert.False(created.GetProperty("isRead").GetBoolean());
        Assert.True(metrics.Succeeded("send_to_user") >= 1);
        Assert.Equal(0, metrics.Failed("send_to_user"));
    }

    [Fact]
    public async Task MarkingReadInOneTab_ReachesTheOtherTabThroughTheRestApi()
    {
        var tenant = NewTenant();
        var token = _host.Token("alice", tenant);
        using var api = _host.ClientFor("alice", tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        await using var tab1 = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, token, "notificationCreated", "notificationsRead");
        await using var tab2 = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, token, "notificationCreated", "notificationsRead");

        var eventId = await PublishAsync(producer, "alice");
        var created = await tab1.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == eventId);
        await tab2.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == eventId);
        var id = created.GetProperty("id").GetString();

        using (var read = await api.PatchAsync($"api/v1/notifications/{id}/read", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, read.StatusCode);
        }

        foreach (var tab in new[] { tab1, tab2 })
        {
            var message = await tab.WaitForAsync("notificationsRead");
            Assert.Equal(id, message.GetProperty("ids")[0].GetString());
            Assert.Equal(0, message.GetProperty("unreadCount").GetInt32());
        }
    }

    [Fact]
    public async Task RoomMembershipThroughTheRestApi_AddedMembersHearTheRoom_ARemovedMemberStops()
    {
        using var metrics = new RealtimeMetricRecorder(_host.Services.GetRequiredService<SignalRMetrics>());
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);

        // Bob is connected when he is added; Carol is added first and connects later: the user-level membership the
        // REST API created applies to her later connection, as Azure SignalR Service keeps it.
        await using var bob = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("bob", tenant), "fileUploaded");
        await AddMemberAsync(owner, roomId, "bob", "VIEWER");
        await AddMemberAsync(owner, roomId, "carol", "VIEWER");
        await using var carol = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("carol", tenant), "fileUploaded");

        var first = (await UploadAsync(owner, roomId, Png(), "one.png").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();
        await bob.WaitForAsync("fileUploaded", m => m.GetProperty("fileId").GetString() == first);
        await carol.WaitForAsync("fileUploaded", m => m.GetProperty("fileId").GetString() == first);

        using (var removed = await owner.DeleteAsync($"api/v1/rooms/{roomId}/members/bob"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        var second = (await UploadAsync(owner, roomId, Gif(), "two.gif").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();
        await carol.WaitForAsync("fileUploaded", m => m.GetProperty("fileId").GetString() == second);
        var heardByBob = await bob.ReceivedAsync("fileUploaded", TimeSpan.FromMilliseconds(500));
        Assert.DoesNotContain(heardByBob, m => m.GetProperty("fileId").GetString() == second);
        Assert.True(metrics.Succeeded("add_user_to_group") >= 2);
        Assert.True(metrics.Succeeded("remove_user_from_group") >= 1);
        Assert.True(metrics.Succeeded("send_to_group") >= 2);
    }

    [Fact]
    public async Task SuspendingAMember_ClosesTheirOpenConnectionsThroughTheRestApi()
    {
        using var metrics = new RealtimeMetricRecorder(_host.Services.GetRequiredService<SignalRMetrics>());
        var tenant = NewTenant();
        using var admin = _host.Admin(tenant);
        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("mallory", tenant), "notificationCreated");

        (await admin.PutMemberAsync("mallory", new { status = "suspended" })).EnsureSuccessStatusCode();

        await tab.WaitForClosedAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(1, metrics.Succeeded("close_user_connections"));
    }

    private static async Task<string> PublishAsync(HttpClient producer, string user)
    {
        var body = await producer.PostJsonAsync("api/v1/events", new
        {
            type = "note.mentioned",
            recipients = new { userIds = new[] { user } },
            data = new { author = "carol" },
        }).ExpectJsonAsync(HttpStatusCode.Accepted);
        return body.GetProperty("eventId").GetString()!;
    }
}

/// <summary>A SignalR Service that answers 500 to everything: writes still succeed, and every failed push is counted.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SignalRRestFailureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task WhenTheSignalRServiceFails_PublishAndMarkReadStillSucceed_AndTheFailedPushesAreCounted()
    {
        await using var service = await FakeSignalRService.StartAsync();
        service.Respond = _ => (500, "{\"code\":\"InternalServerError\"}");
        await using var host = await TestHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AzureSignalRConnectionString"] = $"Endpoint={service.Endpoint.GetLeftPart(UriPartial.Authority)};AccessKey=failing-service-access-key-0123456789abcdef;Version=1.0;",
        });
        using var metrics = new RealtimeMetricRecorder(host.Services.GetRequiredService<SignalRMetrics>());
        var tenant = NewTenant();
        using var producer = host.ClientFor("svc", tenant, Roles.Publish);
        using var api = host.ClientFor("alice", tenant);

        await producer.PostJsonAsync("api/v1/events", new
        {
            type = "note.mentioned",
            recipients = new { userIds = new[] { "alice" } },
            data = new { author = "carol" },
        }).ExpectJsonAsync(HttpStatusCode.Accepted);

        // The processor committed the inbox row even though its push failed; the message is not retried for it.
        var inbox = await ApiAssertions.EventuallyAsync(
            () => api.GetAsync("api/v1/notifications").ExpectJsonAsync(),
            page => page.GetProperty("items").GetArrayLength() == 1);
        var item = Assert.Single(inbox.GetProperty("items").EnumerateArray());
        await ApiAssertions.EventuallyAsync(() => Task.FromResult(metrics.Failed("send_to_user", "500")), failed => failed >= 1);
        Assert.Equal(1, metrics.Failed("send_to_user", "500"));

        using (var read = await api.PatchAsync($"api/v1/notifications/{item.GetProperty("id").GetString()}/read", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, read.StatusCode);
        }

        // Mark-read pushes notificationsRead, notificationsUpdated and countsChanged: three more failed sends, and still a 204.
        Assert.Equal(4, metrics.Failed("send_to_user", "500"));
        var unread = await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync();
        Assert.Equal(0, unread.GetProperty("count").GetInt32());
        Assert.Equal(0, metrics.Succeeded("send_to_user"));
    }
}
