using System.Net;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>The SPA flow with the real @microsoft/signalr JavaScript client against the standalone host.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RealtimeEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Negotiate_ReturnsUrlAndAccessToken_AndRequiresABearerToken()
    {
        using var anonymous = await _host.Http.PostAsync("api/negotiate", null);
        await anonymous.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        using var client = _host.ClientFor("u1");
        var body = await client.PostAsync("api/negotiate", null).ExpectJsonAsync();
        Assert.StartsWith(_host.BaseAddress.ToString().TrimEnd('/'), body.GetProperty("url").GetString());
        Assert.EndsWith("/client/?hub=notifications", body.GetProperty("url").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("accessToken").GetString()));
    }

    [Fact]
    public async Task HubConnection_WithoutNegotiatedToken_IsRefused()
    {
        using var response = await _host.Http.PostAsync("client/negotiate?hub=notifications&negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SpaFlow_ReceiveCreated_ReadFromSecondTab_RecoverMissedAfterReconnect()
    {
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..8];
        var user = "u-" + Guid.NewGuid().ToString("N")[..8];
        var token = _host.Token(user, tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        using var api = _host.ClientFor(user, tenant);

        await using var tab1 = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, token, "notificationCreated", "notificationsRead", "unreadCountChanged");
        await using var tab2 = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, token, "notificationCreated", "notificationsRead");

        var first = await Publish(producer, user, "First");
        var created = await tab1.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == first);
        Assert.Equal(1, created.GetProperty("seq").GetInt64());
        Assert.Equal("note.mentioned", created.GetProperty("type").GetString());
        await tab2.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == first);

        // Mark read "from tab 2" over REST: tab 1 hears notificationsRead with the id and the new count.
        var id = created.GetProperty("id").GetString();
        using (var read = await api.PatchAsync($"api/v1/notifications/{id}/read", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, read.StatusCode);
        }

        var readMessage = await tab1.WaitForAsync("notificationsRead");
        Assert.Equal(id, readMessage.GetProperty("ids")[0].GetString());
        Assert.Equal(0, readMessage.GetProperty("unreadCount").GetInt32());
        Assert.Equal(1, readMessage.GetProperty("seq").GetInt64());

        // Tab 1 goes offline; two events arrive meanwhile; after reconnecting it recovers exactly those with afterSeq.
        await tab1.StopAsync();
        var missed1 = await Publish(producer, user, "Second");
        var missed2 = await Publish(producer, user, "Third");
        await tab2.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == missed2);
        await tab1.StartAsync();

        var recovered = await api.GetAsync("api/v1/notifications?afterSeq=1").ExpectJsonAsync();
        var items = recovered.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(new[] { missed1, missed2 }, items.Select(i => i.GetProperty("eventId").GetString()!).ToArray());
        Assert.Equal(new[] { 2L, 3L }, items.Select(i => i.GetProperty("seq").GetInt64()).ToArray());
        Assert.Equal(JsonNull, recovered.GetProperty("nextCursor").ValueKind);

        // And live delivery works again on the reconnected tab.
        var after = await Publish(producer, user, "Fourth");
        var live = await tab1.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == after);
        Assert.Equal(4, live.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Pushes_GoOnlyToTheRecipient_NotToAnotherUserOrTenantWithTheSameUserId()
    {
        var user = "u-" + Guid.NewGuid().ToString("N")[..8];
        await using var other = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token(user, "tenant-b"), "notificationCreated");
        await using var recipient = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token(user, "tenant-a"), "notificationCreated");
        using var producer = _host.ClientFor("svc", "tenant-a", Roles.Publish);

        var eventId = await Publish(producer, user, "Only for tenant a");

        await recipient.WaitForAsync("notificationCreated", n => n.GetProperty("eventId").GetString() == eventId);
        var leaked = await other.ReceivedAsync("notificationCreated", TimeSpan.FromMilliseconds(500));
        Assert.Empty(leaked);
    }

    private const System.Text.Json.JsonValueKind JsonNull = System.Text.Json.JsonValueKind.Null;

    private static async Task<string> Publish(HttpClient producer, string user, string who)
    {
        var body = await producer.PostJsonAsync("api/v1/events", new
        {
            type = "note.mentioned",
            recipients = new { userIds = new[] { user } },
            data = new { author = who },
        }).ExpectJsonAsync(HttpStatusCode.Accepted);
        return body.GetProperty("eventId").GetString()!;
    }
}
