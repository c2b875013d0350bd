using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Core.Auth;

/// <summary>Mints HS256 tokens with the local Auth:SigningKey, for development, demos and tests. Never used in Azure.</summary>
public static class LocalTokenIssuer
{
    /// <param name="application">Mint an app-only token (<c>idtyp: "app"</c>), as Entra ID issues to a service using client credentials.</param>
    public static string Issue(AuthOptions options, string userId, string tenantId, IEnumerable<string> roles, TimeSpan lifetime, string? email = null, bool application = false)
    {
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new InvalidOperationException("Auth:SigningKey is not set; local tokens can only be minted with a local signing key.");
        }

        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = userId,
            ["tid"] = tenantId,
            ["roles"] = roles.ToArray(),
        };
        if (email is not null)
        {
            claims["email"] = email;
        }

        if (application)
        {
            claims["idtyp"] = "app";
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(lifetime),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
