using System.Net;
using System.Net.Http.Headers;
using Serverless.Standalone.Hosting;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Browser;

/// <summary>The standalone host serves the built web app at "/" and the development sign-in, and nothing else changes under /api.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebAppHostingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task TheRootAndClientRoutesServeTheAppsIndexPage()
    {
        foreach (var path in new[] { "", "rooms/room_123", "preferences" })
        {
            using var response = await _host.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<div id=\"root\"></div>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(response.Headers.CacheControl?.NoCache, $"/{path} must be revalidated");
        }
    }

    [Fact]
    public async Task TheBuiltAssetsAreServedWithALongCacheLifetime()
    {
        var index = await _host.Http.GetStringAsync("");
        var script = System.Text.RegularExpressions.Regex.Match(index, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        using var response = await _host.Http.GetAsync(script.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
    }

    [Fact]
    public async Task UnknownApiAndClientEndpointPathsAreNeverAnsweredWithTheApp()
    {
        using var api = await _host.Http.GetAsync("api/v1/no-such-route");
        await api.AssertErrorAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        using var method = await _host.Http.PatchAsync("api/v1/notifications", null);
        await method.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
        using var client = await _host.Http.GetAsync("client/no-such-thing");
        Assert.NotEqual("text/html", client.Content.Headers.ContentType?.MediaType);
        using var post = await _host.Http.PostAsync("rooms/room_123", null);
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
    }

    [Fact]
    public async Task TheDevelopmentSignInMintsATokenTheApiAccepts()
    {
        var tenant = Rooms.RoomTestFiles.NewTenant();
        var body = await _host.Http.PostJsonAsync("api/dev/token", new { userId = "alice", tenantId = tenant }).ExpectJsonAsync();
        using var client = new HttpClient { BaseAddress = _host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
        var page = await client.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(0, page.GetProperty("unreadCount").GetInt32());
        Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(1));
    }

    [Theory]
    [InlineData("{\"userId\":\"a|b\",\"tenantId\":\"t1\"}")]
    [InlineData("{\"userId\":\"alice\"}")]
    [InlineData("not json")]
    public async Task TheDevelopmentSignInRefusesBadInputWithA400(string json)
    {
        using var response = await _host.Http.PostAsync("api/dev/token", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task AHostThatValidatesEntraTokensHasNoDevelopmentSignIn()
    {
        await using var entra = await TestHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = "",
            ["Auth:Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
        });
        using var response = await entra.Http.PostJsonAsync("api/dev/token", new { userId = "alice", tenantId = "t1" });
        await response.AssertErrorAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public void TheFunctionsAppHasNoDevelopmentSignInRoute()
    {
        var routes = FunctionCatalog.ForFunctionsApp().Http.Select(f => f.Route).ToList();
        Assert.NotEmpty(routes);
        Assert.DoesNotContain(routes, r => r.StartsWith("dev", StringComparison.OrdinalIgnoreCase));
    }
}
