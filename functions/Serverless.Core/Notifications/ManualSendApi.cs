using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Core.Notifications;

/// <summary>
/// POST /api/v1/notifications/test {"userIds", "title", "body"?, "priority"?} (role notifications.manual): the CRM's manual
/// send. The event is type <see cref="Type"/>, an internal template producers cannot publish, and goes through the same
/// queue and processor as every event (inbox, realtime, email and push channels, preferences). Recipients are always in
/// the caller's tenant: the tenant comes from the token, never from the body. Audited as <see cref="AuditAction"/>.
/// 202 {"eventId", "recipients"}.
/// </summary>
public sealed class ManualSendApi(
    RequestAuthenticator auth, EventPublisher publisher, AuditLog audit, ManualSendRateLimiter limiter, ILogger<ManualSendApi> logger)
{
    public const string Type = "manual.message";
    public const string AuditAction = "notification.send_manual";
    public const int MaxRecipients = 100;
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 2000;
    private const int MaxBodyBytes = 64 * 1024;

    public Task<IResult> SendAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request, Roles.Manual);
        var request = Parse(await RequestBody.ReadBytesAsync(context.Request, MaxBodyBytes, context.RequestAborted));

        // After validation: a refused request costs no permit.
        limiter.Acquire(caller.TenantId, caller.UserId);

        // Once enqueued the message is sent: the audit entry must follow even if the caller hangs up.
        var eventId = await publisher.PublishInternalAsync(
            caller.TenantId, caller.UserId, Type, request.UserIds, new { title = request.Title, body = request.Body, sentBy = caller.UserId },
            request.Priority, CancellationToken.None);
        await audit.AppendAsync(
            caller.TenantId, caller.UserId, AuditAction, eventId, null,
            new { eventId, recipients = request.UserIds, priority = request.Priority, title = request.Title },
            AuditSensitivity.High, Correlation.GetOrCreate(context), CancellationToken.None);
        return Results.Json(new { eventId, recipients = request.UserIds.Count }, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    });

    /// <summary>Explicit checks of every field's JSON type, so a wrong type is a 400 naming the field. Fields it does not know are ignored (the CRM client's own extras).</summary>
    internal static ManualSend Parse(byte[] body)
    {
        using (var document = RequestBody.ParseDocument(body))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("The body must be a JSON object: {\"userIds\", \"title\", \"body\"?, \"priority\"?}.");
            }

            if (!root.TryGetProperty("userIds", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() is < 1 or > MaxRecipients)
            {
                throw Invalid($"'userIds' must be a list of 1 to {MaxRecipients} user ids.");
            }

            var userIds = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in ids.EnumerateArray())
            {
                var value = id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                if (!TokenValidator.IsValidId(value))
                {
                    throw Invalid("Every 'userIds' entry must be a non-empty user id of at most 128 characters without / \\ # ? | or control characters.");
                }

                // A repeated id is one recipient, as for POST /v1/events.
                if (seen.Add(value!))
                {
                    userIds.Add(value!);
                }
            }

            var title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
            if (string.IsNullOrWhiteSpace(title) || title.Length > MaxTitleLength)
            {
                throw Invalid($"'title' must be text of 1 to {MaxTitleLength} characters.");
            }

            var text = "";
            if (root.TryGetProperty("body", out var b) && b.ValueKind != JsonValueKind.Null)
            {
                text = b.ValueKind == JsonValueKind.String && b.GetString() is { Length: <= MaxBodyLength } s
                    ? s
                    : throw Invalid($"'body' must be text of at most {MaxBodyLength} characters.");
            }

            var priority = "normal";
            if (root.TryGetProperty("priority", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                priority = p.ValueKind == JsonValueKind.String && NotificationWireNames.TryParsePriority(p.GetString(), out _)
                    ? p.GetString()!
                    : throw Invalid("'priority' must be low, normal, high or critical.");
            }

            return new ManualSend(userIds, title, text, priority);
        }
    }

    private static ApiException Invalid(string message) => ApiException.BadRequest("VALIDATION_ERROR", message);

    internal sealed record ManualSend(IReadOnlyList<string> UserIds, string Title, string Body, string Priority);
}
