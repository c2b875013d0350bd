using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Cursors;
using Serverless.Core.Http;

namespace Serverless.Core.Audit;

/// <summary>GET /api/v1/admin/audit?from&amp;to&amp;action&amp;actor&amp;cursor&amp;limit (role notifications.admin): the caller's tenant, newest first.</summary>
public sealed class AuditApi(RequestAuthenticator auth, AuditLog log, CursorProtector cursors, ILogger<AuditApi> logger)
{
    private const string CursorPurpose = "audit";

    public Task<IResult> ListAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request, Roles.Admin);
        var request = context.Request;
        var limit = QueryParameters.Limit(request, 50, 200);
        var from = QueryParameters.OptionalTime(request, "from");
        var to = QueryParameters.OptionalTime(request, "to");
        var action = QueryParameters.OptionalString(request, "action");
        var actor = QueryParameters.OptionalString(request, "actor");
        string? after = null;
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !cursors.TryUnprotect(CursorPurpose, caller.TenantId, cursor, out after))
        {
            throw ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid.");
        }

        var (items, more) = await log.ReadAsync(caller.TenantId, from, to, action, actor, after, limit, context.RequestAborted);
        var next = more ? cursors.Protect(CursorPurpose, caller.TenantId, items[^1].Id) : null;
        return Results.Json(new { items, nextCursor = next }, ApiJson.Options);
    });
}
