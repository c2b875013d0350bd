using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Cursors;
using Serverless.Core.Http;
using Serverless.Core.Notifications;
using Serverless.Core.Notifications.Templates;
using Serverless.Core.Realtime;

namespace Serverless.Core.Inbox;

/// <summary>The signed-in user's inbox over REST. Every lookup is inside the caller's own partition, so another user's id is simply not found.</summary>
public sealed partial class InboxApi(RequestAuthenticator auth, InboxStore inbox, CursorProtector cursors, IRealtimeSender realtime, ILogger<InboxApi> logger)
{
    private const string CursorPurpose = "inbox";

    /// <summary>GET /api/v1/notifications: newest first, or oldest first after ?afterSeq=N (the recovery path); ?q= and ?order=unread_first in InboxApi.Search.cs.</summary>
    public Task<IResult> ListAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var request = context.Request;
        var limit = QueryParameters.Limit(request, 20, 100);
        var filter = ReadFilter(request);
        var afterSeq = QueryParameters.OptionalLong(request, "afterSeq", 0);
        var subject = Subject(caller);

        string? position = null;
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !cursors.TryUnprotect(CursorPurpose, subject, cursor, out position))
        {
            throw ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid for this user.");
        }

        if (await ListSearchOrUnreadFirstAsync(context, caller, filter, limit, position, afterSeq) is { } searchOrUnreadFirst)
        {
            return searchOrUnreadFirst;
        }

        if (position is not null && position.StartsWith("a:", StringComparison.Ordinal))
        {
            afterSeq = long.Parse(position.AsSpan(2), CultureInfo.InvariantCulture);
        }

        if (afterSeq is { } after)
        {
            var (items, scannedTo, counter) = await inbox.ListAfterSeqAsync(caller.TenantId, caller.UserId, filter, after, limit, context.RequestAborted);
            var next = scannedTo < counter.Seq ? cursors.Protect(CursorPurpose, subject, "a:" + scannedTo.ToString(CultureInfo.InvariantCulture)) : null;
            return Results.Json(new InboxPage(WithSeen(items, counter), next, counter.Unread, counter.Seq) { UnseenCount = counter.Unseen }, ApiJson.Options);
        }

        var counterRead = inbox.ReadCounterAsync(InboxKeys.Partition(caller.TenantId, caller.UserId), context.RequestAborted);
        long fromSeq;
        if (position is not null && position.StartsWith("d:", StringComparison.Ordinal))
        {
            // The cursor names the last row key seen (or scanned to); the page continues below it.
            fromSeq = InboxKeys.SeqFromRowKey(position[2..]) - 1;
        }
        else
        {
            fromSeq = (await counterRead).Seq;
        }

        var (page, continueBelow) = await inbox.ListNewestFirstAsync(caller.TenantId, caller.UserId, filter, fromSeq, limit, context.RequestAborted);
        var latest = await counterRead;
        var nextCursor = continueBelow is { } below ? cursors.Protect(CursorPurpose, subject, "d:" + InboxKeys.NotificationRowKey(below)) : null;
        return Results.Json(new InboxPage(WithSeen(page, latest), nextCursor, latest.Unread, latest.Seq) { UnseenCount = latest.Unseen }, ApiJson.Options);
    });

    /// <summary>GET /api/v1/notifications/unread: the count and up to 20 newest unread among the latest <see cref="InboxStore.ScanWindow"/>.</summary>
    public Task<IResult> UnreadAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var counter = await inbox.ReadCounterAsync(InboxKeys.Partition(caller.TenantId, caller.UserId), context.RequestAborted);
        var (items, _) = await inbox.ListNewestFirstAsync(caller.TenantId, caller.UserId, new InboxFilter(true, null, null), counter.Seq, 20, context.RequestAborted);
        return Results.Json(new { count = counter.Unread, unseenCount = counter.Unseen, items = WithSeen(items, counter), seq = counter.Seq }, ApiJson.Options);
    });

    /// <summary>GET /api/v1/notifications/{id}.</summary>
    public Task<IResult> GetAsync(HttpContext context, string id) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        if (!InboxKeys.TryParseId(id, out var seq))
        {
            throw NotFound();
        }

        // The counter (for seenAt) is read alongside the row, not after it.
        var counterRead = inbox.ReadCounterAsync(InboxKeys.Partition(caller.TenantId, caller.UserId), context.RequestAborted);
        var item = await inbox.GetAsync(caller.TenantId, caller.UserId, seq, context.RequestAborted);
        var counter = await counterRead;
        return item is null ? throw NotFound() : Results.Json(item with { SeenAt = counter.SeenAt(item.Seq, item.WokenAt) }, ApiJson.Options);
    });

    /// <summary>PATCH /api/v1/notifications/{id}/read (and the POST aliases): 204, idempotent; other tabs and devices hear notificationsRead, notificationsUpdated and countsChanged.</summary>
    public Task<IResult> MarkReadAsync(HttpContext context, string id) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        if (!InboxKeys.TryParseId(id, out var seq))
        {
            throw NotFound();
        }

        var (found, changed, counter) = await inbox.MarkReadAsync(caller.TenantId, caller.UserId, seq, context.RequestAborted);
        if (!found)
        {
            throw NotFound();
        }

        if (changed)
        {
            // notificationsRead already carries unreadCount for existing clients, so no unreadCountChanged here.
            await PushAsync(caller, "notificationsRead", new NotificationsReadMessage([id], counter.Unread, counter.Seq));
            await PushAsync(caller, "notificationsUpdated", new NotificationsUpdatedMessage([id], "read", new InboxCounts(counter.Unread, counter.Unseen), counter.Seq));
            await PushAsync(caller, "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq));
        }

        return Results.NoContent();
    });

    /// <summary>DELETE /api/v1/notifications/{id}: 204.</summary>
    public Task<IResult> DeleteAsync(HttpContext context, string id) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        if (!InboxKeys.TryParseId(id, out var seq))
        {
            throw NotFound();
        }

        var (found, counter) = await inbox.DeleteAsync(caller.TenantId, caller.UserId, seq, context.RequestAborted);
        if (!found)
        {
            throw NotFound();
        }

        await PushAsync(caller, "notificationsUpdated", new NotificationsUpdatedMessage([id], "deleted", new InboxCounts(counter.Unread, counter.Unseen), counter.Seq));
        await PushAsync(caller, "unreadCountChanged", new UnreadCountChangedMessage(counter.Unread, counter.Seq));
        await PushAsync(caller, "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq));
        return Results.NoContent();
    });

    /// <summary>POST /api/v1/notifications/{id}/archive and /unarchive: 204, idempotent; other tabs hear notificationsUpdated.</summary>
    public Task<IResult> SetArchivedAsync(HttpContext context, string id, bool archived) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        if (!InboxKeys.TryParseId(id, out var seq))
        {
            throw NotFound();
        }

        var (found, changed, countChanged, counter) = await inbox.SetArchivedAsync(caller.TenantId, caller.UserId, seq, archived, context.RequestAborted);
        if (!found)
        {
            throw NotFound();
        }

        if (changed)
        {
            await PushAsync(caller, "notificationsUpdated",
                new NotificationsUpdatedMessage([id], archived ? "archived" : "unarchived", new InboxCounts(counter.Unread, counter.Unseen), counter.Seq));
            if (countChanged)
            {
                // Existing clients only know the badge message.
                await PushAsync(caller, "unreadCountChanged", new UnreadCountChangedMessage(counter.Unread, counter.Seq));
                await PushAsync(caller, "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq));
            }
        }

        return Results.NoContent();
    });

    /// <summary>POST /api/v1/notifications/seen {"upToSeq"}: the bell was opened. {unreadCount, unseenCount, seq}; idempotent, never moves back.</summary>
    public Task<IResult> MarkSeenAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var body = await RequestBody.ReadJsonAsync<MarkSeenRequest>(context.Request, cancellationToken: context.RequestAborted);
        if (body.UpToSeq is not { } upToSeq || upToSeq < 0)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'upToSeq' must be a sequence number (0 or more).");
        }

        var (changed, counter) = await inbox.MarkSeenAsync(caller.TenantId, caller.UserId, upToSeq, context.RequestAborted);
        if (changed)
        {
            await PushAsync(caller, "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq));
        }

        return Results.Json(new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq), ApiJson.Options);
    });

    private static List<InboxItem> WithSeen(IReadOnlyList<InboxItem> items, InboxCounter counter) =>
        items.Select(i => counter.SeenAt(i.Seq, i.WokenAt) is { } at ? i with { SeenAt = at } : i).ToList();

    private static InboxFilter ReadFilter(HttpRequest request)
    {
        var unread = QueryParameters.OptionalBool(request, "unread") ?? false;
        var type = QueryParameters.OptionalString(request, "type");
        var priority = QueryParameters.OptionalString(request, "priority");
        if (priority is not null && !NotificationWireNames.TryParsePriority(priority, out _))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'priority' must be low, normal, high or critical.");
        }

        var channel = QueryParameters.OptionalString(request, "channel");
        if (channel is not null && !NotificationWireNames.TryParseChannel(channel, out _))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'channel' must be web, email, sms or mobile_push.");
        }

        var archived = QueryParameters.OptionalBool(request, "archived") ?? false;
        var snoozed = QueryParameters.OptionalBool(request, "snoozed") ?? false;
        return new InboxFilter(unread, type, priority, archived) { Channel = channel, Snoozed = snoozed };
    }

    private async Task PushAsync(CallerPrincipal caller, string target, object payload)
    {
        try
        {
            await realtime.SendAsync(RealtimeMessage.ToUser(RealtimeUser.Id(caller.TenantId, caller.UserId), target, payload));
        }
        catch (Exception ex)
        {
            // The change is committed; a missed push is recovered by the next read.
            logger.LogWarning(ex, "Real-time {Target} failed", target);
        }
    }

    private static string Subject(CallerPrincipal caller) => caller.TenantId + "|" + caller.UserId;

    private static ApiException NotFound() => ApiException.NotFound("NOTIFICATION_NOT_FOUND", "Notification not found.");
}

/// <summary>A page of the inbox. seq is the user's latest sequence number, for gap detection.</summary>
public sealed record InboxPage(IReadOnlyList<InboxItem> Items, string? NextCursor, int UnreadCount, long Seq)
{
    /// <summary>Not archived items above the seen watermark: the bell's badge.</summary>
    public int UnseenCount { get; init; }
}

/// <summary>POST /seen body.</summary>
public sealed record MarkSeenRequest(long? UpToSeq);

/// <summary>Pushed beside unreadCountChanged whenever the counts move.</summary>
public sealed record CountsChangedMessage(int UnreadCount, int UnseenCount, long Seq);

/// <summary>The counts a state change leaves behind.</summary>
public sealed record InboxCounts(int UnreadCount, int UnseenCount);

/// <summary>Pushed to the user's tabs and devices after a state change (read, archived, unarchived, deleted, ...) to the listed ids.</summary>
public sealed record NotificationsUpdatedMessage(IReadOnlyList<string> Ids, string State, InboxCounts Counts, long Seq);
