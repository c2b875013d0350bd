using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Http;

namespace Serverless.Core.Notifications;

/// <summary>POST /api/v1/events (role notifications.publish): validate, enqueue, 202 {"eventId"}.</summary>
public sealed class EventsApi(RequestAuthenticator auth, EventPublisher publisher, ILogger<EventsApi> logger)
{
    public const int MaxBodyBytes = 64 * 1024;

    public Task<IResult> PublishAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request, Roles.Publish);
        var body = await RequestBody.ReadBytesAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString();
        var eventId = await publisher.PublishAsync(caller, body, idempotencyKey, context.RequestAborted);
        return Results.Json(new { eventId }, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    });
}
