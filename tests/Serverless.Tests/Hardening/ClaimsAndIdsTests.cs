using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Core.Auth;
using Serverless.Core.DeadLetters;
using Serverless.Core.Hosting;
using Serverless.Core.Notifications;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Hardening;

[Collection(AzuriteCollection.Name)]
public sealed class ClaimsAndIdsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("\"sub\":\".\",\"tid\":\"t1\"")]
    [InlineData("\"sub\":\"..\",\"tid\":\"t1\"")]
    [InlineData("\"sub\":\"alice\",\"tid\":\".\"")]
    [InlineData("\"sub\":\"alice\",\"tid\":\"..\"")]
    [InlineData("\"sub\":\"alice\",\"tid\":\"...\"")]
    [InlineData("\"sub\":\"alice\",\"tid\":\"_unknown\"")]
    [InlineData("\"sub\":\"alice\",\"tid\":\"_ops\"")]
    [InlineData("\"sub\":42,\"tid\":\"t1\"")]
    [InlineData("\"sub\":[\"alice\"],\"tid\":\"t1\"")]
    [InlineData("\"sub\":\"alice\",\"tid\":7")]
    [InlineData("\"sub\":\"alice\",\"tid\":{\"id\":\"t1\"}")]
    [InlineData("\"sub\":\"alice\"")]
    public async Task A_token_whose_sub_or_tid_is_unusable_is_a_401(string identity)
    {
        using var client = ClientWithPayload(identity + ",\"roles\":[\"notifications.admin\"]");

        using var inbox = await client.GetAsync("api/v1/notifications");
        await inbox.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        using var deadLetters = await client.GetAsync("api/v1/admin/dead-letters");
        await deadLetters.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Theory]
    [InlineData("\"notifications.admin\"")]
    [InlineData("[[\"notifications.admin\"]]")]
    [InlineData("[\"notifications.admin\",5]")]
    [InlineData("{\"0\":\"notifications.admin\"}")]
    [InlineData("\"[\\\"notifications.admin\\\"]\"")]
    public async Task A_roles_claim_that_is_not_an_array_of_strings_grants_nothing(string roles)
    {
        using var client = ClientWithPayload($"\"sub\":\"alice\",\"tid\":\"{NewTenant()}\",\"roles\":{roles}");

        using var audit = await client.GetAsync("api/v1/admin/audit");

        await audit.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        await client.GetAsync("api/v1/notifications").ExpectJsonAsync(); // the identity itself is fine
    }

    [Fact]
    public async Task A_roles_array_of_strings_grants_its_roles()
    {
        using var client = ClientWithPayload($"\"sub\":\"alice\",\"tid\":\"{NewTenant()}\",\"roles\":[\"other\",\"notifications.admin\"]");

        await client.GetAsync("api/v1/admin/audit").ExpectJsonAsync();
    }

    [Fact]
    public async Task Path_and_body_ids_made_only_of_dots_are_refused_with_a_400()
    {
        var tenant = NewTenant();
        using var admin = _host.ClientFor("admin", tenant, Roles.Admin, Roles.Publish);
        var roomId = await CreateRoomAsync(admin);

        using var member = await admin.PutAsJsonAsync("api/v1/admin/members/...", new { status = "suspended" });
        await member.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        using var roomMember = await admin.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/...", new { role = "VIEWER" });
        await roomMember.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        using var recipient = await admin.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { ".." } } });
        await recipient.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        foreach (var deviceId in new[] { ".", ".." })
        {
            using var device = await admin.PostJsonAsync("api/member/channel/device/register", new { deviceId, platform = "ios", pushProvider = "none" });
            await device.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }
    }

    [Theory]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("....", false)]
    [InlineData(".alice", true)]
    [InlineData("a.b", true)]
    public void Ids_made_only_of_dots_are_not_ids(string id, bool valid)
    {
        Assert.Equal(valid, TokenValidator.IsValidId(id));
        Assert.Equal(valid, Serverless.Core.Devices.DeviceStore.IsValidDeviceId(id));
    }

    [Fact]
    public async Task A_dead_letter_shows_its_tenant_admin_a_short_summary_without_internals()
    {
        var tenant = NewTenant();
        var envelope = new EventEnvelope
        {
            EventId = "evt_" + Guid.CreateVersion7().ToString("N"),
            TenantId = tenant,
            Type = "task.assigned",
            UserIds = ["bob"],
            Priority = "normal",
            Channel = "web",
            TtlSeconds = 3600,
        };
        var failure = new RequestFailedException(404, $"The specified blob does not exist. claims/{tenant}/{envelope.EventId}.json", "BlobNotFound", null);
        await _host.Services.GetRequiredService<ProcessingErrorStore>().RecordAsync(envelope, failure, 5, default);
        await _host.Services.GetRequiredService<DeadLetterStore>().MoveFromPoisonAsync(
            StorageNames.EventsQueue, new QueueMessageContext("m1", envelope.Serialize(), 1, DateTimeOffset.UtcNow), default);

        using var admin = _host.ClientFor("admin", tenant, Roles.Admin);
        var page = await admin.GetAsync("api/v1/admin/dead-letters").ExpectJsonAsync();

        var error = Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("error").GetString()!;
        Assert.Equal("A storage request failed with status 404.", error);
        Assert.DoesNotContain("claims/", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    private HttpClient ClientWithPayload(string claims)
    {
        var options = _host.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = $"{{\"iss\":{JsonSerializer.Serialize(options.Issuer)},\"aud\":{JsonSerializer.Serialize(options.Audience)},\"nbf\":{now - 10},\"iat\":{now - 10},\"exp\":{now + 600},{claims}}}";
        var credentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey!)), SecurityAlgorithms.HmacSha256);
        var token = new JsonWebTokenHandler().CreateToken(payload, credentials);
        var client = new HttpClient { BaseAddress = _host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
