using System.Net;
using System.Text.Json;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.MemberChannel;

/// <summary>The member channel calls the tests make, over HTTP as a mobile app would.</summary>
internal static class MemberChannelCalls
{
    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..12];

    public static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, string deviceId, string platform = "ios", string provider = "apns", string? token = "push-token-1") =>
        client.PostJsonAsync("api/member/channel/device/register", new { deviceId, platform, pushProvider = provider, pushToken = token });

    public static Task<HttpResponseMessage> PollAsync(this HttpClient client, string deviceId, string? cursor = null, int? limit = null)
    {
        var url = "api/member/channel/events?deviceId=" + Uri.EscapeDataString(deviceId);
        if (cursor is not null)
        {
            url += "&cursor=" + Uri.EscapeDataString(cursor);
        }

        if (limit is not null)
        {
            url += "&limit=" + limit;
        }

        return client.GetAsync(url);
    }

    public static Task<HttpResponseMessage> AckAsync(this HttpClient client, string eventId, string deviceId) =>
        client.PostJsonAsync($"api/member/channel/events/{Uri.EscapeDataString(eventId)}/ack", new { deviceId });

    /// <summary>One poll that must succeed: the events and the next cursor.</summary>
    public static async Task<(List<JsonElement> Events, string NextCursor)> PollPageAsync(this HttpClient client, string deviceId, string? cursor = null, int? limit = null)
    {
        var page = await client.PollAsync(deviceId, cursor, limit).ExpectJsonAsync();
        var next = page.GetProperty("nextCursor").GetString();
        Assert.False(string.IsNullOrEmpty(next), "nextCursor must always be returned.");
        return (page.GetProperty("events").EnumerateArray().ToList(), next!);
    }

    /// <summary>Publishes one task.assigned event to each user (the producer needs notifications.publish).</summary>
    public static Task PublishAsync(this HttpClient producer, string title, params string[] userIds) =>
        producer.PostJsonAsync("api/v1/events", new
        {
            type = "task.assigned",
            recipients = new { userIds },
            data = new { task = new { title }, assigner = "carol" },
        }).ExpectJsonAsync(HttpStatusCode.Accepted);

    /// <summary>Waits until the user's inbox sequence reaches <paramref name="seq"/> and returns the sequence seen.</summary>
    public static async Task<long> WaitForSeqAsync(this HttpClient user, long seq)
    {
        var unread = await ApiAssertions.EventuallyAsync(
            () => user.GetAsync("api/v1/notifications/unread").ExpectJsonAsync(),
            b => b.GetProperty("seq").GetInt64() >= seq);
        var reached = unread.GetProperty("seq").GetInt64();
        Assert.True(reached >= seq, $"The inbox reached seq {reached}, expected at least {seq}.");
        return reached;
    }

    public static HttpClient Producer(this TestHost host, string tenant) => host.ClientFor("producer", tenant, Roles.Publish);

    public static HttpClient Admin(this TestHost host, string tenant) => host.ClientFor(NewId("admin"), tenant, Roles.Admin);

    public static Task<HttpResponseMessage> PutMemberAsync(this HttpClient admin, string userId, object body) =>
        admin.PutAsync($"api/v1/admin/members/{Uri.EscapeDataString(userId)}", System.Net.Http.Json.JsonContent.Create(body));

    public static async Task<List<JsonElement>> AuditAsync(this HttpClient admin, string action)
    {
        var page = await admin.GetAsync("api/v1/admin/audit?limit=200&action=" + Uri.EscapeDataString(action)).ExpectJsonAsync();
        return page.GetProperty("items").EnumerateArray().ToList();
    }
}
