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

    /// <summary>The caller, or null when the token is missing, malformed, expired, or not ours.</summary>
    public async Task<CallerPrincipal?> ValidateAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 16 * 1024)
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        return result.IsValid ? ToPrincipal(result.ClaimsIdentity) : null;
    }

    internal static CallerPrincipal? ToPrincipal(ClaimsIdentity identity)
    {
        var userId = identity.FindFirst("sub")?.Value ?? identity.FindFirst("oid")?.Value;
        var tenantId = identity.FindFirst("tid")?.Value;
        if (!IsValidId(userId) || !IsValidId(tenantId))
        {
            return null;
        }

        var roles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in identity.FindAll("roles"))
        {
            // JsonWebTokenHandler yields one claim per array element; tolerate a JSON-encoded array too.
            if (claim.Value.StartsWith('['))
            {
                try
                {
                    foreach (var role in JsonSerializer.Deserialize<string[]>(claim.Value) ?? [])
                    {
                        roles.Add(role);
                    }
                }
                catch (JsonException)
                {
                    // A malformed roles claim grants nothing.
                }
            }
            else
            {
                roles.Add(claim.Value);
            }
        }

        return new CallerPrincipal(userId!, tenantId!, roles) { Email = identity.FindFirst("email")?.Value };
    }

    // Ids become Table keys and SignalR user ids: refuse characters that are not allowed in keys or that could collide with our separators.
    internal static bool IsValidId(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 128 &&
        value.All(c => !char.IsControl(c) && c is not ('/' or '\\' or '#' or '?' or '|'));
}
