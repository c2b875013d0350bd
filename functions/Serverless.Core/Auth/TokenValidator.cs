using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Core.Auth;

/// <summary>Validates bearer JWTs (issuer, audience, lifetime, signature) and maps them to a <see cref="CallerPrincipal"/>.</summary>
public sealed class TokenValidator
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _oidc;

    public TokenValidator(IOptions<AuthOptions> options)
    {
        var settings = options.Value;
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromMinutes(2),
        };

        if (!string.IsNullOrEmpty(settings.SigningKey))
        {
            _parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.SigningKey));
            _parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            var metadata = settings.Authority!.TrimEnd('/') + "/.well-known/openid-configuration";
            _oidc = new ConfigurationManager<OpenIdConnectConfiguration>(metadata, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = true });
            _parameters.ConfigurationManager = _oidc;
        }
    }

    /// <summary>The caller, or null when the token is missing, malformed, expired, not ours, or its claims are unusable.</summary>
    public async Task<CallerPrincipal?> ValidateAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 16 * 1024)
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        return result.IsValid && result.SecurityToken is JsonWebToken jwt ? ToPrincipal(jwt.EncodedPayload) : null;
    }

    /// <summary>
    /// Reads the identity from the raw JSON payload, where the claim types are still visible: sub (or oid) and tid must be
    /// JSON strings that are usable ids, and roles grants only when it is a JSON array of strings (a bare string, a nested
    /// array or a mixed array grants nothing), so no token shape the issuer did not intend can widen access.
    /// </summary>
    internal static CallerPrincipal? ToPrincipal(string encodedPayload)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encodedPayload));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            return null;
        }

        using (document)
        {
            var payload = document.RootElement;
            if (payload.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var userId = payload.TryGetProperty("sub", out _) ? StringClaim(payload, "sub") : StringClaim(payload, "oid");
            var tenantId = StringClaim(payload, "tid");
            if (!IsValidId(userId) || !IsValidTenantId(tenantId))
            {
                return null;
            }

            var roles = new HashSet<string>(StringComparer.Ordinal);
            if (payload.TryGetProperty("roles", out var claim) && claim.ValueKind == JsonValueKind.Array
                && claim.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String))
            {
                foreach (var role in claim.EnumerateArray())
                {
                    roles.Add(role.GetString()!);
                }
            }

            return new CallerPrincipal(userId!, tenantId!, roles)
            {
                Email = StringClaim(payload, "email"),
                IsApplication = StringClaim(payload, "idtyp") == "app",
            };
        }
    }

    private static string? StringClaim(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// Ids become Table keys, blob path segments and SignalR user ids: refuse characters that are not allowed in keys or
    /// that could collide with our separators, and ids made only of dots ("." and ".." are path segments).
    /// </summary>
    public static bool IsValidId(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 128 &&
        value.All(c => !char.IsControl(c) && c is not ('/' or '\\' or '#' or '?' or '|')) &&
        value.AsSpan().ContainsAnyExcept('.');

    /// <summary>
    /// A tenant id is an id that does not start with '_': that prefix names internal buckets (dead letters without a
    /// tenant go to "_unknown"), which no token may reach.
    /// </summary>
    public static bool IsValidTenantId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value) => IsValidId(value) && !value!.StartsWith(ReservedTenantPrefix);

    /// <summary>Partition keys starting with this belong to the product, never to a tenant.</summary>
    public const char ReservedTenantPrefix = '_';
}
