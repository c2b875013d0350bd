using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Serverless.Core.Http;
using Serverless.Core.Members;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// Authenticates client connections at /client the way Azure SignalR Service does: an HS256 token signed with the
/// service's AccessKey whose audience is the client URL, from the Authorization header or, as browsers must send it on
/// the WebSocket URL, access_token. Tokens from this host's negotiate, from :generateToken and from any holder of the
/// key (the Core negotiator) all qualify. A token minted before its user was suspended or revoked no longer connects:
/// the member row is read (one point read) on every connect. Refusals carry {"code","message"}.
/// </summary>
public sealed class HubTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SignalRServiceKey serviceKey, MemberStore members)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HubToken";
    private const string InactiveItem = "HubToken.MembershipInactive";

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

        // Hub user ids are "{tenant}|{user}" (RealtimeUser.Id); tokens minted by other key holders for other ids have no member row to check.
        var separator = userId.IndexOf('|', StringComparison.Ordinal);
        if (separator > 0)
        {
            var member = await members.GetAsync(userId[..separator], userId[(separator + 1)..], Context.RequestAborted);
            if (!member.IsActive)
            {
                Context.Items[InactiveItem] = member.Status;
                return AuthenticateResult.Fail("The membership is not active.");
            }
        }

        var identity = new ClaimsIdentity([new Claim(SignalRAccessTokens.UserIdClaim, userId)], SchemeName, SignalRAccessTokens.UserIdClaim, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[InactiveItem] is string status)
        {
            return ApiError.Result(403, "MEMBERSHIP_INACTIVE", $"Your membership is {status}.").ExecuteAsync(Context);
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        return ApiError.Result(401, "UNAUTHORIZED", "A client token from /api/negotiate is required (Authorization header or access_token).").ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiError.Result(403, "FORBIDDEN", "This connection is not allowed.").ExecuteAsync(Context);
}
