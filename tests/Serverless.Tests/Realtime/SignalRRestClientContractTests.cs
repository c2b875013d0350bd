using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Core.Notifications;
using Serverless.Core.Realtime;

namespace Serverless.Tests.Realtime;

/// <summary>
/// SignalRRestClient against a local Kestrel server that checks the published data-plane contract: method, escaped
/// path, api-version, an AccessKey JWT whose audience is the request URL without its query, the JSON body, and the
/// swagger's answers; and that failures are surfaced and counted.
/// </summary>
public sealed class SignalRRestClientContractTests
{
    private const string AccessKey = "contract-test-access-key-0123456789abcdefghijklmnop";

    [Fact]
    public async Task SendingToAUser_PostsTargetAndCamelCaseArgumentsToTheUsersSendPath_SignedForTheRequestUrl()
    {
        await using var service = await FakeSignalRService.StartAsync();
        using var metrics = new SignalRMetrics();
        using var recorder = new RealtimeMetricRecorder(metrics);
        using var client = Client(service.Endpoint, metrics);

        await client.SendAsync(RealtimeMessage.ToUser("t1|alice", "unreadCountChanged", new UnreadCountChangedMessage(3, 7)));

        var request = Assert.Single(service.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/hubs/notifications/users/t1%7Calice/:send", request.RawPath);
        Assert.Equal("?api-version=2022-11-01", request.Query);
        Assert.StartsWith("application/json", request.ContentType);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("unreadCountChanged", body.RootElement.GetProperty("target").GetString());
        var argument = Assert.Single(body.RootElement.GetProperty("arguments").EnumerateArray());
        Assert.Equal(3, argument.GetProperty("unreadCount").GetInt32());
        Assert.Equal(7, argument.GetProperty("seq").GetInt64());
        await AssertSignedForItsUrlAsync(request, service.Endpoint);
        Assert.Equal(1, recorder.Succeeded("send_to_user"));
    }

    [Fact]
    public async Task SendingToAGroup_PostsToTheGroupsSendPath_WithReservedCharactersEscaped()
    {
        await using var service = await FakeSignalRService.StartAsync();
        using var metrics = new SignalRMetrics();
        using var client = Client(service.Endpoint, metrics);

        await client.SendAsync(RealtimeMessage.ToGroup("room:r 1/x", "fileDeleted", new { fileId = "f1", deletedBy = "owner" }));

        var request = Assert.Single(service.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/hubs/notifications/groups/room%3Ar%201%2Fx/:send", request.RawPath);
        Assert.Equal("?api-version=2022-11-01", request.Query);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("fileDeleted", body.RootElement.GetProperty("target").GetString());
        Assert.Equal("f1", body.RootElement.GetProperty("arguments")[0].GetProperty("fileId").GetString());
        await AssertSignedForItsUrlAsync(request, service.Endpoint);
    }

    [Fact]
    public async Task AMessageForNoUserOrGroup_IsBroadcastToTheHub()
    {
        await using var service = await FakeSignalRService.StartAsync();
        using var metrics = new SignalRMetrics();
        using var client = Client(service.Endpoint, metrics);

        await client.SendAsync(new RealtimeMessage("maintenance", new { minutes = 5 }));

        var request = Assert.Single(service.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/hubs/notifications/:send", request.RawPath);
        await AssertSignedForItsUrlAsync(request, service.Endpoint);
    }

    [Fact]
    public async Task AddingAndRemovingAUser_PutsAndDeletesTheUserGroupPath_AndAcceptsTheSwaggerStatuses()
    {
        await using var service = await FakeSignalRService.StartAsync();
        using var metrics = new SignalRMetrics();
        using var recorder = new RealtimeMetricRecorder(metrics);
        using var client = Client(service.Endpoint, metrics);

        await client.AddUserToGroupAsync("t1|bob", "room:r1");
        await client.RemoveUserFromGroupAsync("t1|bob", "room:r1");

        var requests = service.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(("PUT", "/api/hubs/notifications/users/t1%7Cbob/groups/room%3Ar1"), (requests[0].Method, requests[0].RawPath));
        Assert.Equal(("DELETE", "/api/hubs/notifications/users/t1%7Cbob/groups/room%3Ar1"), (requests[1].Method, requests[1].RawPath));
        Assert.All(requests, r => Assert.Equal("?api-version=2022-11-01", r.Query));
        Assert.All(requests, r => Assert.Equal("", r.Body));
        foreach (var request in requests)
        {
            await AssertSignedForItsUrlAsync(request, service.Endpoint);
        }

        Assert.Equal(1, recorder.Succeeded("add_user_to_group"));
        Assert.Equal(1, recorder.Succeeded("remove_user_from_group"));
    }

    [Fact]
    public async Task ClosingAUsersConnections_PostsCloseConnectionsOnTheUserPath_WithTheReason()
    {
        await using var service = await FakeSignalRService.StartAsync();
        service.Respond = _ => (204, "");
        using var metrics = new SignalRMetrics();
        using var recorder = new RealtimeMetricRecorder(metrics);
        using var client = Client(service.Endpoint, metrics);

        await client.CloseUserConnectionsAsync("t1|bob", "membership suspended");

        var request = Assert.Single(service.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/hubs/notifications/users/t1%7Cbob/:closeConnections", request.RawPath);
        Assert.Equal("?api-version=2022-11-01&reason=membership%20suspended", request.Query);
        Assert.Equal("", request.Body);
        await AssertSignedForItsUrlAsync(request, service.Endpoint);
        Assert.Equal(1, recorder.Succeeded("close_user_connections"));
    }

    [Fact]
    public async Task RemovingAUserTheServiceDoesNotKnowInTheGroup_IsNotAFailure()
    {
        await using var service = await FakeSignalRService.StartAsync();
        service.Respond = _ => (404, "{\"code\":\"NotExisted\"}");
        using var metrics = new SignalRMetrics();
        using var client = Client(service.Endpoint, metrics);

        await client.RemoveUserFromGroupAsync("t1|bob", "room:r1");

        Assert.Single(service.Requests);
    }

    [Fact]
    public async Task GeneratingAClientToken_PostsGenerateTokenWithTheUserIdAndMinutes_AndReturnsTheServiceToken()
    {
        await using var service = await FakeSignalRService.StartAsync();
        using var metrics = new SignalRMetrics();
        using var client = Client(service.Endpoint, metrics);

        var token = await client.GenerateClientTokenAsync("t1|alice", TimeSpan.FromHours(1));

        Assert.Equal("token-from-the-service", token);
        var request = Assert.Single(service.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/hubs/notifications/:generateToken", request.RawPath);
        Assert.Equal("?api-version=2022-11-01&userId=t1%7Calice&minutesToExpire=60", request.Query);
        await AssertSignedForItsUrlAsync(request, service.Endpoint);
    }

    [Fact]
    public async Task AServerError_IsRetried_ThenSurfacedAndCounted()
    {
        await using var service = await FakeSignalRService.StartAsync();
        service.Respond = _ => (500, "{\"code\":\"InternalServerError\",\"message\":\"boom for t1|alice\"}");
        using var metrics = new SignalRMetrics();
        using var recorder = new RealtimeMetricRecorder(metrics);
        using var client = Client(service.Endpoint, metrics, maxRetries: 2);

        var error = await Assert.ThrowsAsync<SignalRRequestFailedException>(
            () => client.SendAsync(RealtimeMessage.ToUser("t1|alice", "notificationCreated", new { id = "1" })));

        Assert.Equal(500, error.Status);
        Assert.Equal("InternalServerError", error.ErrorCode);
        Assert.DoesNotContain("boom", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, service.Requests.Count); // the first attempt and two retries, each signed for its own URL
        foreach (var request in service.Requests)
        {
            await AssertSignedForItsUrlAsync(request, service.Endpoint);
        }

        Assert.Equal(1, recorder.Failed("send_to_user", "500"));
        Assert.Equal(0, recorder.Succeeded("send_to_user"));
    }

    [Fact]
    public async Task ATransientServiceError_IsRetried_AndTheSendSucceeds()
    {
        await using var service = await FakeSignalRService.StartAsync();
        var calls = 0;
        service.Respond = request => Interlocked.Increment(ref calls) == 1 ? (503, null) : FakeSignalRService.SwaggerAnswer(request);
        using var metrics = new SignalRMetrics();
        using var recorder = new RealtimeMetricRecorder(metrics);
        using var client = Client(service.Endpoint, metrics);

        await client.SendAsync(RealtimeMessage.ToGroup("room:r1", "fileUploaded", new { fileId = "f" }));

        Assert.Equal(2, service.Requests.Count);
        Assert.Equal(1, recorder.Succeeded("send_to_group"));
        Assert.Equal(0, recorder.Failed("send_to_group"));
    }

    [Fact]
    public async Task AnUnreachableService_FailsTheCall_AndCountsItAsAnErrorWithoutAResponse()
    {
        int closedPort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var metrics = new SignalRMetrics();
        using var recorder = new RealtimeMetricRecorder(metrics);
        using var client = Client(new Uri($"http://127.0.0.1:{closedPort}"), metrics, maxRetries: 1);

        await Assert.ThrowsAnyAsync<Exception>(() => client.AddUserToGroupAsync("t1|bob", "room:r1"));

        Assert.Equal(1, recorder.Failed("add_user_to_group", "error"));
    }

    [Fact]
    public async Task SendsBeyondTheConcurrencyLimit_WaitForAFreeSlot()
    {
        await using var service = await FakeSignalRService.StartAsync();
        service.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var metrics = new SignalRMetrics();
        using var client = Client(service.Endpoint, metrics, maxConcurrentSends: 2);

        var sends = Enumerable.Range(0, 6)
            .Select(i => client.SendAsync(RealtimeMessage.ToUser("t1|u" + i, "notificationCreated", new { seq = i })))
            .ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (service.InFlight < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await Task.Delay(300); // room for a third request to arrive, if the gate let it
        Assert.Equal(2, service.InFlight);
        Assert.Equal(2, service.Requests.Count);

        service.Hold.SetResult();
        await Task.WhenAll(sends);
        Assert.Equal(6, service.Requests.Count);
        Assert.Equal(2, service.MaxInFlight);
    }

    [Fact]
    public async Task WithAnEntraCredential_CallsCarryItsTokenForTheSignalRScope_AndNegotiateAsksTheServiceForTheClientToken()
    {
        using var certificate = LoopbackCertificate();
        await using var service = await FakeSignalRService.StartAsync(certificate);
        var credential = new RecordingCredential();
        var connection = SignalRConnection.FromCredential(service.Endpoint, credential);
        using var handler = TrustOnly(certificate);
        using var metrics = new SignalRMetrics();
        using var client = Client(connection, metrics, transport: new HttpClientTransport(handler));
        var negotiator = new SignalRNegotiator(connection, client, TimeProvider.System);

        await client.SendAsync(RealtimeMessage.ToUser("t1|alice", "notificationCreated", new { id = "1" }));
        var negotiated = await negotiator.NegotiateAsync("t1", "alice");

        var requests = service.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal("Bearer entra-token", r.Authorization));
        Assert.Equal("/api/hubs/notifications/:generateToken", requests[1].RawPath);
        Assert.Equal("?api-version=2022-11-01&userId=t1%7Calice&minutesToExpire=60", requests[1].Query);
        Assert.All(credential.Scopes, scopes => Assert.Equal(["https://signalr.azure.com/.default"], scopes));
        Assert.NotEmpty(credential.Scopes);
        Assert.Equal(service.Endpoint.GetLeftPart(UriPartial.Authority) + "/client/?hub=notifications", negotiated.Url);
        Assert.Equal("token-from-the-service", negotiated.AccessToken);
    }

    [Fact]
    public async Task NegotiatingWithAnAccessKey_MintsTheClientTokenLocally_ForTheClientUrlAndTheTenantScopedUser()
    {
        await using var service = await FakeSignalRService.StartAsync();
        var connection = SignalRConnection.FromAccessKey(service.Endpoint, AccessKey);
        using var metrics = new SignalRMetrics();
        using var client = Client(connection, metrics);
        var negotiator = new SignalRNegotiator(connection, client, TimeProvider.System);

        var negotiated = await negotiator.NegotiateAsync("t1", "alice");

        Assert.Empty(service.Requests);
        var url = service.Endpoint.GetLeftPart(UriPartial.Authority) + "/client/?hub=notifications";
        Assert.Equal(url, negotiated.Url);
        var result = await Validate(negotiated.AccessToken, url);
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("t1|alice", result.Claims["nameid"]);
        Assert.InRange(((JsonWebToken)result.SecurityToken).ValidTo, DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.AddMinutes(61));
    }

    internal static SignalRRestClient Client(
        Uri endpoint, SignalRMetrics metrics, int maxConcurrentSends = 32, int maxRetries = 2) =>
        Client(SignalRConnection.FromAccessKey(endpoint, AccessKey), metrics, maxConcurrentSends, maxRetries);

    internal static SignalRRestClient Client(
        SignalRConnection connection, SignalRMetrics metrics, int maxConcurrentSends = 32, int maxRetries = 2, HttpPipelineTransport? transport = null)
    {
        var options = new SignalRRestClientOptions();
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        if (transport is not null)
        {
            options.Transport = transport;
        }

        return new SignalRRestClient(
            connection,
            Options.Create(new SignalROptions { MaxConcurrentSends = maxConcurrentSends }),
            metrics,
            TimeProvider.System,
            NullLogger<SignalRRestClient>.Instance,
            options);
    }

    /// <summary>Validates the request's bearer token as the service would: signature, exp, and aud = the request URL without its query.</summary>
    private static async Task AssertSignedForItsUrlAsync(FakeSignalRService.ReceivedRequest request, Uri endpoint)
    {
        Assert.NotNull(request.Authorization);
        Assert.StartsWith("Bearer ", request.Authorization, StringComparison.Ordinal);
        var audience = endpoint.GetLeftPart(UriPartial.Authority) + request.RawPath;
        var result = await Validate(request.Authorization[7..], audience);
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal(audience, Assert.Single(token.Audiences));
        Assert.InRange(token.ValidTo, DateTime.UtcNow, DateTime.UtcNow.AddMinutes(6));
    }

    private static Task<TokenValidationResult> Validate(string token, string audience) =>
        new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = audience,
            ValidateIssuer = false,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
        });

    private static X509Certificate2 LoopbackCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    /// <summary>TLS that trusts exactly the test's own certificate (Bearer tokens are only sent over HTTPS).</summary>
    private static SocketsHttpHandler TrustOnly(X509Certificate2 certificate)
    {
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && presented.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint,
            },
        };
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public ConcurrentQueue<string[]> Scopes { get; } = new();

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.Enqueue(requestContext.Scopes);
            return new AccessToken("entra-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
