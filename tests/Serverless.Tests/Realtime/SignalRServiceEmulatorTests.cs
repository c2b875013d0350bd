using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Core.Realtime;
using Serverless.Standalone.Realtime;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Realtime;

/// <summary>
/// The standalone host's Azure SignalR Service surface: REST calls under /api/hubs authenticated like the service,
/// and the client endpoint /client accepting only client tokens signed with its AccessKey for that URL.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SignalRServiceEmulatorTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string ServiceKey = "emulator-test-access-key-0123456789abcdefghijk";
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["Standalone:SignalRAccessKey"] = ServiceKey });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Origin => _host.BaseAddress.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task ByDefault_TheHostDeliversInProcess_AndNegotiatesItsOwnClientEndpointWithItsOwnKey()
    {
        Assert.IsType<HubRealtimeSender>(_host.Services.GetRequiredService<IRealtimeSender>());
        using var api = _host.ClientFor("alice", "t1");

        var negotiated = await api.PostAsync("api/negotiate", null).ExpectJsonAsync();

        var url = Origin + "/client/?hub=notifications";
        Assert.Equal(url, negotiated.GetProperty("url").GetString());
        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(
            negotiated.GetProperty("accessToken").GetString(),
            new TokenValidationParameters
            {
                ValidAudience = url,
                ValidateIssuer = false,
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ServiceKey)),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("t1|alice", result.Claims["nameid"]);
    }

    [Fact]
    public async Task RestCallsWithoutAValidAccessKeyToken_Are401WithACodeAndMessage()
    {
        const string path = "/api/hubs/notifications/users/t1%7Calice/:send";
        var url = Origin + path + "?api-version=2022-11-01";
        var now = DateTimeOffset.UtcNow;
        var refused = new (string Why, string? Token)[]
        {
            ("no token", null),
            ("another key", SignalRAccessTokens.ForRequest("some-other-access-key-0123456789abcdefghijk", url, now)),
            ("another URL", SignalRAccessTokens.ForRequest(ServiceKey, Origin + "/api/hubs/notifications/:send", now)),
            ("expired", SignalRAccessTokens.ForRequest(ServiceKey, url, now.AddMinutes(-10))),
            ("a client token", SignalRNegotiator.ForAccessKey(Origin, ServiceKey, "t1|alice", now).AccessToken),
        };

        foreach (var (why, token) in refused)
        {
            using var response = await SendAsync(HttpMethod.Post, url, token, """{"target":"hello","arguments":[1]}""");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode}");
            await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }

        using var accepted = await SendAsync(HttpMethod.Post, url, SignalRAccessTokens.ForRequest(ServiceKey, url, now), """{"target":"hello","arguments":[1]}""");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task RestCalls_AnswerLikeTheServiceForBadVersionsHubsBodiesAndMethods()
    {
        async Task ExpectAsync(HttpMethod method, string pathAndQuery, string? body, HttpStatusCode status, string code)
        {
            var url = Origin + pathAndQuery;
            using var response = await SendAsync(method, url, SignalRAccessTokens.ForRequest(ServiceKey, url, DateTimeOffset.UtcNow), body);
            await response.AssertErrorAsync(status, code);
        }

        await ExpectAsync(HttpMethod.Post, "/api/hubs/notifications/:send", "{\"target\":\"x\"}", HttpStatusCode.BadRequest, "INVALID_API_VERSION");
        await ExpectAsync(HttpMethod.Post, "/api/hubs/notifications/:generateToken?api-version=2022-06-01&userId=u", null, HttpStatusCode.BadRequest, "INVALID_API_VERSION");
        await ExpectAsync(HttpMethod.Post, "/api/hubs/chat/:send?api-version=2022-11-01", "{\"target\":\"x\"}", HttpStatusCode.NotFound, "HUB_NOT_FOUND");
        await ExpectAsync(HttpMethod.Post, "/api/hubs/notifications/:send?api-version=2022-11-01", "{\"arguments\":[]}", HttpStatusCode.BadRequest, "INVALID_PAYLOAD");
        await ExpectAsync(HttpMethod.Post, "/api/hubs/notifications/:send?api-version=2022-11-01", "not json", HttpStatusCode.BadRequest, "INVALID_PAYLOAD");
        await ExpectAsync(HttpMethod.Put, "/api/hubs/notifications/:send?api-version=2022-11-01", "{\"target\":\"x\"}", HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
        await ExpectAsync(HttpMethod.Post, "/api/hubs/notifications/connections/c1/:send?api-version=2022-11-01", "{\"target\":\"x\"}", HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task ATokenFromGenerateToken_ConnectsTheRealClientAtTheClientEndpoint_AndASendToItsUserArrives()
    {
        using var metrics = new SignalRMetrics();
        using var client = SignalRRestClientContractTests.Client(SignalRConnection.FromAccessKey(new Uri(Origin), ServiceKey), metrics);
        var user = "t1|" + Guid.NewGuid().ToString("N")[..8];

        var token = await client.GenerateClientTokenAsync(user, TimeSpan.FromMinutes(30));
        await using var tab = await SignalRNodeClient.ConnectToHubAsync(Origin + "/client/?hub=notifications", token, "hello");
        await using var other = await SignalRNodeClient.ConnectToHubAsync(
            Origin + "/client/?hub=notifications", await client.GenerateClientTokenAsync("t2|someone-else", TimeSpan.FromMinutes(30)), "hello");
        await client.SendAsync(RealtimeMessage.ToUser(user, "hello", new { Text = "hi", Count = 2 }));

        var message = await tab.WaitForAsync("hello");
        Assert.Equal("hi", message.GetProperty("text").GetString());
        Assert.Equal(2, message.GetProperty("count").GetInt32());
        Assert.Empty(await other.ReceivedAsync("hello", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task TheClientEndpoint_AcceptsOnlyClientTokensForItsUrlSignedWithItsKey()
    {
        var now = DateTimeOffset.UtcNow;
        var clientUrl = Origin + "/client/?hub=notifications";
        var refused = new (string Why, string Token)[]
        {
            ("a REST token", SignalRAccessTokens.ForRequest(ServiceKey, Origin + "/api/hubs/notifications/:send", now)),
            ("another key", SignalRAccessTokens.ForClient("some-other-access-key-0123456789abcdefghijk", clientUrl, "t1|alice", now, TimeSpan.FromHours(1))),
            ("another hub", SignalRAccessTokens.ForClient(ServiceKey, Origin + "/client/?hub=chat", "t1|alice", now, TimeSpan.FromHours(1))),
            ("expired", SignalRAccessTokens.ForClient(ServiceKey, clientUrl, "t1|alice", now.AddHours(-2), TimeSpan.FromHours(1))),
        };

        foreach (var (why, token) in refused)
        {
            using var response = await SendAsync(HttpMethod.Post, Origin + "/client/negotiate?hub=notifications&negotiateVersion=1", token, null);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode}");
        }

        var valid = SignalRAccessTokens.ForClient(ServiceKey, clientUrl, "t1|alice", now, TimeSpan.FromHours(1));
        using var accepted = await SendAsync(HttpMethod.Post, Origin + "/client/negotiate?hub=notifications&negotiateVersion=1", valid, null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using var otherHub = await SendAsync(HttpMethod.Post, Origin + "/client/negotiate?hub=chat&negotiateVersion=1", valid, null);
        Assert.Equal(HttpStatusCode.Unauthorized, otherHub.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? token, string? body)
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await _host.Http.SendAsync(request);
    }
}
