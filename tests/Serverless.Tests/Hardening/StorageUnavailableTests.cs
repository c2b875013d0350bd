using System.Net;
using System.Net.Http.Headers;
using Serverless.Core.Auth;
using Serverless.Standalone.Development;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Hardening;

public sealed class StorageUnavailableTests
{
    [Fact]
    public async Task Every_route_answers_503_storage_unavailable_with_retry_after_once_storage_is_gone()
    {
        // A dedicated Azurite, stopped under the running host.
        var own = await AzuriteProcess.StartAsync();
        await using var host = await TestHost.StartAsync(AzuriteFixture.ForConnectionString(own.ConnectionString));
        using var user = host.ClientFor("alice", "t1", Roles.Admin, Roles.Publish);
        var negotiation = await user.PostAsync("api/negotiate", null).ExpectJsonAsync();
        var clientUrl = new Uri(negotiation.GetProperty("url").GetString()!);
        var hubNegotiate = new UriBuilder(clientUrl) { Path = clientUrl.AbsolutePath.TrimEnd('/') + "/negotiate", Query = clientUrl.Query.TrimStart('?') + "&negotiateVersion=1" }.Uri;
        await own.DisposeAsync();

        var calls = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("inbox", () => user.GetAsync("api/v1/notifications")),
            ("unread", () => user.GetAsync("api/v1/notifications/unread")),
            ("mark read", () => user.PatchAsync("api/v1/notifications/1/read", null)),
            ("publish", () => user.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { "bob" } } })),
            ("negotiate", () => user.PostAsync("api/negotiate", null)),
            ("rooms", () => user.GetAsync("api/v1/rooms")),
            ("create room", () => user.PostJsonAsync("api/v1/rooms", new { name = "x" })),
            ("register", () => user.PostJsonAsync("api/member/channel/device/register", new { deviceId = "dev-1", platform = "ios", pushProvider = "none" })),
            ("unregister", () => user.PostJsonAsync("api/member/channel/device/unregister", new { deviceId = "dev-1" })),
            ("audit", () => user.GetAsync("api/v1/admin/audit")),
            ("member", () => user.PutAsync("api/v1/admin/members/bob", System.Net.Http.Json.JsonContent.Create(new { status = "suspended" }))),
            ("hub connect", () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, hubNegotiate);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", negotiation.GetProperty("accessToken").GetString());
                return host.Http.SendAsync(request);
            }),
        };

        var responses = await Task.WhenAll(calls.Select(async c => (c.Name, Response: await c.Call())));

        foreach (var (name, response) in responses)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("\"STORAGE_UNAVAILABLE\"", StringComparison.Ordinal), $"{name}: {(int)response.StatusCode} {body}");
                Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"{name}: no Retry-After");
            }
        }
    }
}
