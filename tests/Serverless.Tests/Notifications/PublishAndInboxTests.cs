using System.Net;
using System.Text.Json;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

[Collection(AzuriteCollection.Name)]
public sealed class PublishAndInboxTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Publish_ThenProcess_DeliversOneRowToEachRecipientsInbox()
    {
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..8];
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var published = await producer.PostJsonAsync("api/v1/events", new
        {
            type = "task.assigned",
            recipients = new { userIds = new[] { "alice", "bob" } },
            data = new { task = new { title = "Fix <the> roof" }, assigner = "carol" },
            priority = "high",
        }).ExpectJsonAsync(HttpStatusCode.Accepted);
        var eventId = published.GetProperty("eventId").GetString();

        using var alice = _host.ClientFor("alice", tenant);
        var inbox = await ApiAssertions.EventuallyAsync(
            () => alice.GetAsync("api/v1/notifications").ExpectJsonAsync(),
            b => b.GetProperty("items").GetArrayLength() > 0);

        var item = Assert.Single(inbox.GetProperty("items").EnumerateArray());
        Assert.Equal(eventId, item.GetProperty("eventId").GetString());
        Assert.Equal("task.assigned", item.GetProperty("type").GetString());
        Assert.Equal("high", item.GetProperty("priority").GetString());
        Assert.Equal(1, item.GetProperty("seq").GetInt64());
        Assert.False(item.GetProperty("isRead").GetBoolean());
        Assert.Contains("Fix <the> roof", item.GetProperty("title").GetString() + item.GetProperty("body").GetString());
        Assert.Equal(1, inbox.GetProperty("unreadCount").GetInt32());

        using var bob = _host.ClientFor("bob", tenant);
        var bobs = await ApiAssertions.EventuallyAsync(
            () => bob.GetAsync("api/v1/notifications").ExpectJsonAsync(),
            b => b.GetProperty("items").GetArrayLength() > 0);
        Assert.Single(bobs.GetProperty("items").EnumerateArray());
    }
}
