using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// The AccessKey of the Azure SignalR Service surface this host serves, and the validation the service does with it:
/// REST calls carry an HS256 token whose audience is the request URL, clients a token whose audience is the client URL
/// ({origin}/client/?hub=...). Set it with Standalone:SignalRAccessKey to let other processes (or this host's own
/// AzureSignalRConnectionString) sign for it; by default it is random per process.
/// </summary>
public sealed class SignalRServiceKey
{
    public const string SettingName = "Standalone:SignalRAccessKey";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SymmetricSecurityKey _signingKey;
    private readonly TimeProvider _time;

    public SignalRServiceKey(string accessKey, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKey);
        AccessKey = accessKey;
        _signingKey = SignalRAccessTokens.SigningKey(accessKey);
        _time = time;
    }

    public string AccessKey { get; }

    /// <summary>The configured key, or a random one; a configured key too short for HS256 fails at start naming the setting.</summary>
    public static string ReadAccessKey(IConfiguration configuration)
    {
        var configured = configuration[SettingName];
        if (string.IsNullOrEmpty(configured))
        {
            return Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }

        if (Encoding.UTF8.GetByteCount(configured) < 32)
        {
            throw new SignalRConfigurationException($"Setting '{SettingName.Replace(":", "__", StringComparison.Ordinal)}' must be at least 32 bytes (HS256).");
        }

        return configured;
    }

    /// <summary>The hub user id of a valid client token for this request's hub, or null.</summary>
    public async Task<string?> ValidateClientTokenAsync(HttpRequest request, string token)
    {
        var hub = request.Query["hub"].ToString();
        if (!string.Equals(hub, RealtimeUser.HubName, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var result = await ValidateAsync(token, audience => IsClientAudience(audience, request, hub));
        if (result is null)
        {
            return null;
        }

        // Azure SignalR reads "nameid"; tokens minted with ClaimTypes.NameIdentifier or only "sub" are accepted too.
        foreach (var type in new[] { SignalRAccessTokens.UserIdClaim, System.Security.Claims.ClaimTypes.NameIdentifier, "sub" })
        {
            if (result.TryGetValue(type, out var value) && value is string userId && userId.Length > 0)
            {
                return userId;
            }
        }

        return null;
    }

    /// <summary>Whether a REST call carries a valid token for its own URL.</summary>
    public async Task<bool> ValidateRestTokenAsync(HttpRequest request, string token) =>
        await ValidateAsync(token, audience => IsRequestAudience(audience, request)) is not null;

    /// <summary>The raw, still-escaped path of the request, as the caller signed it.</summary>
    public static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            return context.Request.PathBase.ToUriComponent() + context.Request.Path.ToUriComponent();
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? raw : raw[..query];
    }

    private async Task<IDictionary<string, object>?> ValidateAsync(string token, Func<string, bool> audienceMatches)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidateIssuer = false,
            IssuerSigningKey = _signingKey,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            AudienceValidator = (audiences, _, _) => audiences.Any(audienceMatches),

            // The host's clock (tests move it), not the machine's.
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } exp && now < exp.Add(ClockSkew) && (notBefore is not { } nbf || nbf <= now.Add(ClockSkew)),
        });
        return result.IsValid ? result.Claims : null;
    }

    private static bool IsRequestAudience(string audience, HttpRequest request) =>
        SameOrigin(audience, request, out var uri) && SamePath(uri.AbsolutePath, RawPath(request.HttpContext));

    private static bool IsClientAudience(string audience, HttpRequest request, string hub) =>
        SameOrigin(audience, request, out var uri)
        && SamePath(uri.AbsolutePath, "/client")
        && QueryHelpers.ParseQuery(uri.Query).TryGetValue("hub", out var audienceHub)
        && string.Equals(audienceHub.ToString(), hub, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Same scheme and host as the request. The port must match, or be absent: the Azure SignalR SDKs sign for
    /// scheme://host/ even when the connection string names a Port.
    /// </summary>
    private static bool SameOrigin(string audience, HttpRequest request, out Uri uri)
    {
        if (!Uri.TryCreate(audience, UriKind.Absolute, out uri!))
        {
            return false;
        }

        var requestPort = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        return string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
               && string.Equals(uri.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase)
               && (uri.Port == requestPort || uri.IsDefaultPort);
    }

    // Compared unescaped, so "t1%7Calice" and "t1|alice" are the same path however either side escaped it.
    private static bool SamePath(string left, string right) =>
        string.Equals(Uri.UnescapeDataString(left).TrimEnd('/'), Uri.UnescapeDataString(right).TrimEnd('/'), StringComparison.Ordinal);
}
