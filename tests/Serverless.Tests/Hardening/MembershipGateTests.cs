using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;
using Serverless.Tests.MemberChannel;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Hardening;

[Collection(AzuriteCollection.Name)]
public sealed class MembershipGateTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("revoked")]
    [InlineData("suspended")]
    public async Task An_inactive_member_is_refused_on_every_user_route_from_the_next_request(string status)
    {
        var tenant = MemberChannelCalls.NewTenant();
        using var admin = _host.Admin(tenant);
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "u9", "OWNER");
        using var u9 = _host.ClientFor("u9", tenant, Roles.Admin, Roles.Publish);
        var fileId = (await UploadAsync(u9, roomId, Pdf(), "before.pdf").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();
        (await u9.GetAsync("api/v1/notifications")).EnsureSuccessStatusCode();

        (await admin.PutMemberAsync("u9", new { status })).EnsureSuccessStatusCode();

        var calls = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("list inbox", () => u9.GetAsync("api/v1/notifications")),
            ("unread", () => u9.GetAsync("api/v1/notifications/unread")),
            ("mark all read", () => u9.PostAsync("api/v1/notifications/mark-all-read", null)),
            ("negotiate", () => u9.PostAsync("api/negotiate", null)),
            ("create room", () => u9.PostJsonAsync("api/v1/rooms", new { name = "mine" })),
            ("list rooms", () => u9.GetAsync("api/v1/rooms")),
            ("get room", () => u9.GetAsync($"api/v1/rooms/{roomId}")),
            ("add member", () => u9.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/eve", new { role = "OWNER" })),
            ("upload", () => UploadAsync(u9, roomId, Pdf(), "after.pdf")),
            ("list files", () => u9.GetAsync($"api/v1/rooms/{roomId}/files")),
            ("get file", () => u9.GetAsync($"api/v1/rooms/{roomId}/files/{fileId}")),
            ("delete file", () => u9.DeleteAsync($"api/v1/rooms/{roomId}/files/{fileId}")),
            ("support ticket", () => u9.PostJsonAsync("api/member/channel/support/ticket", new { subject = "help", body = "please" })),
            ("publish", () => u9.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { "owner" } }, data = new { task = new { title = "x" }, assigner = "u9" } })),
            ("reinstate itself", () => u9.PutMemberAsync("u9", new { status = "active" })),
            ("audit", () => u9.GetAsync("api/v1/admin/audit")),
            ("dead letters", () => u9.GetAsync("api/v1/admin/dead-letters")),
        };
        foreach (var (name, call) in calls)
        {
            using var response = await call();
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden && body.Contains("\"MEMBERSHIP_INACTIVE\"", StringComparison.Ordinal), $"{name}: {(int)response.StatusCode} {body}");
        }

        var room = await owner.GetAsync($"api/v1/rooms/{roomId}").ExpectJsonAsync();
        Assert.DoesNotContain(room.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetString() == "eve");
    }

    [Theory]
    [InlineData("suspended")]
    [InlineData("revoked")]
    public async Task Suspending_or_revoking_a_member_closes_their_open_hub_connections_at_once(string status)
    {
        var tenant = MemberChannelCalls.NewTenant();
        using var admin = _host.Admin(tenant);
        await using var tab = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("u7", tenant), "notificationCreated");
        await using var other = await SignalRNodeClient.ConnectAsync(_host.BaseAddress, _host.Token("u8", tenant), "notificationCreated");

        (await admin.PutMemberAsync("u7", new { status })).EnsureSuccessStatusCode();

        await tab.WaitForClosedAsync(TimeSpan.FromSeconds(15));
        // Another member's connection is untouched and still hears its pushes.
        using var producer = _host.ApplicationClientFor("svc", tenant, Roles.Publish);
        (await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { "u8" } }, data = new { task = new { title = "x" }, assigner = "svc" } })).EnsureSuccessStatusCode();
        await other.WaitForAsync("notificationCreated");
    }

    [Fact]
    public async Task Only_the_publish_route_skips_the_member_check_and_only_for_app_only_tokens()
    {
        var tenant = MemberChannelCalls.NewTenant();
        using var admin = _host.Admin(tenant);
        (await admin.PutMemberAsync("svc-app", new { status = "suspended" })).EnsureSuccessStatusCode();
        var publish = new { type = "task.assigned", recipients = new { userIds = new[] { "owner" } }, data = new { task = new { title = "x" }, assigner = "svc-app" } };

        // A service acting as itself is not a member: its publish is accepted whatever a member row with its id says.
        using var app = _host.ApplicationClientFor("svc-app", tenant, Roles.Publish);
        (await app.PostJsonAsync("api/v1/events", publish)).EnsureSuccessStatusCode();

        // Every other route checks app tokens as before, and a person's token with the producer role is checked on publish too.
        using var appInbox = await app.GetAsync("api/v1/notifications");
        Assert.Equal(HttpStatusCode.Forbidden, appInbox.StatusCode);
        using var person = _host.ClientFor("svc-app", tenant, Roles.Publish);
        using var refused = await person.PostJsonAsync("api/v1/events", publish);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("MEMBERSHIP_INACTIVE", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_the_members_api_never_saw_is_active()
    {
        var tenant = MemberChannelCalls.NewTenant();
        using var newcomer = _host.ClientFor("newcomer", tenant);

        await newcomer.GetAsync("api/v1/notifications").ExpectJsonAsync();
        await newcomer.PostAsync("api/negotiate", null).ExpectJsonAsync();
        await newcomer.PostJsonAsync("api/v1/rooms", new { name = "fresh" }).ExpectJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_inactive_member_may_still_unregister_a_device()
    {
        var tenant = MemberChannelCalls.NewTenant();
        using var admin = _host.Admin(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        var deviceId = MemberChannelCalls.NewId("dev");
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
        (await admin.PutMemberAsync("alice", new { status = "revoked" })).EnsureSuccessStatusCode();

        using var unregister = await alice.PostJsonAsync("api/member/channel/device/unregister", new { deviceId });

        Assert.Equal(HttpStatusCode.NoContent, unregister.StatusCode);
    }

    [Theory]
    [InlineData("{\"status\":\"suspended\"}")]
    [InlineData("{\"role\":\"member\"}")]
    public async Task An_admin_cannot_change_their_own_status_or_role(string body)
    {
        var tenant = MemberChannelCalls.NewTenant();
        using var admin = _host.ClientFor("root", tenant, Roles.Admin);

        using var response = await admin.PutAsync("api/v1/admin/members/root", new StringContent(body, MediaTypeHeaderValue.Parse("application/json")));

        await response.AssertErrorAsync(HttpStatusCode.Forbidden, "SELF_CHANGE_FORBIDDEN");
        using var audit = _host.ClientFor("other-admin", tenant, Roles.Admin);
        Assert.Empty(await audit.AuditAsync("member.status_change"));
    }

    [Fact]
    public async Task A_hub_token_minted_before_a_revocation_no_longer_connects()
    {
        var tenant = MemberChannelCalls.NewTenant();
        using var admin = _host.Admin(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        var negotiation = await alice.PostAsync("api/negotiate", null).ExpectJsonAsync();
        var clientUrl = new Uri(negotiation.GetProperty("url").GetString()!);
        var accessToken = negotiation.GetProperty("accessToken").GetString()!;
        var hubNegotiate = new UriBuilder(clientUrl) { Path = clientUrl.AbsolutePath.TrimEnd('/') + "/negotiate", Query = clientUrl.Query.TrimStart('?') + "&negotiateVersion=1" }.Uri;
        using var hub = new HttpClient();
        hub.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        (await hub.PostAsync(hubNegotiate, null)).EnsureSuccessStatusCode();

        (await admin.PutMemberAsync("alice", new { status = "revoked" })).EnsureSuccessStatusCode();

        using var refused = await hub.PostAsync(hubNegotiate, null);
        await refused.AssertErrorAsync(HttpStatusCode.Forbidden, "MEMBERSHIP_INACTIVE");
    }

    [Fact]
    public async Task The_hub_refuses_a_missing_or_bad_token_with_the_error_contract()
    {
        using var negotiation = await _host.ClientFor("alice").PostAsync("api/negotiate", null);
        var clientUrl = new Uri((await negotiation.ReadJsonAsync()).GetProperty("url").GetString()!);
        var hubNegotiate = new UriBuilder(clientUrl) { Path = clientUrl.AbsolutePath.TrimEnd('/') + "/negotiate", Query = clientUrl.Query.TrimStart('?') + "&negotiateVersion=1" }.Uri;
        using var hub = new HttpClient();

        using var missing = await hub.PostAsync(hubNegotiate, null);
        await missing.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        using var bad = new HttpRequestMessage(HttpMethod.Post, hubNegotiate);
        bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using var badResponse = await hub.SendAsync(bad);
        await badResponse.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }
}
