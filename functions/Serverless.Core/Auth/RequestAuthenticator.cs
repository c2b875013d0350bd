using Microsoft.AspNetCore.Http;
using Serverless.Core.Channels;
using Serverless.Core.Http;

namespace Serverless.Core.Auth;

/// <summary>Authenticates an HTTP request from its bearer token; 401 with WWW-Authenticate when absent or bad, 403 for a missing role.</summary>
public sealed class RequestAuthenticator(TokenValidator validator, ContactDirectory contacts)
{
    public async Task<CallerPrincipal> RequireAsync(HttpRequest request, string? role = null)
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

        await contacts.RememberAsync(caller, request.HttpContext.RequestAborted);
        return caller;
    }
}
