using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Serverless.Tests.Channels;

/// <summary>
/// A local stand-in for FCM HTTP v1 and APNs that checks each request against the providers' documented contracts and
/// answers with their documented success and error bodies. NOT the real services (no emulator exists for either):
/// FCM on HTTP/1.1 (OAuth2 JWT-bearer token endpoint, then POST /v1/projects/{id}/messages:send with the bearer token);
/// APNs on HTTP/2 only (POST /3/device/{token}, authorization: bearer ES256 JWT signed by the .p8 key, apns-topic,
/// apns-push-type). Device tokens starting with "dead" get FCM 404 UNREGISTERED or APNs 410 Unregistered; "flaky"
/// tokens fail with 503 / 500 the first <see cref="FlakyFailures"/> times.
/// </summary>
public sealed class PushContractServer : IAsyncDisposable
{
    public const string ProjectId = "demo-project";
    public const string KeyId = "ABC123DEFG";
    public const string TeamId = "TEAM123456";
    public const string Topic = "com.example.app";
    private const string ClientEmail = "push@demo-project.iam.gserviceaccount.com";

    private readonly WebApplication _app;
    private readonly RSA _serviceAccountKey = RSA.Create(2048);
    private readonly ECDsa _apnsKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ConcurrentDictionary<string, int> _flaky = new();
    private int _tokens;

    private PushContractServer(int fcmPort, int apnsPort)
    {
        FcmPort = fcmPort;
        ApnsPort = apnsPort;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, fcmPort, o => o.Protocols = HttpProtocols.Http1);
            // Cleartext HTTP/2 with prior knowledge, as the client asks for exactly version 2.0 (real APNs adds TLS).
            k.Listen(IPAddress.Loopback, apnsPort, o => o.Protocols = HttpProtocols.Http2);
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    public int FcmPort { get; }

    public int ApnsPort { get; }

    public int FlakyFailures { get; set; } = 1;

    /// <summary>Every push the server accepted: provider, device token, the parsed JSON body.</summary>
    public ConcurrentQueue<(string Provider, string DeviceToken, JsonObject Body, IHeaderDictionary Headers)> Accepted { get; } = new();

    /// <summary>Requests that broke the documented contract; a test asserts this stays empty.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    public int TokenRequests => _tokens;

    public static async Task<PushContractServer> StartAsync()
    {
        var server = new PushContractServer(FreePort(), FreePort());
        await server._app.StartAsync();
        return server;
    }

