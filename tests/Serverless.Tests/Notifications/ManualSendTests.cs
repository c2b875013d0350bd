using System.Net;
using System.Text;
using System.Text.Json;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;
using Serverless.Tests.MemberChannel;

namespace Serverless.Tests.Notifications;

/// <summary>Issue 16: the CRM's POST /v1/notifications/test (manual send), through the standalone host, its queue and processor on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ManualSendTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Notifications:ManualSendsPerUserPerMinute"] = "3",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Without_the_notifications_manual_role_the_send_is_403_and_nothing_is_delivered()
    {
        var tenant = NewTenant();
        using var plain = _host.ClientFor("agent", tenant);
        using var publisher = _host.ClientFor("svc", tenant, Roles.Publish, Roles.Admin);

        foreach (var client in new[] { plain, publisher })
        {
            using var response = await client.PostJsonAsync("api/v1/notifications/test", new { userIds = new[] { "u1" }, title = "Hello" });
            await response.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        using var anonymous = await _host.Http.PostAsync("api/v1/notifications/test", new StringContent("{}", Encoding.UTF8, "application/json"));
        await anonymous.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        using var u1 = _host.ClientFor("u1", tenant);
        await Task.Delay(1000);
        Assert.Empty((await u1.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_manual_send_reaches_each_recipients_inbox_and_tab_in_the_callers_tenant_as_manual_message_with_the_given_priority()
    {
        var tenant = NewTenant();
        using var sender = _host.ClientFor("agent", tenant, Roles.Manual);
        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("u1", tenant), "notificationCreated");

        var accepted = await sender.PostJsonAsync("api/v1/notifications/test", new
        {
            userIds = new[] { "u1", "u2", "u1" },
            title = "Server maintenance tonight",
            body = "The CRM is down from 22:00 to 23:00.",
            priority = "high",
        }).ExpectJsonAsync(HttpStatusCode.Accepted);
        var eventId = accepted.GetProperty("eventId").GetString();
        Assert.StartsWith("evt_", eventId, StringComparison.Ordinal);
        Assert.Equal(2, accepted.GetProperty("recipients").GetInt32());

        var pushed = await tab.WaitForAsync("notificationCreated");
        Assert.Equal("manual.message", pushed.GetProperty("type").GetString());
        Assert.Equal("high", pushed.GetProperty("priority").GetString());

        foreach (var user in new[] { "u1", "u2" })
        {
            using var api = _host.ClientFor(user, tenant);
            var page = await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications").ExpectJsonAsync(), p => p.GetProperty("items").GetArrayLength() > 0);
            var item = Assert.Single(page.GetProperty("items").EnumerateArray());
            Assert.Equal("manual.message", item.GetProperty("type").GetString());
            Assert.Equal("Server maintenance tonight", item.GetProperty("title").GetString());
            Assert.Equal("The CRM is down from 22:00 to 23:00.", item.GetProperty("body").GetString());
            Assert.Equal("high", item.GetProperty("priority").GetString());
            Assert.Equal(eventId, item.GetProperty("eventId").GetString());
            Assert.Equal(1, page.GetProperty("unreadCount").GetInt32());
        }

        // The same user id in another tenant is another person: nothing arrives there.
        using var twin = _host.ClientFor("u1", "other-" + tenant);
        Assert.Empty((await twin.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Without_a_priority_recipients_get_normal_and_a_missing_body_is_an_empty_one()
    {
        var tenant = NewTenant();
        using var sender = _host.ClientFor("agent", tenant, Roles.Manual);
        await sender.PostJsonAsync("api/v1/notifications/test", new { userIds = new[] { "u3" }, title = "Ping" }).ExpectJsonAsync(HttpStatusCode.Accepted);

        using var api = _host.ClientFor("u3", tenant);
        var page = await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications").ExpectJsonAsync(), p => p.GetProperty("items").GetArrayLength() > 0);
        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("normal", item.GetProperty("priority").GetString());
        Assert.Equal("Ping", item.GetProperty("title").GetString());
        Assert.Equal("", item.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Producers_cannot_publish_manual_message_it_answers_like_an_unknown_type()
    {
        var tenant = NewTenant();
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish, Roles.Manual);

        using var response = await producer.PostJsonAsync("api/v1/events", new
        {
            type = "manual.message",
            recipients = new { userIds = new[] { "u1" } },
            data = new { title = "Spoofed", body = "From a producer" },
        });

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "UNKNOWN_TYPE");
    }

    [Fact]
    public async Task Each_send_is_audited_as_notification_send_manual_with_the_sender_the_event_and_the_recipients()
    {
        var tenant = NewTenant();
        using var sender = _host.ClientFor("agent", tenant, Roles.Manual);
        using var admin = _host.ClientFor("auditor", tenant, Roles.Admin);

        var accepted = await sender.PostJsonAsync("api/v1/notifications/test", new { userIds = new[] { "u1", "u2" }, title = "Audit me", priority = "critical" })
            .ExpectJsonAsync(HttpStatusCode.Accepted);

        var entry = Assert.Single(await admin.AuditAsync("notification.send_manual"));
        Assert.Equal("agent", entry.GetProperty("actorId").GetString());
        Assert.Equal(accepted.GetProperty("eventId").GetString(), entry.GetProperty("target").GetString());
        using var after = JsonDocument.Parse(entry.GetProperty("after").GetString()!);
        Assert.Equal(new[] { "u1", "u2" }, after.RootElement.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()!).ToArray());
        Assert.Equal("critical", after.RootElement.GetProperty("priority").GetString());

        // Another tenant's audit log does not have it.
        using var otherAdmin = _host.ClientFor("auditor", "other-" + tenant, Roles.Admin);
        Assert.Empty(await otherAdmin.AuditAsync("notification.send_manual"));
    }

    [Theory]
    [InlineData("""{"title":"Hi"}""")]
    [InlineData("""{"userIds":[],"title":"Hi"}""")]
    [InlineData("""{"userIds":"u1","title":"Hi"}""")]
    [InlineData("""{"userIds":[1],"title":"Hi"}""")]
    [InlineData("""{"userIds":["a/b"],"title":"Hi"}""")]
    [InlineData("""{"userIds":["a|b"],"title":"Hi"}""")]
    [InlineData("""{"userIds":[""],"title":"Hi"}""")]
    [InlineData("""{"userIds":["u1"]}""")]
    [InlineData("""{"userIds":["u1"],"title":""}""")]
    [InlineData("""{"userIds":["u1"],"title":"   "}""")]
    [InlineData("""{"userIds":["u1"],"title":7}""")]
    [InlineData("""{"userIds":["u1"],"title":"Hi","body":false}""")]
    [InlineData("""{"userIds":["u1"],"title":"Hi","priority":"urgent"}""")]
    [InlineData("""{"userIds":["u1"],"title":"Hi","priority":3}""")]
    [InlineData("""["u1"]""")]
    public async Task Bad_requests_are_400_VALIDATION_ERROR_and_send_nothing(string body)
    {
        var tenant = NewTenant();
        using var sender = _host.ClientFor("agent", tenant, Roles.Manual);

        using var response = await sender.PostAsync("api/v1/notifications/test", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        using var admin = _host.ClientFor("auditor", tenant, Roles.Admin);
        Assert.Empty(await admin.AuditAsync("notification.send_manual"));
    }

    [Fact]
    public async Task Lengths_and_recipient_counts_are_bounded_and_a_body_that_is_not_JSON_is_INVALID_JSON()
    {
        var tenant = NewTenant();
        using var sender = _host.ClientFor("agent", tenant, Roles.Manual);
        var ids = Enumerable.Range(0, 101).Select(i => "u" + i).ToArray();

        foreach (var body in new object[]
                 {
                     new { userIds = ids, title = "Hi" },
                     new { userIds = new[] { "u1" }, title = new string('t', 201) },
                     new { userIds = new[] { "u1" }, title = "Hi", body = new string('b', 2001) },
                     new { userIds = new[] { new string('u', 129) }, title = "Hi" },
                 })
        {
            using var response = await sender.PostJsonAsync("api/v1/notifications/test", body);
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        using var broken = await sender.PostAsync("api/v1/notifications/test", new StringContent("{\"userIds\":", Encoding.UTF8, "application/json"));
        await broken.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_JSON");

        // The largest valid request is accepted: 100 recipients, a 200-character title, a 2,000-character body.
        var accepted = await sender.PostJsonAsync("api/v1/notifications/test", new { userIds = ids[..100], title = new string('t', 200), body = new string('b', 2000) })
            .ExpectJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(100, accepted.GetProperty("recipients").GetInt32());
    }

    [Fact]
    public async Task A_sender_over_the_per_minute_limit_gets_429_with_Retry_After_and_refused_requests_cost_no_permit()
    {
        var tenant = NewTenant();
        using var sender = _host.ClientFor("agent", tenant, Roles.Manual);
        using var colleague = _host.ClientFor("agent-2", tenant, Roles.Manual);

        using (var invalid = await sender.PostJsonAsync("api/v1/notifications/test", new { userIds = Array.Empty<string>(), title = "Hi" }))
        {
            await invalid.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        for (var i = 0; i < 3; i++)
        {
            await sender.PostJsonAsync("api/v1/notifications/test", new { userIds = new[] { "u1" }, title = "Hi " + i }).ExpectJsonAsync(HttpStatusCode.Accepted);
        }

        using var limited = await sender.PostJsonAsync("api/v1/notifications/test", new { userIds = new[] { "u1" }, title = "One too many" });
        await limited.AssertErrorAsync(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // The limit is per sender.
        await colleague.PostJsonAsync("api/v1/notifications/test", new { userIds = new[] { "u1" }, title = "From a colleague" }).ExpectJsonAsync(HttpStatusCode.Accepted);
        using var admin = _host.ClientFor("auditor", tenant, Roles.Admin);
        Assert.Equal(4, (await admin.AuditAsync("notification.send_manual")).Count);
    }

    private static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..8];
}
