using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// Issues and validates the short-lived access tokens of the standalone hub, like Azure SignalR's client tokens:
/// scoped to one hub and one user, signed with a key that never leaves this process.
/// </summary>
public sealed class HubTokenIssuer(TimeProvider time)
{
    public const string Issuer = "serverless-standalone";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private readonly SymmetricSecurityKey _key = new(RandomNumberGenerator.GetBytes(32));
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public static string Audience(string hub) => "hub:" + hub;

    public string Issue(string hub, string userId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience(hub),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(Lifetime),
            Claims = new Dictionary<string, object> { ["sub"] = userId },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    public async Task<ClaimsIdentity?> ValidateAsync(string hub, string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience(hub),
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "sub",
        });
        return result.IsValid ? result.ClaimsIdentity : null;
    }
}