    public IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Push:Fcm:ProjectId"] = ProjectId,
        ["Push:Fcm:Endpoint"] = $"http://127.0.0.1:{FcmPort}",
        ["Push:Fcm:ServiceAccountJson"] = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = ProjectId,
            ["private_key_id"] = "key-1",
            ["private_key"] = _serviceAccountKey.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = ClientEmail,
            ["token_uri"] = $"http://127.0.0.1:{FcmPort}/token",
        }.ToJsonString(),
        ["Push:Apns:KeyId"] = KeyId,
        ["Push:Apns:TeamId"] = TeamId,
        ["Push:Apns:Topic"] = Topic,
        ["Push:Apns:PrivateKey"] = _apnsKey.ExportPkcs8PrivateKeyPem(),
        ["Push:Apns:Endpoint"] = $"http://127.0.0.1:{ApnsPort}",
        ["Channels:RetryBaseDelay"] = "00:00:00.200",
        ["Channels:MaxAttempts"] = "3",
    };

    public IReadOnlyList<JsonObject> For(string deviceToken) => Accepted.Where(a => a.DeviceToken == deviceToken).Select(a => a.Body).ToList();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (context.Connection.LocalPort == FcmPort && path == "/token")
        {
            await TokenAsync(context);
        }
        else if (context.Connection.LocalPort == FcmPort && path == $"/v1/projects/{ProjectId}/messages:send")
        {
            await FcmSendAsync(context);
        }
        else if (context.Connection.LocalPort == ApnsPort && path.StartsWith("/3/device/", StringComparison.Ordinal))
        {
            await ApnsSendAsync(context, path["/3/device/".Length..]);
        }
        else
        {
            Violations.Enqueue($"unexpected {request.Method} {path} on port {context.Connection.LocalPort}");
            context.Response.StatusCode = 404;
        }
    }

    // https://developers.google.com/identity/protocols/oauth2/service-account#httprest
    private async Task TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var assertion = form["assertion"].ToString();
        var claims = form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
            ? VerifyJwt(assertion, "RS256", (data, signature) => _serviceAccountKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            : null;
        if (claims is null
            || (string?)claims["iss"] != ClientEmail
            || (string?)claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging"
            || (string?)claims["aud"] != $"http://127.0.0.1:{FcmPort}/token"
            || claims["exp"] is null || claims["iat"] is null)
        {
            Violations.Enqueue("FCM token request: bad grant or assertion");
            await Json(context, 400, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Invalid JWT Signature." });
            return;
        }

        Interlocked.Increment(ref _tokens);
        await Json(context, 200, new JsonObject { ["access_token"] = "ya29.test-access-token", ["expires_in"] = 3599, ["token_type"] = "Bearer" });
    }

    // https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send and .../ErrorCode
    private async Task FcmSendAsync(HttpContext context)
    {
        if (context.Request.Method != "POST" || context.Request.Headers.Authorization != "Bearer ya29.test-access-token")
        {
            Violations.Enqueue("FCM send without POST or the OAuth bearer token");
            await Json(context, 401, FcmError(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"));
            return;
        }

        var body = await ReadJsonAsync(context);
        var message = body?["message"] as JsonObject;
        var token = (string?)message?["token"];
        var data = message?["data"] as JsonObject;
        var shapeOk = token is not null
                      && message!["notification"] is JsonObject notification && notification["title"] is JsonValue && notification["body"] is JsonValue
                      && data is not null && data.All(p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String);
        if (!shapeOk)
        {
            Violations.Enqueue("FCM message shape: " + body?.ToJsonString());
            await Json(context, 400, FcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"));
            return;
        }

        if (token!.StartsWith("dead", StringComparison.Ordinal))
        {
            await Json(context, 404, FcmError(404, "NOT_FOUND", "UNREGISTERED"));
            return;
        }

        if (token.StartsWith("flaky", StringComparison.Ordinal) && _flaky.AddOrUpdate(token, 1, (_, n) => n + 1) <= FlakyFailures)
        {
            await Json(context, 503, FcmError(503, "UNAVAILABLE", "UNAVAILABLE"));
            return;
        }

        Accepted.Enqueue(("fcm", token, body!, context.Request.Headers));
        await Json(context, 200, new JsonObject { ["name"] = $"projects/{ProjectId}/messages/0:{Guid.NewGuid():N}" });
    }

    // https://developer.apple.com/documentation/usernotifications/sending-notification-requests-to-apns
    private async Task ApnsSendAsync(HttpContext context, string deviceToken)
    {
        var request = context.Request;
        var problems = new List<string>();
        if (request.Protocol != "HTTP/2")
        {
            problems.Add("not HTTP/2: " + request.Protocol);
        }

        if (request.Method != "POST")
        {
            problems.Add("method " + request.Method);
        }

        var authorization = request.Headers.Authorization.ToString();
        var jwt = authorization.StartsWith("bearer ", StringComparison.Ordinal) ? authorization["bearer ".Length..] : null;
        var claims = jwt is null ? null : VerifyJwt(jwt, "ES256", (data, signature) => _apnsKey.VerifyData(data, signature, HashAlgorithmName.SHA256), KeyId);
        if (claims is null || (string?)claims["iss"] != TeamId || claims["iat"] is null)
        {
            problems.Add("authorization is not a valid ES256 provider token");
        }

        if (request.Headers["apns-topic"] != Topic)
        {
            problems.Add("apns-topic");
        }

        if (request.Headers["apns-push-type"] != "alert")
        {
            problems.Add("apns-push-type");
        }

        var body = await ReadJsonAsync(context);
        if (body?["aps"]?["alert"] is not JsonObject alert || alert["title"] is null || alert["body"] is null)
        {
            problems.Add("aps.alert shape");
        }

        if (problems.Count > 0)
        {
            Violations.Enqueue("APNs: " + string.Join(", ", problems));
            var reason = claims is null ? "InvalidProviderToken" : "BadTopic";
            await Json(context, claims is null ? 403 : 400, new JsonObject { ["reason"] = reason });
            return;
        }

        if (deviceToken.StartsWith("dead", StringComparison.Ordinal))
        {
            await Json(context, 410, new JsonObject { ["reason"] = "Unregistered", ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
            return;
        }

        if (deviceToken.StartsWith("flaky", StringComparison.Ordinal) && _flaky.AddOrUpdate(deviceToken, 1, (_, n) => n + 1) <= FlakyFailures)
        {
            await Json(context, 500, new JsonObject { ["reason"] = "InternalServerError" });
            return;
        }

        Accepted.Enqueue(("apns", deviceToken, body!, request.Headers));
        context.Response.Headers["apns-id"] = Guid.NewGuid().ToString().ToUpperInvariant();
        context.Response.StatusCode = 200;
    }

    private static JsonObject FcmError(int code, string status, string errorCode) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = "Requested entity was not found.",
            ["status"] = status,
            ["details"] = new JsonArray(new JsonObject { ["@type"] = "type.googleapis.com/google.firebase.fcm.v1.FcmError", ["errorCode"] = errorCode }),
        },
    };

    private static JsonObject? VerifyJwt(string jwt, string alg, Func<byte[], byte[], bool> verify, string? kid = null)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(FromBase64Url(parts[0])) as JsonObject;
            if ((string?)header?["alg"] != alg || (kid is not null && (string?)header?["kid"] != kid))
            {
                return null;
            }

            return verify(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2])) ? JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static byte[] FromBase64Url(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private static async Task<JsonObject?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _serviceAccountKey.Dispose();
        _apnsKey.Dispose();
    }
}
