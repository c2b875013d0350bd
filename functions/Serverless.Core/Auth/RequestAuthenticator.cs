using Microsoft.AspNetCore.Http;
using Serverless.Core.Channels;
using Serverless.Core.Http;
using Serverless.Core.Members;

namespace Serverless.Core.Auth;

/// <summary>
/// Authenticates an HTTP request from its bearer token; 401 with WWW-Authenticate when absent or bad, 403 for a missing
/// role, 403 MEMBERSHIP_INACTIVE when the caller's membership is suspended or revoked.
/// </summary>
/// <remarks>
/// The membership check is one point read per request (members table, PartitionKey = tenant, RowKey = user), never cached:
/// a suspension written on any instance takes effect on the very next request everywhere. A per-instance cache would
/// save that read but leave other instances serving a revoked user until it expired.
/// Producers publishing with an app-only token (<see cref="CallerPrincipal.IsApplication"/>) skip it: a service is not a
/// member, and the read would double the storage cost of a one-recipient publish. Every other route checks every caller,
/// app tokens included, exactly as before.
/// </remarks>
public sealed class RequestAuthenticator(TokenValidator validator, MemberStore members, ContactDirectory contacts)
{
    /// <summary>A valid token, the role when named, and an active membership.</summary>
    public async Task<CallerPrincipal> RequireAsync(HttpRequest request, string? role = null)
    {
        var caller = await RequireTokenAsync(request, role);
        if (caller.IsApplication && role == Roles.Publish)
        {
            return caller;
        }

        var member = await members.RequireActiveAsync(caller.TenantId, caller.UserId, request.HttpContext.RequestAborted);
        return caller with { Membership = member };
    }

    /// <summary>A valid token and the role when named, whatever the membership: only for what an inactive member may still do (unregister a device).</summary>
    public async Task<CallerPrincipal> RequireTokenAsync(HttpRequest request, string? role = null)
    {
        var header = request.Headers.Authorization.ToString();
        string? token = null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }

        var caller = await validator.ValidateAsync(token);
        if (caller is null)
        {
            var error = new ApiException(401, "UNAUTHORIZED", token is null ? "A bearer token is required." : "The bearer token is not valid.");
            error.Headers["WWW-Authenticate"] = token is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            throw error;
        }

        if (role is not null && !caller.IsInRole(role))
        {
            throw ApiException.Forbidden("FORBIDDEN", $"This operation requires the role '{role}'.");
        }

        // The email claim is the address the email channel uses; written once per change, never failing the request.
        await contacts.RememberAsync(caller, request.HttpContext.RequestAborted);
        return caller;
    }
}
