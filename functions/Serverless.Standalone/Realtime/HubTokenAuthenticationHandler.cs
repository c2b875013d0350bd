using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>Authenticates hub connections with the token from negotiate (Authorization header, or access_token on the WebSocket URL as browsers must).</summary>
public sealed class HubTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, HubTokenIssuer issuer)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HubToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : Request.Query["access_token"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        var identity = await issuer.ValidateAsync(RealtimeUser.HubName, token);
        return identity is null
            ? AuthenticateResult.Fail("Invalid hub token.")
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
