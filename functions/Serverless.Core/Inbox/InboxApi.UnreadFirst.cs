using System.Globalization;
using Microsoft.AspNetCore.Http;
using Serverless.Core.Auth;
using Serverless.Core.Http;

namespace Serverless.Core.Inbox;

public sealed partial class InboxApi
{
    /// <summary>?order=: false for newest (the default), true for unread_first; 400 for anything else.</summary>
    private static bool ReadUnreadFirstOrder(HttpRequest request) => request.Query["order"].ToString() switch
    {
        "" or "newest" => false,
        "unread_first" => true,
        _ => throw ApiException.BadRequest("VALIDATION_ERROR", "'order' must be newest or unread_first."),
    };

    /// <summary>
    /// ?order=unread_first: the unread phase newest first, then the read phase newest first, both below the seq the first
    /// page saw (later deliveries wait for the next first page). Each request reads at most two key ranges of
    /// <see cref="InboxStore.ScanWindow"/>: a page that ends the unread phase short goes on into the read phase.
    /// Cursors: "u:{startSeq}:{unreadTotal}:{returned}:{fromSeq}" and "r:{fromSeq}". unreadTotal is the counter's unread
    /// count at the first page (-1 when it does not describe the listed rows: archived or snoozed lists); once that many
    /// unread items were returned, none is left below, so the read phase starts without scanning the rest of the inbox.
    /// </summary>
    private async Task<IResult> ListUnreadFirstAsync(HttpContext context, CallerPrincipal caller, InboxFilter filter, int limit, string? position)
    {
        var counterRead = inbox.ReadCounterAsync(InboxKeys.Partition(caller.TenantId, caller.UserId), context.RequestAborted);
        bool unreadPhase;
        long startSeq, fromSeq;
        int unreadTotal, returned;
        if (position is null)
        {
            var counter = await counterRead;
            unreadPhase = true;
            startSeq = fromSeq = counter.Seq;
            unreadTotal = filter.Archived || filter.Snoozed ? -1 : counter.Unread;
            returned = 0;
        }
        else if (!TryParseUnreadFirstCursor(position, out unreadPhase, out startSeq, out unreadTotal, out returned, out fromSeq))
        {
            throw InvalidCursor();
        }

        var items = new List<InboxItem>(limit);
        if (unreadPhase)
        {
            long? below = fromSeq + 1;
            if (unreadTotal < 0 || returned < unreadTotal)
            {
                IReadOnlyList<InboxItem> page;
                (page, below) = await inbox.ListPhaseNewestFirstAsync(caller.TenantId, caller.UserId, filter, unread: true, fromSeq, limit, context.RequestAborted);
                items.AddRange(page);
                returned += page.Count;
            }

            var unreadDone = below is null || (unreadTotal >= 0 && returned >= unreadTotal);
            if (!unreadDone)
            {
                return await UnreadFirstPageAsync(context, caller, items, counterRead,
                    string.Create(CultureInfo.InvariantCulture, $"u:{startSeq}:{unreadTotal}:{returned}:{below!.Value - 1}"));
            }

            unreadPhase = false;
            fromSeq = startSeq;
        }

        var (read, readBelow) = await inbox.ListPhaseNewestFirstAsync(caller.TenantId, caller.UserId, filter, unread: false, fromSeq, limit - items.Count, context.RequestAborted);
        items.AddRange(read);
        var next = readBelow is { } b && b - 1 >= 1 ? string.Create(CultureInfo.InvariantCulture, $"r:{b - 1}") : null;
        return await UnreadFirstPageAsync(context, caller, items, counterRead, next);
    }

    private async Task<IResult> UnreadFirstPageAsync(HttpContext context, CallerPrincipal caller, List<InboxItem> items, Task<InboxCounter> counterRead, string? position)
    {
        var latest = await counterRead;
        var next = position is null ? null : cursors.Protect(CursorPurpose, Subject(caller), position);
        return Results.Json(new InboxPage(WithSeen(items, latest), next, latest.Unread, latest.Seq) { UnseenCount = latest.Unseen }, ApiJson.Options);
    }

    private static bool TryParseUnreadFirstCursor(string position, out bool unreadPhase, out long startSeq, out int unreadTotal, out int returned, out long fromSeq)
    {
        var parts = position.Split(':');
        unreadPhase = parts[0] == "u";
        startSeq = fromSeq = 0;
        unreadTotal = returned = 0;
        return unreadPhase
            ? parts.Length == 5
              && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out startSeq)
              && int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out unreadTotal)
              && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out returned)
              && long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out fromSeq)
            : parts is ["r", var from] && long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out fromSeq);
    }
}
