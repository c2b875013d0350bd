using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Serverless.Core.Http;
using Serverless.Core.Notifications;

namespace Serverless.Core.Inbox;

/// <summary>POST /{id}/snooze and /{id}/unsnooze.</summary>
public sealed partial class InboxApi
{
    public static readonly TimeSpan MinSnooze = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxSnooze = TimeSpan.FromDays(30);

    /// <summary>POST /api/v1/notifications/{id}/snooze {"until"}: 204, idempotent; other tabs hear notificationsUpdated (state snoozed).</summary>
    public Task<IResult> SnoozeAsync(HttpContext context, string id) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        if (!InboxKeys.TryParseId(id, out var seq))
        {
            throw NotFound();
        }

        var body = await RequestBody.ReadJsonAsync<SnoozeRequest>(context.Request, cancellationToken: context.RequestAborted);
        var now = inbox.Clock.GetUtcNow();
        if (body.Until is not { ValueKind: JsonValueKind.String } text
            || !DateTimeOffset.TryParse(text.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'until' must be an ISO 8601 date and time.");
        }

        if (parsed < now + MinSnooze || parsed > now + MaxSnooze)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'until' must be from 1 minute to 30 days ahead.");
        }

        var until = InboxSnoozeIndex.Normalize(parsed);

        var (found, changed, countChanged, counter) = await inbox.SnoozeAsync(caller.TenantId, caller.UserId, seq, until, context.RequestAborted);
        if (!found)
        {
            throw NotFound();
        }

        if (changed)
        {
            await PushUpdatedAsync(caller, seq.ToString(CultureInfo.InvariantCulture), "snoozed", countChanged, counter);
        }

        return Results.NoContent();
    });

    /// <summary>POST /api/v1/notifications/{id}/unsnooze: 204, idempotent; the item is back in its current read state (no notificationCreated).</summary>
    public Task<IResult> UnsnoozeAsync(HttpContext context, string id) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        if (!InboxKeys.TryParseId(id, out var seq))
        {
            throw NotFound();
        }

        var (found, changed, countChanged, counter) = await inbox.UnsnoozeAsync(caller.TenantId, caller.UserId, seq, context.RequestAborted);
        if (!found)
        {
            throw NotFound();
        }

        if (changed)
        {
            await PushUpdatedAsync(caller, seq.ToString(CultureInfo.InvariantCulture), "unsnoozed", countChanged, counter);
        }

        return Results.NoContent();
    });

    private async Task PushUpdatedAsync(Auth.CallerPrincipal caller, string id, string state, bool countChanged, InboxCounter counter)
    {
        await PushAsync(caller, "notificationsUpdated", new NotificationsUpdatedMessage([id], state, new InboxCounts(counter.Unread, counter.Unseen), counter.Seq));
        if (countChanged)
        {
            // Existing clients only know the badge message.
            await PushAsync(caller, "unreadCountChanged", new UnreadCountChangedMessage(counter.Unread, counter.Seq));
            await PushAsync(caller, "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq));
        }
    }
}

/// <summary>POST /{id}/snooze body: until as an ISO 8601 string (a JsonElement, so a wrong type is a validation error, not a parse error).</summary>
public sealed record SnoozeRequest(JsonElement? Until);
