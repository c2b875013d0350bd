using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// Authenticates client connections at /client the way Azure SignalR Service does: an HS256 token signed with the
/// service's AccessKey whose audience is the client URL, from the Authorization header or, as browsers must send it on
/// the WebSocket URL, access_token. Tokens from this host's negotiate, from :generateToken and from any holder of the
/// key (the Core negotiator) all qualify.
/// </summary>
public sealed class HubTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SignalRServiceKey serviceKey)
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

        var userId = await serviceKey.ValidateClientTokenAsync(Request, token);
        if (userId is null)
        {
            return AuthenticateResult.Fail("Invalid client token.");
        }

        var identity = new ClaimsIdentity([new Claim(SignalRAccessTokens.UserIdClaim, userId)], SchemeName, SignalRAccessTokens.UserIdClaim, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
