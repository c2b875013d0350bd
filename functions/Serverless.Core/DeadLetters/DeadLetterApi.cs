using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Cursors;
using Serverless.Core.Http;

namespace Serverless.Core.DeadLetters;

/// <summary>Dead-letter administration for the caller's tenant (role notifications.admin).</summary>
public sealed class DeadLetterApi(RequestAuthenticator auth, DeadLetterStore store, AuditLog audit, CursorProtector cursors, ILogger<DeadLetterApi> logger)
{
    private const string CursorPurpose = "dead-letters";

    /// <summary>GET /api/v1/admin/dead-letters?limit=50&amp;cursor=...</summary>
    public Task<IResult> ListAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request, Roles.Admin);
        var limit = QueryParameters.Limit(context.Request, 50, 200);
        string? after = null;
        var cursor = context.Request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !cursors.TryUnprotect(CursorPurpose, caller.TenantId, cursor, out after))
        {
            throw ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid.");
        }

        var (items, more) = await store.ListAsync(caller.TenantId, after, limit, context.RequestAborted);
        var next = more ? cursors.Protect(CursorPurpose, caller.TenantId, items[^1].Id) : null;
        return Results.Json(new { items, nextCursor = next }, ApiJson.Options);
    });

    /// <summary>POST /api/v1/admin/dead-letters/{id}/replay: back onto its queue; audited.</summary>
    public Task<IResult> ReplayAsync(HttpContext context, string id) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request, Roles.Admin);
        if (id.Length > 200)
        {
            throw NotFound();
        }

        var replayed = await store.ReplayAsync(caller.TenantId, id, caller.UserId, context.RequestAborted) ?? throw NotFound();
        await audit.AppendAsync(
            caller.TenantId, caller.UserId, "deadletter.replay", "deadletter:" + id, null,
            new { replayed.EventId, replayed.Queue, replayed.ReplayCount }, AuditSensitivity.Normal, Correlation.GetOrCreate(context), context.RequestAborted);
        return Results.Json(new { id, replayed.ReplayCount, replayedAt = replayed.LastReplayedAt }, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    });

    private static ApiException NotFound() => ApiException.NotFound("DEAD_LETTER_NOT_FOUND", "Dead letter not found.");
}
