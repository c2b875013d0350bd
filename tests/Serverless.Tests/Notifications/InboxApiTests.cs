using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>The inbox REST API and the publish API's validation, through the standalone host.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnotherUsersOrTenantsNotification_Returns404_SameAsMissing()
    {
        var (tenant, user) = NewUser();
        await PublishAndWait(tenant, user, 1);
        using var owner = _host.ClientFor(user, tenant);
        using var sameTenantOtherUser = _host.ClientFor("intruder", tenant);
        using var otherTenantSameUser = _host.ClientFor(user, "other-tenant");

        Assert.Equal(1, (await owner.GetAsync("api/v1/notifications/1").ExpectJsonAsync()).GetProperty("seq").GetInt64());
        foreach (var (client, method, path) in new[]
                 {
                     (sameTenantOtherUser, HttpMethod.Get, "api/v1/notifications/1"),
                     (sameTenantOtherUser, HttpMethod.Patch, "api/v1/notifications/1/read"),
                     (sameTenantOtherUser, HttpMethod.Delete, "api/v1/notifications/1"),
                     (otherTenantSameUser, HttpMethod.Get, "api/v1/notifications/1"),
                     (otherTenantSameUser, HttpMethod.Delete, "api/v1/notifications/1"),
                     (owner, HttpMethod.Get, "api/v1/notifications/999"),
                     (owner, HttpMethod.Get, "api/v1/notifications/not-a-number"),
                 })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path));
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "NOTIFICATION_NOT_FOUND");
        }

        // Nothing the others tried changed the owner's notification.
        var item = await owner.GetAsync("api/v1/notifications/1").ExpectJsonAsync();
        Assert.False(item.GetProperty("isRead").GetBoolean());
    }

    [Fact]
    public async Task MarkRead_IsIdempotent_AndUnreadCountFollows()
    {
        var (tenant, user) = NewUser();
        await PublishAndWait(tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);

        for (var i = 0; i < 2; i++)
        {
            using var read = await api.PatchAsync("api/v1/notifications/2/read", null);
            Assert.Equal(HttpStatusCode.NoContent, read.StatusCode);
        }

        var unread = await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync();
        Assert.Equal(2, unread.GetProperty("count").GetInt32());
        Assert.Equal(new long[] { 3, 1 }, unread.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray());
        var item = await api.GetAsync("api/v1/notifications/2").ExpectJsonAsync();
        Assert.True(item.GetProperty("isRead").GetBoolean());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, item.GetProperty("readAt").ValueKind);

        var all = await api.PostAsync("api/v1/notifications/mark-all-read", null).ExpectJsonAsync();
        Assert.Equal(2, all.GetProperty("updated").GetInt32());
        var again = await api.PostAsync("api/v1/notifications/mark-all-read", null).ExpectJsonAsync();
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.Equal(0, (await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync()).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Delete_RemovesTheNotification_AndAdjustsUnread_AndASecondDeleteIs404()
    {
        var (tenant, user) = NewUser();
        await PublishAndWait(tenant, user, 2);
        using var api = _host.ClientFor(user, tenant);

        using (var deleted = await api.DeleteAsync("api/v1/notifications/1"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var again = await api.DeleteAsync("api/v1/notifications/1"))
        {
            await again.AssertErrorAsync(HttpStatusCode.NotFound, "NOTIFICATION_NOT_FOUND");
        }

        var list = await api.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(2, Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("seq").GetInt64());
        Assert.Equal(1, list.GetProperty("unreadCount").GetInt32());
    }

    [Fact]
    public async Task Paging_NewestFirst_FollowsCursorsWithoutGapsOrRepeats_AndFilters()
    {
        var (tenant, user) = NewUser();
        await PublishAndWait(tenant, user, 7);
        using var api = _host.ClientFor(user, tenant);

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await api.GetAsync("api/v1/notifications?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))).ExpectJsonAsync();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(new long[] { 7, 6, 5, 4, 3, 2, 1 }, seen);

        using (await api.PatchAsync("api/v1/notifications/5/read", null))
        {
        }

        var unreadOnly = await api.GetAsync("api/v1/notifications?unread=true&limit=100").ExpectJsonAsync();
        Assert.DoesNotContain(5L, unreadOnly.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal(6, unreadOnly.GetProperty("items").GetArrayLength());
        var byType = await api.GetAsync("api/v1/notifications?type=meeting.reminder").ExpectJsonAsync();
        Assert.Equal(0, byType.GetProperty("items").GetArrayLength());
        var byPriority = await api.GetAsync("api/v1/notifications?priority=normal&limit=100").ExpectJsonAsync();
        Assert.Equal(7, byPriority.GetProperty("items").GetArrayLength());

        var ascending = await api.GetAsync("api/v1/notifications?afterSeq=2&limit=2").ExpectJsonAsync();
        Assert.Equal(new long[] { 3, 4 }, ascending.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray());
        var rest = await api.GetAsync("api/v1/notifications?limit=10&cursor=" + Uri.EscapeDataString(ascending.GetProperty("nextCursor").GetString()!)).ExpectJsonAsync();
        Assert.Equal(new long[] { 5, 6, 7 }, rest.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray());
    }

    [Fact]
    public async Task Cursor_Tampered_OrIssuedToAnotherUser_Returns400InvalidCursor()
    {
        var (tenant, user) = NewUser();
        await PublishAndWait(tenant, user, 3);
        using var api = _host.ClientFor(user, tenant);
        var cursor = (await api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync()).GetProperty("nextCursor").GetString()!;

        var tampered = cursor[..^2] + (cursor[^2] == 'A' ? 'B' : 'A') + cursor[^1];
        using (var response = await api.GetAsync("api/v1/notifications?cursor=" + Uri.EscapeDataString(tampered)))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }

        using var other = _host.ClientFor("someone-else", tenant);
        using (var response = await other.GetAsync("api/v1/notifications?cursor=" + Uri.EscapeDataString(cursor)))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }

        using (var response = await api.GetAsync("api/v1/notifications?cursor=made-up"))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=abc")]
    [InlineData("unread=maybe")]
    [InlineData("priority=urgent")]
    [InlineData("afterSeq=-1")]
    public async Task List_WithBadQuery_Returns400ValidationError(string query)
    {
        using var api = _host.ClientFor("u1");
        using var response = await api.GetAsync("api/v1/notifications?" + query);
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Publish_RefusesBadInput_WithClearCodes()
    {
        using var producer = _host.ClientFor("svc", "t1", Roles.Publish);

        await (await producer.PostJsonAsync("api/v1/events", new { type = "no.such.type", recipients = new { userIds = new[] { "u1" } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "UNKNOWN_TYPE");
        await (await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = Enumerable.Range(0, 10_001).Select(i => "u" + i) } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "TOO_MANY_RECIPIENTS");
        await (await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await (await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { "bad/id" } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await (await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { "u1" } }, ttlSeconds = 5 }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await (await producer.PostAsync("api/v1/events", new StringContent("{not json", Encoding.UTF8, "application/json")))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_JSON");
        var huge = "{\"type\":\"task.assigned\",\"recipients\":{\"userIds\":[\"u1\"]},\"data\":{\"x\":\"" + new string('a', 70 * 1024) + "\"}}";
        await (await producer.PostAsync("api/v1/events", new StringContent(huge, Encoding.UTF8, "application/json")))
            .AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task IdempotencyKey_SameBodyReturnsSameEventAndPublishesOnce_DifferentBodyIs409()
    {
        var (tenant, user) = NewUser();
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var body = $"{{\"type\":\"task.completed\",\"recipients\":{{\"userIds\":[\"{user}\"]}}}}";

        async Task<HttpResponseMessage> Send(string json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/events") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "order-42");
            return await producer.SendAsync(request);
        }

        var first = await Send(body);
        var firstId = (await first.ReadJsonAsync()).GetProperty("eventId").GetString();
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using var second = await Send(body);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(firstId, (await second.ReadJsonAsync()).GetProperty("eventId").GetString());
        using var conflict = await Send(body.Replace("task.completed", "task.overdue", StringComparison.Ordinal));
        await conflict.AssertErrorAsync(HttpStatusCode.Conflict, "IDEMPOTENCY_KEY_REUSED");
        first.Dispose();

        using var api = _host.ClientFor(user, tenant);
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications").ExpectJsonAsync(), b => b.GetProperty("items").GetArrayLength() > 0);
        await Task.Delay(500);
        var inbox = await api.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(firstId, Assert.Single(inbox.GetProperty("items").EnumerateArray()).GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task Template_FillsPlaceholdersFromData_AndMissingOnesRenderEmpty()
    {
        var (tenant, user) = NewUser();
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        await producer.PostJsonAsync("api/v1/events", new { type = "document.expiring", recipients = new { userIds = new[] { user } }, data = new { document = new { filename = "plan.pdf" } } })
            .ExpectJsonAsync(HttpStatusCode.Accepted);

        using var api = _host.ClientFor(user, tenant);
        var inbox = await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications").ExpectJsonAsync(), b => b.GetProperty("items").GetArrayLength() > 0);
        var item = inbox.GetProperty("items")[0];
        var text = item.GetProperty("title").GetString() + " " + item.GetProperty("body").GetString();
        Assert.Contains("plan.pdf", text);
        Assert.DoesNotContain("{{", text);
        Assert.Equal("plan.pdf", item.GetProperty("data").GetProperty("document").GetProperty("filename").GetString());
    }

    [Fact]
    public async Task Publish_DataTooBigForAQueueMessage_TravelsAsAClaimCheck_AndArrivesIntact()
    {
        var (tenant, user) = NewUser();
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var big = new string('x', 55 * 1024); // under the 64 KiB event limit, over what fits in a queue message
        await producer.PostJsonAsync("api/v1/events", new { type = "report.generated", recipients = new { userIds = new[] { user, user + "-2" } }, data = new { blob = big } })
            .ExpectJsonAsync(HttpStatusCode.Accepted);

        using var api = _host.ClientFor(user, tenant);
        var inbox = await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications").ExpectJsonAsync(), b => b.GetProperty("items").GetArrayLength() > 0);
        Assert.Equal(big, inbox.GetProperty("items")[0].GetProperty("data").GetProperty("blob").GetString());
    }

    private async Task PublishAndWait(string tenant, string user, int count)
    {
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        for (var i = 0; i < count; i++)
        {
            await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } })
                .ExpectJsonAsync(HttpStatusCode.Accepted);

            // One at a time so seq order equals publish order.
            using var api = _host.ClientFor(user, tenant);
            await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(),
                b => b.GetProperty("seq").GetInt64() >= i + 1);
        }
    }

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);
}
