using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Serverless.Core.Channels;

/// <summary>What a push provider said about one device.</summary>
public enum PushOutcome
{
    Sent,

    /// <summary>The provider reports the token dead (FCM UNREGISTERED, APNs 410 / BadDeviceToken): unregister the device.</summary>
    InvalidToken,

    /// <summary>Worth retrying (5xx, 429, network, auth token refresh).</summary>
    Failed,
}

/// <summary>The visible part of a push: title and body, plus what the app needs to poll from the right place.</summary>
public sealed record PushPayload(string Title, string Body, string EventId, long Seq, string Type, string CollapseId);

public sealed record PushResult(PushOutcome Outcome, string? Detail);

/// <summary>
/// FCM HTTP v1: <c>POST {endpoint}/v1/projects/{project}/messages:send</c> with an OAuth2 access token obtained from the
/// service account (a JWT-bearer grant, RS256, scope firebase.messaging), cached until shortly before it expires.
/// </summary>
public sealed class FcmClient(HttpClient http, IOptions<PushOptions> options, TimeProvider time) : IDisposable
{
    private const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private (string Token, DateTimeOffset ExpiresAt)? _token;

    public async Task<PushResult> SendAsync(string deviceToken, PushPayload payload, CancellationToken cancellationToken)
    {
        var fcm = options.Value.Fcm;
        string accessToken;
        try
        {
            accessToken = await AccessTokenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException)
        {
            return new PushResult(PushOutcome.Failed, "FCM OAuth token: " + ex.Message);
        }

        var body = new JsonObject
        {
            ["message"] = new JsonObject
            {
                ["token"] = deviceToken,
                ["notification"] = new JsonObject { ["title"] = payload.Title, ["body"] = payload.Body },
                // FCM data values must be strings.
                ["data"] = new JsonObject
                {
                    ["eventId"] = payload.EventId,
                    ["seq"] = payload.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["type"] = payload.Type,
                },
                ["android"] = new JsonObject { ["collapse_key"] = payload.CollapseId },
                ["apns"] = new JsonObject { ["headers"] = new JsonObject { ["apns-collapse-id"] = payload.CollapseId } },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{fcm.Endpoint.TrimEnd('/')}/v1/projects/{Uri.EscapeDataString(fcm.ProjectId)}/messages:send")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return new PushResult(PushOutcome.Sent, null);
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var errorCode = FcmErrorCode(text);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                _token = null; // Expired or revoked: the retry fetches a fresh one.
            }

            return errorCode == "UNREGISTERED" || (response.StatusCode == HttpStatusCode.NotFound && errorCode is null)
                ? new PushResult(PushOutcome.InvalidToken, "FCM UNREGISTERED")
                : new PushResult(PushOutcome.Failed, $"FCM {(int)response.StatusCode} {errorCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new PushResult(PushOutcome.Failed, "FCM " + ex.GetType().Name);
        }
    }

    public void Dispose() => _tokenLock.Dispose();

    // error.details[] of type google.firebase.fcm.v1.FcmError carries errorCode (UNREGISTERED, INVALID_ARGUMENT, QUOTA_EXCEEDED, ...).
    internal static string? FcmErrorCode(string body)
    {
        try
        {
            var details = JsonNode.Parse(body)?["error"]?["details"]?.AsArray();
            return details?.Select(d => d?["errorCode"]?.GetValue<string>()).FirstOrDefault(c => c is not null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private async Task<string> AccessTokenAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_token is { } cached && cached.ExpiresAt > now)
        {
            return cached.Token;
        }

        await _tokenLock.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } again && again.ExpiresAt > now)
            {
                return again.Token;
            }

            var account = FcmServiceAccount.TryParse(options.Value.Fcm.ServiceAccountJson) ?? throw new InvalidOperationException("The FCM service account is not valid.");
            var assertion = account.SignAssertion(Scope, now);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
                ["assertion"] = assertion,
            });
            using var response = await http.PostAsync(account.TokenUri, form, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"token endpoint answered {(int)response.StatusCode}");
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var token = document.RootElement.GetProperty("access_token").GetString() ?? throw new InvalidOperationException("no access_token");
            var lifetime = document.RootElement.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) ? seconds : 3600;
            _token = (token, now.AddSeconds(Math.Max(60, lifetime - 300)));
            return token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }
}

/// <summary>The fields of a Google service-account key file that the JWT-bearer grant needs.</summary>
public sealed record FcmServiceAccount(string ClientEmail, string PrivateKeyPem, string? PrivateKeyId, string TokenUri)
{
    public static FcmServiceAccount? TryParse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var email = root.TryGetProperty("client_email", out var e) ? e.GetString() : null;
            var key = root.TryGetProperty("private_key", out var k) ? k.GetString() : null;
            var keyId = root.TryGetProperty("private_key_id", out var id) ? id.GetString() : null;
            var tokenUri = root.TryGetProperty("token_uri", out var t) ? t.GetString() : null;
            if (string.IsNullOrEmpty(email) || string.IsNullOrEmpty(key))
            {
                return null;
            }

