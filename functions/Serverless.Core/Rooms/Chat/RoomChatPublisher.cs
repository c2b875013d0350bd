using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.Core.Files;
using Serverless.Core.Http;
using Serverless.Core.Notifications;
using Serverless.Core.Realtime;

namespace Serverless.Core.Rooms.Chat;

/// <summary>
/// Appends to a room's stream and tells the room: the messageCreated push and note.mentioned notifications go out after the
/// message has committed and never fail it. Shared by the chat API and by file uploads (kind "file").
/// </summary>
public sealed class RoomChatPublisher(RoomStore rooms, RoomMessageStore messages, EventPublisher publisher, IRealtimeSender realtime, ILogger<RoomChatPublisher> logger)
{
    public const string MentionType = "note.mentioned";

    // The last messageCreated push of each room. Each new one starts when the previous has gone out, so this instance
    // pushes a room's messages in seq order although posts release the room as soon as they commit.
    private readonly ConcurrentDictionary<string, Task> _pushTails = new(StringComparer.Ordinal);

    /// <summary>Posts the message (idempotent per author and clientMessageId); pushes and notifies only when it is new.</summary>
    public async Task<(RoomMessage Message, bool Created)> PostAsync(string tenantId, Room room, NewRoomMessage message, CancellationToken cancellationToken)
    {
        var key = tenantId + "|" + room.RoomId;
        Task? push = null;
        var (posted, created) = await messages.PostAsync(tenantId, room.RoomId, message, cancellationToken, committed =>
        {
            // Runs under the store's per-room lock, in commit order: chain this push behind the room's previous one.
            var previous = _pushTails.TryGetValue(key, out var tail) ? tail : Task.CompletedTask;
            push = ChainAsync(previous, room.RoomId, committed);
            _pushTails[key] = push;
        });

        if (push is not null)
        {
            await push;
            _pushTails.TryRemove(new KeyValuePair<string, Task>(key, push)); // only if no later push chained behind it
        }

        if (created)
        {
            await NotifyMentionsAsync(tenantId, room, posted, posted.Mentioned, CancellationToken.None);
        }

        return (posted, created);
    }

    private async Task ChainAsync(Task previous, string roomId, RoomMessage message)
    {
        // Off the store's room lock first; then after the previous push (never faults: PushAsync logs instead of throwing).
        await Task.Yield();
        await previous;
        await PushAsync(roomId, "messageCreated", new { roomId, seq = message.Seq, message = message.ToView("") });
    }

    /// <summary>The file-upload message: the file's metadata (never a link), once per file even if announced twice.</summary>
    public async Task PostFileAsync(RoomMembership membership, RoomFile file, CancellationToken cancellationToken)
    {
        try
        {
            var metadata = JsonSerializer.Serialize(RoomFileMetadata.From(file), ApiJson.Options);

            // '|' cannot appear in a client's clientMessageId, so this key is the upload's own.
            await PostAsync(file.TenantId, membership.Room,
                new NewRoomMessage(file.UploaderId, RoomMessage.FileKind, null, null, "|" + file.FileId, [], metadata), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The file is registered; its chat entry is a courtesy and must not turn a stored upload into an error.
            logger.LogWarning(ex, "Posting the chat message for file {FileId} failed", file.FileId);
        }
    }

    /// <summary>The members among the @mentions of <paramref name="text"/>, without the author.</summary>
    public async Task<IReadOnlySet<string>> ResolveMentionsAsync(string tenantId, string roomId, string authorId, string? text, CancellationToken cancellationToken)
    {
        var candidates = MentionParser.Parse(text);
        candidates = candidates.Where(c => c != authorId).ToHashSet(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return candidates;
        }

        var members = await rooms.ListMembersAsync(tenantId, roomId, cancellationToken);
        return members.Select(m => m.UserId).Where(candidates.Contains).ToHashSet(StringComparer.Ordinal);
    }

    public async Task NotifyMentionsAsync(string tenantId, Room room, RoomMessage message, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }

        try
        {
            await publisher.PublishInternalAsync(
                tenantId,
                message.AuthorId,
                MentionType,
                userIds.ToList(),
                new
                {
                    note = new { title = room.Name },
                    mentionedBy = new { name = message.AuthorId, userId = message.AuthorId },
                    roomId = room.RoomId,
                    messageId = message.MessageId,
                    seq = message.Seq,
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The message is committed (with these members recorded as mentioned); the notification is a courtesy.
            logger.LogWarning(ex, "Publishing note.mentioned for {MessageId} failed", message.MessageId);
        }
    }

    public async Task PushAsync(string roomId, string target, object payload)
    {
        try
        {
            await realtime.SendAsync(RealtimeMessage.ToGroup(RoomGroupSource.GroupName(roomId), target, payload));
        }
        catch (Exception ex)
        {
            // Committed already; a client that missed it catches up with afterSeq.
            logger.LogWarning(ex, "Real-time {Target} failed", target);
        }
    }

    public async Task PushToUserAsync(string tenantId, string userId, string target, object payload)
    {
        try
        {
            await realtime.SendAsync(RealtimeMessage.ToUser(RealtimeUser.Id(tenantId, userId), target, payload));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Real-time {Target} failed", target);
        }
    }
}
