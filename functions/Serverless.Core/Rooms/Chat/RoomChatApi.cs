using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Cursors;
using Serverless.Core.Http;

namespace Serverless.Core.Rooms.Chat;

/// <summary>The post-message request body.</summary>
public sealed record PostRoomMessageRequest(string? Text, string? ReplyTo, string? ClientMessageId);

/// <summary>The edit-message request body.</summary>
public sealed record EditRoomMessageRequest(string? Text);

/// <summary>The mark-read request body.</summary>
public sealed record MarkRoomReadRequest(long? Seq);

/// <summary>A page of a room's stream. lastSeq is the room's latest sequence number, for gap detection.</summary>
public sealed record RoomMessagePage(IReadOnlyList<RoomMessageView> Items, string? NextCursor, long LastSeq);

/// <summary>
/// Room chat over REST. Membership is checked on every request, as for files: a non-member (or a removed one) gets the same
/// 404 ROOM_NOT_FOUND as a missing room. OWNER and EDITOR post; every member reads and reacts.
/// </summary>
public sealed class RoomChatApi(
    RequestAuthenticator auth,
    RoomStore rooms,
    RoomMessageStore messages,
    RoomChatPublisher chat,
    RoomChatRateLimiter limiter,
    RoomTypingThrottle typing,
    CursorProtector cursors,
    AuditLog audit,
    TimeProvider time,
    ILogger<RoomChatApi> logger)
{
    public const int MaxTextLength = 4000;
    public const int MaxClientMessageIdLength = 64;
    public const int MaxDistinctReactions = 20;
    public const int MaxEmojiLength = 32;
    private const string CursorPurpose = "room-messages";

    /// <summary>How long a typing indicator lasts unless renewed.</summary>
    public static readonly TimeSpan TypingLifetime = TimeSpan.FromSeconds(5);

    /// <summary>POST /api/v1/rooms/{roomId}/messages: OWNER or EDITOR; 201 with the message (the first one again for a repeated clientMessageId).</summary>
    public Task<IResult> PostAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        RequireWriter(membership, "post in");
        var body = await RequestBody.ReadJsonAsync<PostRoomMessageRequest>(context.Request, cancellationToken: cancellationToken);
        var text = ValidText(body.Text);
        if (body.ClientMessageId is { } clientId && (clientId.Length > MaxClientMessageIdLength || !TokenValidator.IsValidId(clientId)))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'clientMessageId' must be 1 to {MaxClientMessageIdLength} characters without / \\ # ? | or control characters.");
        }

        if (body.ReplyTo is { } replyTo
            && (!RoomMessageKeys.TryParseMessageId(replyTo, out var replySeq) || await messages.GetAsync(caller.TenantId, roomId, replySeq, cancellationToken) is null))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'replyTo' must be the messageId of a message in this room.");
        }

        limiter.AcquirePost(caller.TenantId, roomId, caller.UserId);
        var mentioned = await chat.ResolveMentionsAsync(caller.TenantId, roomId, caller.UserId, text, cancellationToken);
        var (message, _) = await chat.PostAsync(
            caller.TenantId,
            membership.Room,
            new NewRoomMessage(caller.UserId, RoomMessage.TextKind, text, body.ReplyTo, body.ClientMessageId, mentioned.Order(StringComparer.Ordinal).ToList(), null),
            cancellationToken);
        return Results.Json(message.ToView(caller.UserId), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    });

    /// <summary>GET /api/v1/rooms/{roomId}/messages?limit&amp;cursor: newest first; ?afterSeq=N: oldest first from N + 1 (the recovery path).</summary>
    public Task<IResult> ListAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var request = context.Request;
        var limit = QueryParameters.Limit(request, 50, 100);
        var afterSeq = QueryParameters.OptionalLong(request, "afterSeq", 0);
        await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var subject = caller.TenantId + "|" + roomId + "|" + caller.UserId;

        string? position = null;
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !cursors.TryUnprotect(CursorPurpose, subject, cursor, out position))
        {
            throw ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid for this room and user.");
        }

        if (position is not null && position.StartsWith("a:", StringComparison.Ordinal))
        {
            afterSeq = long.Parse(position.AsSpan(2), CultureInfo.InvariantCulture);
        }

        if (afterSeq is { } after)
        {
            var (items, scannedTo, lastSeq) = await messages.ListAfterSeqAsync(caller.TenantId, roomId, after, limit, cancellationToken);
            var next = scannedTo < lastSeq ? cursors.Protect(CursorPurpose, subject, "a:" + scannedTo.ToString(CultureInfo.InvariantCulture)) : null;
            return Results.Json(new RoomMessagePage(items.Select(m => m.ToView(caller.UserId)).ToList(), next, lastSeq), ApiJson.Options);
        }

        var afterRowKey = position is not null && position.StartsWith("d:", StringComparison.Ordinal) ? position[2..] : null;
        var listing = messages.ListNewestFirstAsync(caller.TenantId, roomId, afterRowKey, limit, cancellationToken);
        var latest = await messages.ReadLastSeqAsync(caller.TenantId, roomId, cancellationToken);
        var (page, more) = await listing;
        var nextCursor = more ? cursors.Protect(CursorPurpose, subject, "d:" + RoomMessageKeys.MessageRowKey(page[^1].Seq)) : null;
        return Results.Json(new RoomMessagePage(page.Select(m => m.ToView(caller.UserId)).ToList(), nextCursor, latest), ApiJson.Options);
    });

    /// <summary>PATCH /api/v1/rooms/{roomId}/messages/{messageId} {"text"}: the author (still OWNER or EDITOR); editedAt set.</summary>
    public Task<IResult> EditAsync(HttpContext context, string roomId, string messageId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var seq = RequireMessageId(messageId);
        var body = await RequestBody.ReadJsonAsync<EditRoomMessageRequest>(context.Request, cancellationToken: cancellationToken);
        var text = ValidText(body.Text);
        var mentionable = await chat.ResolveMentionsAsync(caller.TenantId, roomId, caller.UserId, text, cancellationToken);
        var result = await messages.UpdateAsync(caller.TenantId, roomId, seq, current =>
        {
            RequireLive(current);
            if (current.AuthorId != caller.UserId)
            {
                throw ApiException.Forbidden("FORBIDDEN", "Only the author can edit a message.");
            }

            RequireWriter(membership, "edit messages in");
            if (current.Kind != RoomMessage.TextKind)
            {
                throw ApiException.Conflict("MESSAGE_NOT_EDITABLE", "Only text messages can be edited.");
            }

            if (current.Text == text)
            {
                return null;
            }

            // Members mentioned before keep their one notification; only newly mentioned members are added.
            var mentioned = current.Mentioned.Union(mentionable, StringComparer.Ordinal).ToList();
            return current with { Text = text, EditedAt = time.GetUtcNow(), Mentioned = mentioned };
        }, cancellationToken) ?? throw MessageNotFound();

        if (result.Changed)
        {
            var lastSeq = await messages.ReadLastSeqAsync(caller.TenantId, roomId, CancellationToken.None);
            await chat.PushAsync(roomId, "messageUpdated", new { roomId, seq = lastSeq, message = result.After.ToView("") });
            var newlyMentioned = result.After.Mentioned.Except(result.Before.Mentioned, StringComparer.Ordinal).ToList();
            await chat.NotifyMentionsAsync(caller.TenantId, membership.Room, result.After, newlyMentioned, CancellationToken.None);
        }

        return Results.Json(result.After.ToView(caller.UserId), ApiJson.Options);
    });

    /// <summary>DELETE /api/v1/rooms/{roomId}/messages/{messageId}: the author or an OWNER; 200 with the tombstone. Audited when not the author.</summary>
    public Task<IResult> DeleteAsync(HttpContext context, string roomId, string messageId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var seq = RequireMessageId(messageId);
        var result = await messages.UpdateAsync(caller.TenantId, roomId, seq, current =>
        {
            if (current.IsDeleted)
            {
                return null;
            }

            if (current.AuthorId != caller.UserId && membership.Role != RoomRole.Owner)
            {
                throw ApiException.Forbidden("FORBIDDEN", "Only the author or an owner of the room can delete this message.");
            }

            // A tombstone: the seq stays so the stream has no hole; text, file and reactions go.
            return current with { Text = null, FileJson = null, Reactions = [], DeletedAt = time.GetUtcNow(), DeletedBy = caller.UserId };
        }, cancellationToken) ?? throw MessageNotFound();

        if (result.Changed)
        {
            if (result.Before.AuthorId != caller.UserId)
            {
                await audit.AppendAsync(
                    caller.TenantId,
                    caller.UserId,
                    "room.message_deleted",
                    $"room:{roomId}/message:{messageId}",
                    new { messageId, seq, authorId = result.Before.AuthorId, kind = result.Before.Kind, createdAt = result.Before.CreatedAt },
                    new { messageId, seq, deletedAt = result.After.DeletedAt, deletedBy = caller.UserId },
                    AuditSensitivity.Normal,
                    Correlation.GetOrCreate(context),
                    CancellationToken.None);
            }

            var lastSeq = await messages.ReadLastSeqAsync(caller.TenantId, roomId, CancellationToken.None);
            await chat.PushAsync(roomId, "messageDeleted", new { roomId, seq = lastSeq, messageId, messageSeq = seq, deletedBy = caller.UserId, deletedAt = result.After.DeletedAt });
        }

        return Results.Json(result.After.ToView(caller.UserId), ApiJson.Options);
    });

    /// <summary>PUT /api/v1/rooms/{roomId}/messages/{messageId}/reactions/{emoji}: any member; idempotent; 200 with the message.</summary>
    public Task<IResult> AddReactionAsync(HttpContext context, string roomId, string messageId, string emoji) =>
        ReactAsync(context, roomId, messageId, emoji, add: true);

    /// <summary>DELETE /api/v1/rooms/{roomId}/messages/{messageId}/reactions/{emoji}: any member; idempotent; 200 with the message.</summary>
    public Task<IResult> RemoveReactionAsync(HttpContext context, string roomId, string messageId, string emoji) =>
        ReactAsync(context, roomId, messageId, emoji, add: false);

    private Task<IResult> ReactAsync(HttpContext context, string roomId, string messageId, string emoji, bool add) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var seq = RequireMessageId(messageId);
        emoji = ValidEmoji(emoji);
        var result = await messages.UpdateAsync(caller.TenantId, roomId, seq, current =>
        {
            RequireLive(current);
            var reactions = current.Reactions.ToList();
            var index = reactions.FindIndex(r => r.Emoji == emoji);
            if (add)
            {
                if (index >= 0 && reactions[index].UserIds.Contains(caller.UserId, StringComparer.Ordinal))
                {
                    return null;
                }

                if (index < 0)
                {
                    if (reactions.Count >= MaxDistinctReactions)
                    {
                        throw ApiException.Conflict("TOO_MANY_REACTIONS", $"A message can carry at most {MaxDistinctReactions} different emoji.");
                    }

                    reactions.Add(new MessageReaction(emoji, [caller.UserId]));
                }
                else
                {
                    reactions[index] = reactions[index] with { UserIds = [.. reactions[index].UserIds, caller.UserId] };
                }
            }
            else
            {
                if (index < 0 || !reactions[index].UserIds.Contains(caller.UserId, StringComparer.Ordinal))
                {
                    return null;
                }

                var remaining = reactions[index].UserIds.Where(u => u != caller.UserId).ToList();
                if (remaining.Count == 0)
                {
                    reactions.RemoveAt(index);
                }
                else
                {
                    reactions[index] = reactions[index] with { UserIds = remaining };
                }
            }

            return current with { Reactions = reactions };
        }, cancellationToken) ?? throw MessageNotFound();

        if (result.Changed)
        {
            var lastSeq = await messages.ReadLastSeqAsync(caller.TenantId, roomId, CancellationToken.None);
            await chat.PushAsync(roomId, "reactionsChanged", new
            {
                roomId,
                seq = lastSeq,
                messageId,
                messageSeq = seq,
                userId = caller.UserId,
                emoji,
                added = add,
                reactions = result.After.Reactions.Select(r => new { emoji = r.Emoji, count = r.UserIds.Count }).ToList(),
            });
        }

        return Results.Json(result.After.ToView(caller.UserId), ApiJson.Options);
    });

    /// <summary>POST /api/v1/rooms/{roomId}/typing: OWNER or EDITOR; 204; at most one broadcast per user and room every 3 s; nothing stored.</summary>
    public Task<IResult> TypingAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, context.RequestAborted);
        RequireWriter(membership, "type in");
        if (typing.TryAcquire(caller.TenantId, roomId, caller.UserId))
        {
            await chat.PushAsync(roomId, "typing", new { roomId, userId = caller.UserId, until = time.GetUtcNow() + TypingLifetime });
        }

        return Results.NoContent();
    });

    /// <summary>POST /api/v1/rooms/{roomId}/read {"seq"}: moves the caller's read position forward (never back); 200 with the read state.</summary>
    public Task<IResult> MarkReadAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var body = await RequestBody.ReadJsonAsync<MarkRoomReadRequest>(context.Request, cancellationToken: cancellationToken);
        if (body.Seq is not { } seq || seq < 0)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'seq' must be a whole number of at least 0.");
        }

        var state = await messages.MarkReadAsync(caller.TenantId, roomId, caller.UserId, seq, cancellationToken);
        var view = new { roomId, readSeq = state.ReadSeq, lastSeq = state.LastSeq, unreadCount = state.UnreadCount };

        // The caller's other tabs and devices update their badge.
        await chat.PushToUserAsync(caller.TenantId, caller.UserId, "roomRead", view);
        return Results.Json(view, ApiJson.Options);
    });

    private static string ValidText(string? text)
    {
        var trimmed = text?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxTextLength
            ? throw ApiException.BadRequest("VALIDATION_ERROR", $"'text' must be 1 to {MaxTextLength} characters after trimming.")
            : trimmed;
    }

    private static string ValidEmoji(string emoji)
    {
        var value = emoji.Normalize(System.Text.NormalizationForm.FormC);
        return value.Length is < 1 or > MaxEmojiLength || value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '/' or '\\' or '#' or '?')
            ? throw ApiException.BadRequest("VALIDATION_ERROR", $"The emoji must be 1 to {MaxEmojiLength} characters without spaces or control characters.")
            : value;
    }

    private static long RequireMessageId(string messageId) =>
        RoomMessageKeys.TryParseMessageId(messageId, out var seq) ? seq : throw MessageNotFound();

    private static void RequireWriter(RoomMembership membership, string what)
    {
        if (membership.Role == RoomRole.Viewer)
        {
            throw ApiException.Forbidden("FORBIDDEN", $"Viewers cannot {what} this room; an OWNER or EDITOR can.");
        }
    }

    private static void RequireLive(RoomMessage message)
    {
        if (message.IsDeleted)
        {
            throw ApiException.Conflict("MESSAGE_DELETED", "The message has been deleted.");
        }
    }

    private static ApiException MessageNotFound() => ApiException.NotFound("MESSAGE_NOT_FOUND", "Message not found.");
}