            using var rsa = RSA.Create();
            rsa.ImportFromPem(key);
            return new FcmServiceAccount(email, key, keyId, string.IsNullOrEmpty(tokenUri) ? "https://oauth2.googleapis.com/token" : tokenUri);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or CryptographicException or InvalidOperationException)
        {
            return null;
        }
    }

    public string SignAssertion(string scope, DateTimeOffset now)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT" };
        if (PrivateKeyId is not null)
        {
            header["kid"] = PrivateKeyId;
        }

        var claims = new JsonObject
        {
            ["iss"] = ClientEmail,
            ["scope"] = scope,
            ["aud"] = TokenUri,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        };
        using var rsa = RSA.Create();
        rsa.ImportFromPem(PrivateKeyPem);
        return Jws.Sign(header, claims, data => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}

/// <summary>
/// APNs provider API over HTTP/2: <c>POST {endpoint}/3/device/{token}</c> with <c>authorization: bearer &lt;ES256 JWT&gt;</c>
/// (kid = key id, iss = team id, iat; reused for 30 minutes since Apple refuses tokens older than an hour and throttles
/// refreshes more often than every 20), <c>apns-topic</c>, <c>apns-push-type: alert</c> and a collapse id.
/// </summary>
public sealed class ApnsClient(HttpClient http, IOptions<PushOptions> options, TimeProvider time)
{
    private readonly ApnsTokenSigner _signer = new(options.Value.Apns, time);

    public async Task<PushResult> SendAsync(string deviceToken, PushPayload payload, CancellationToken cancellationToken)
    {
        var apns = options.Value.Apns;
        var body = new JsonObject
        {
            ["aps"] = new JsonObject { ["alert"] = new JsonObject { ["title"] = payload.Title, ["body"] = payload.Body } },
            ["eventId"] = payload.EventId,
            ["seq"] = payload.Seq,
            ["type"] = payload.Type,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{apns.Endpoint.TrimEnd('/')}/3/device/{Uri.EscapeDataString(deviceToken)}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("authorization", "bearer " + _signer.Current());
        request.Headers.TryAddWithoutValidation("apns-topic", apns.Topic);
        request.Headers.TryAddWithoutValidation("apns-push-type", "alert");
        request.Headers.TryAddWithoutValidation("apns-priority", "10");
        request.Headers.TryAddWithoutValidation("apns-collapse-id", payload.CollapseId);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return new PushResult(PushOutcome.Sent, null);
            }

            var reason = ApnsReason(await response.Content.ReadAsStringAsync(cancellationToken));
            if (response.StatusCode == HttpStatusCode.Gone || reason is "BadDeviceToken" or "Unregistered")
            {
                return new PushResult(PushOutcome.InvalidToken, $"APNs {(int)response.StatusCode} {reason}");
            }

            if (reason is "ExpiredProviderToken" or "InvalidProviderToken")
            {
                _signer.Reset();
            }

            return new PushResult(PushOutcome.Failed, $"APNs {(int)response.StatusCode} {reason}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new PushResult(PushOutcome.Failed, "APNs " + ex.GetType().Name);
        }
    }

    private static string? ApnsReason(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["reason"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>The APNs provider token (ES256 with the .p8 key).</summary>
public sealed class ApnsTokenSigner(ApnsOptions options, TimeProvider time)
{
    private static readonly TimeSpan Reuse = TimeSpan.FromMinutes(30);
    private (string Token, DateTimeOffset IssuedAt)? _current;

    public static bool IsValidKey(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return false;
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return key.KeySize == 256;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    public string Current()
    {
        var now = time.GetUtcNow();
        if (_current is { } current && now - current.IssuedAt < Reuse)
        {
            return current.Token;
        }

        using var key = ECDsa.Create();
        key.ImportFromPem(options.PrivateKey);
        var token = Jws.Sign(
            new JsonObject { ["alg"] = "ES256", ["kid"] = options.KeyId },
            new JsonObject { ["iss"] = options.TeamId, ["iat"] = now.ToUnixTimeSeconds() },
            data => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        _current = (token, now);
        return token;
    }

    public void Reset() => _current = null;
}

/// <summary>Compact JWS: base64url(header).base64url(claims).base64url(signature).</summary>
internal static class Jws
{
    public static string Sign(JsonObject header, JsonObject claims, Func<byte[], byte[]> sign)
    {
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return signingInput + "." + Base64Url(sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
