using System.Net;
using System.Text;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Channels;

/// <summary>GET/PUT /api/v1/notifications/preferences against Azurite: defaults, round trip, validation and locking.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PreferencesApiTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task NeverSetPreferences_AreTheDefaults()
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var alice = host.ClientFor("alice", ChannelTestKit.NewTenant());

        var document = await alice.GetAsync("api/v1/notifications/preferences").ExpectJsonAsync();

        Assert.True(document.GetProperty("channels").GetProperty("email").GetBoolean());
        Assert.Empty(document.GetProperty("types").EnumerateObject());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, document.GetProperty("quietHours").ValueKind);
        Assert.Equal("off", document.GetProperty("digest").GetProperty("frequency").GetString());
    }

    [Fact]
    public async Task PutPreferences_AreReadBackAsStored_AndArePerUser()
    {
        await using var host = await TestHost.StartAsync(azurite);
        var tenant = ChannelTestKit.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        using var bob = host.ClientFor("bob", tenant);
        const string body = """
            {"channels":{"web":true,"email":true,"mobile_push":false},
             "types":{"task.overdue":["web","email"],"report.generated":"off"},
             "quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Paris"},
             "digest":{"frequency":"daily","hour":8}}
            """;

        var put = await Put(alice, body).ExpectJsonAsync();
        var got = await alice.GetAsync("api/v1/notifications/preferences").ExpectJsonAsync();
        var bobs = await bob.GetAsync("api/v1/notifications/preferences").ExpectJsonAsync();

        Assert.Equal(put.GetRawText(), got.GetRawText());
        Assert.False(got.GetProperty("channels").GetProperty("mobile_push").GetBoolean());
        Assert.Equal("off", got.GetProperty("types").GetProperty("report.generated").GetString());
        Assert.Equal(["web", "email"], got.GetProperty("types").GetProperty("task.overdue").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Europe/Paris", got.GetProperty("quietHours").GetProperty("timeZone").GetString());
        Assert.Equal(8, got.GetProperty("digest").GetProperty("hour").GetInt32());
        Assert.Empty(bobs.GetProperty("types").EnumerateObject());
    }

    [Theory]
    [InlineData("""{"types":{"system.announcement":"off"}}""")]
    [InlineData("""{"types":{"system.announcement":["email"]}}""")]
    [InlineData("""{"channels":{"web":false}}""")]
    public async Task SwitchingOffCriticalOrInApp_IsRefusedAsLocked(string body)
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var alice = host.ClientFor("alice", ChannelTestKit.NewTenant());

        using var response = await Put(alice, body);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "PREFERENCE_LOCKED");
    }

    [Fact]
    public async Task CriticalTemplate_KeepingInApp_IsAccepted()
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var alice = host.ClientFor("alice", ChannelTestKit.NewTenant());

        await Put(alice, """{"types":{"system.announcement":["web","email","mobile_push"]}}""").ExpectJsonAsync();
    }

    [Theory]
    [InlineData("""{"types":{"no.such.type":["web"]}}""")]
    [InlineData("""{"types":{"task.assigned":["fax"]}}""")]
    [InlineData("""{"types":{"task.assigned":"sometimes"}}""")]
    [InlineData("""{"channels":{"pigeon":true}}""")]
    [InlineData("""{"channels":{"email":"yes"}}""")]
    [InlineData("""{"quietHours":{"start":"22:00","end":"07:00","timeZone":"Mars/Olympus"}}""")]
    [InlineData("""{"quietHours":{"start":"25:00","end":"07:00","timeZone":"Europe/Paris"}}""")]
    [InlineData("""{"quietHours":{"start":"22:00","end":"22:00","timeZone":"Europe/Paris"}}""")]
    [InlineData("""{"digest":{"frequency":"weekly","hour":8}}""")]
    [InlineData("""{"digest":{"frequency":"daily","hour":24}}""")]
    [InlineData("""{"colour":"blue"}""")]
    [InlineData("""[]""")]
    public async Task MalformedPreferences_AreA400ValidationError(string body)
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var alice = host.ClientFor("alice", ChannelTestKit.NewTenant());

        using var response = await Put(alice, body);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task NotJson_IsA400_AndWithoutATokenA401()
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var alice = host.ClientFor("alice", ChannelTestKit.NewTenant());

        using var notJson = await Put(alice, "{");
        using var anonymous = await host.Http.GetAsync("api/v1/notifications/preferences");

        await notJson.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_JSON");
        await anonymous.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    private static Task<HttpResponseMessage> Put(HttpClient client, string body) =>
        client.PutAsync("api/v1/notifications/preferences", new StringContent(body, Encoding.UTF8, "application/json"));
}
