using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Notifications;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Core.Inbox;

public sealed partial class InboxApi
{
    private const int MaxBulkBodyBytes = 4 * 1024;
    private const int MaxBulkTypeLength = 200;

    /// <summary>
    /// POST /api/v1/notifications/bulk {"action", "filter"?}: {"updated": n, "more": bool}. Unknown fields are refused
    /// rather than ignored: a misspelt filter field on a delete would otherwise act on the whole inbox.
    /// </summary>
    public Task<IResult> BulkAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var body = await RequestBody.ReadBytesAsync(context.Request, MaxBulkBodyBytes, context.RequestAborted);
        var (action, filter) = ParseBulkRequest(body);

        // Bounded work (at most 100 transactions); run to the end once started, so every committed batch is pushed.
        var result = await inbox.BulkAsync(caller.TenantId, caller.UserId, action, filter, CancellationToken.None);
        await PushBulkAsync(caller, action, result);
        return Results.Json(new { updated = result.Ids.Count, more = result.More }, ApiJson.Options);
    });

    /// <summary>POST /api/v1/notifications/mark-all-read: bulk read with an empty filter (archived unread rows included); {"updated": n, "more": bool}.</summary>
    public Task<IResult> MarkAllReadAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var result = await inbox.MarkAllReadAsync(caller.TenantId, caller.UserId, CancellationToken.None);
        await PushBulkAsync(caller, InboxBulkAction.Read, result);

        // more: unread rows beyond one call's bound are left; calling again continues.
        return Results.Json(new { updated = result.Ids.Count, more = result.More }, ApiJson.Options);
    });

    /// <summary>One notificationsUpdated per call (plus notificationsRead for reads, and the count messages when counts moved).</summary>
    private async Task PushBulkAsync(CallerPrincipal caller, InboxBulkAction action, InboxBulkResult result)
    {
        if (result.Ids.Count == 0)
        {
            return;
        }

        var counter = result.Counter;
        var state = action switch
        {
            InboxBulkAction.Read => "read",
            InboxBulkAction.Archive => "archived",
            _ => "deleted",
        };
        await PushAsync(caller, "notificationsUpdated", new NotificationsUpdatedMessage(result.Ids, state, new InboxCounts(counter.Unread, counter.Unseen), counter.Seq));
        if (action == InboxBulkAction.Read)
        {
            await PushAsync(caller, "notificationsRead", new NotificationsReadMessage(result.Ids, counter.Unread, counter.Seq));
        }

        if (result.CountsChanged)
        {
            await PushAsync(caller, "unreadCountChanged", new UnreadCountChangedMessage(counter.Unread, counter.Seq));
            await PushAsync(caller, "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq));
        }
    }

    internal static (InboxBulkAction Action, InboxFilter Filter) ParseBulkRequest(byte[] body)
    {
        using (var document = RequestBody.ParseDocument(body))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("The body must be a JSON object: {\"action\", \"filter\"?}.");
            }

            InboxBulkAction? action = null;
            var filter = new InboxFilter(false, null, null);
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "action":
                        action = property.Value.ValueKind == JsonValueKind.String
                            ? property.Value.GetString() switch
                            {
                                "read" => InboxBulkAction.Read,
                                "archive" => InboxBulkAction.Archive,
                                "delete" => InboxBulkAction.Delete,
                                _ => null,
                            }
                            : null;
                        if (action is null)
                        {
                            throw Invalid("'action' must be read, archive or delete.");
                        }

                        break;
                    case "filter":
                        if (property.Value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }

                        if (property.Value.ValueKind != JsonValueKind.Object)
                        {
                            throw Invalid("'filter' must be an object.");
                        }

                        filter = ParseBulkFilter(property.Value);
                        break;
                    default:
                        throw Invalid($"Unknown field '{Shorten(property.Name)}'; the body is {{\"action\", \"filter\"?}}.");
                }
            }

            return action is { } chosen ? (chosen, filter) : throw Invalid("'action' is required: read, archive or delete.");
        }
    }

    private static InboxFilter ParseBulkFilter(JsonElement element)
    {
        string? type = null, priority = null, channel = null;
        DateTimeOffset? before = null;
        bool unread = false, archived = false;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (property.Name)
            {
                case "type":
                    type = value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= MaxBulkTypeLength } t
                        ? t
                        : throw Invalid($"'filter.type' must be a notification type of 1 to {MaxBulkTypeLength} characters.");
                    break;
                case "priority":
                    priority = value.ValueKind == JsonValueKind.String && NotificationWireNames.TryParsePriority(value.GetString(), out _)
                        ? value.GetString()
                        : throw Invalid("'filter.priority' must be low, normal, high or critical.");
                    break;
                case "channel":
                    channel = value.ValueKind == JsonValueKind.String && NotificationWireNames.TryParseChannel(value.GetString(), out _)
                        ? value.GetString()
                        : throw Invalid("'filter.channel' must be web, email, sms or mobile_push.");
                    break;
                case "before":
                    before = value.ValueKind == JsonValueKind.String
                             && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                        ? at
                        : throw Invalid("'filter.before' must be an ISO 8601 date-time.");
                    break;
                case "unread":
                    unread = value.ValueKind is JsonValueKind.True or JsonValueKind.False
                        ? value.GetBoolean()
                        : throw Invalid("'filter.unread' must be true or false.");
                    break;
                case "archived":
                    archived = value.ValueKind is JsonValueKind.True or JsonValueKind.False
                        ? value.GetBoolean()
                        : throw Invalid("'filter.archived' must be true or false.");
                    break;
                default:
                    // Includes "snoozed": bulk never touches snoozed items.
                    throw Invalid($"Unknown filter field '{Shorten(property.Name)}'; use type, priority, channel, before, unread or archived.");
            }
        }

        return new InboxFilter(unread, type, priority, archived) { Channel = channel, Before = before };
    }

    private static ApiException Invalid(string message) => ApiException.BadRequest("VALIDATION_ERROR", message);

    private static string Shorten(string value) => value.Length <= 50 ? value : value[..50];
}
