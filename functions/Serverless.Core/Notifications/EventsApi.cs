using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Http;

namespace Serverless.Core.Notifications;

/// <summary>POST /api/v1/events (role notifications.publish): validate, deliver small events directly or enqueue, 202 {"eventId"}.</summary>
public sealed class EventsApi(RequestAuthenticator auth, EventPublisher publisher, NotificationProcessor processor, ILogger<EventsApi> logger)
{
    /// <summary>
    /// The whole request may carry 10,000 recipient ids, which alone can exceed 64 KiB; the 64 KiB event limit is
    /// enforced on the event without its recipient list (see EventPublisher). This cap only stops abuse.
    /// </summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public Task<IResult> PublishAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request, Roles.Publish);
        var body = await RequestBody.ReadBytesAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString();
        var eventId = await publisher.PublishAsync(caller, body, idempotencyKey, processor, context.RequestAborted);
        return Results.Json(new { eventId }, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    });
}
