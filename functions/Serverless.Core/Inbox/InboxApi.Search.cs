using System.Globalization;
using Microsoft.AspNetCore.Http;
using Serverless.Core.Auth;
using Serverless.Core.Http;

namespace Serverless.Core.Inbox;

public sealed partial class InboxApi
{
    private const int MaxSearchLength = 200;

    /// <summary>
    /// The list's other shapes: <c>q</c> search and <c>order=unread_first</c>, each with cursors of its own kind ("q:", "u:"/"r:");
    /// null when the request is a plain list (newest first, or afterSeq). A cursor of another kind than the request's is refused.
    /// </summary>
    private async Task<IResult?> ListSearchOrUnreadFirstAsync(
        HttpContext context, CallerPrincipal caller, InboxFilter filter, int limit, string? position, long? afterSeq)
    {
        var request = context.Request;
        var query = ReadSearchQuery(request);
        var unreadFirst = ReadUnreadFirstOrder(request);
        if (unreadFirst && query is not null)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'order=unread_first' cannot be combined with 'q'.");
        }

        if ((unreadFirst || query is not null) && afterSeq is not null)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", (query is not null ? "'q'" : "'order=unread_first'") + " cannot be combined with 'afterSeq'.");
        }

        var kind = position is { Length: >= 2 } && position[1] == ':' ? position[0] : '\0';
        if (query is not null)
        {
            return position is null || kind == 'q' ? await SearchAsync(context, caller, filter, query, limit, position) : throw InvalidCursor();
        }

        // With unread=true there is no read phase: it is the unread list, newest first, with its usual cursors.
        if (unreadFirst && !filter.UnreadOnly)
        {
            return position is null || kind is 'u' or 'r' ? await ListUnreadFirstAsync(context, caller, filter, limit, position) : throw InvalidCursor();
        }

        return kind is 'q' or 'u' or 'r' ? throw InvalidCursor() : null;
    }

    /// <summary>
    /// ?q=: newest first over the most recent <see cref="InboxStore.SearchHorizon"/> items as of the first page. The cursor
    /// "q:{fingerprint}:{horizonLow}:{fromSeq}" keeps that horizon (deliveries during paging neither shift nor repeat
    /// matches) and the query's fingerprint (a cursor for another q is refused).
    /// </summary>
    private async Task<IResult> SearchAsync(HttpContext context, CallerPrincipal caller, InboxFilter filter, InboxSearchQuery query, int limit, string? position)
    {
        var counterRead = inbox.ReadCounterAsync(InboxKeys.Partition(caller.TenantId, caller.UserId), context.RequestAborted);
        long horizonLow, fromSeq;
        if (position is not null)
        {
            var parts = position.Split(':');
            if (parts.Length != 4 || parts[1] != query.Fingerprint
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out horizonLow)
                || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out fromSeq))
            {
                throw InvalidCursor();
            }
        }
        else
        {
            var top = (await counterRead).Seq;
            horizonLow = Math.Max(1, top - InboxStore.SearchHorizon + 1);
            fromSeq = top;
        }

        var (items, continueBelow) = await inbox.SearchNewestFirstAsync(caller.TenantId, caller.UserId, filter, query, horizonLow, fromSeq, limit, context.RequestAborted);
        var latest = await counterRead;
        var next = continueBelow is { } below && below - 1 >= horizonLow
            ? cursors.Protect(CursorPurpose, Subject(caller), string.Create(CultureInfo.InvariantCulture, $"q:{query.Fingerprint}:{horizonLow}:{below - 1}"))
            : null;
        return Results.Json(new InboxPage(WithSeen(items, latest), next, latest.Unread, latest.Seq) { UnseenCount = latest.Unseen }, ApiJson.Options);
    }

    /// <summary>?q=: null when absent; 400 when blank, longer than 200 characters, or without a letter or digit.</summary>
    private static InboxSearchQuery? ReadSearchQuery(HttpRequest request)
    {
        if (!request.Query.TryGetValue("q", out var values))
        {
            return null;
        }

        var raw = values.ToString();
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > MaxSearchLength || raw.Any(char.IsControl))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'q' must be 1 to {MaxSearchLength} printable characters, not blank.");
        }

        return InboxSearchQuery.TryParse(raw, out var query)
            ? query
            : throw ApiException.BadRequest("VALIDATION_ERROR", "'q' must contain at least one letter or digit.");
    }

    private static ApiException InvalidCursor() => ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid for this user.");
}
