using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Rooms.Chat;

/// <summary>Who reacted to a message with one emoji, in the order they did.</summary>
public sealed record MessageReaction(
    [property: JsonPropertyName("e")] string Emoji,
    [property: JsonPropertyName("u")] IReadOnlyList<string> UserIds);

/// <summary>
/// One entry of a room's stream as stored. A deleted message stays as a tombstone (no text, no reactions) so the sequence
/// has no hole. <see cref="Mentioned"/> are the members already sent note.mentioned for it, so an edit never sends twice.
/// </summary>
public sealed record RoomMessage(
    string RoomId,
    long Seq,
    string AuthorId,
    string Kind,
    string? Text,
    string? ReplyTo,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    DateTimeOffset? DeletedAt,
    string? DeletedBy,
    IReadOnlyList<MessageReaction> Reactions,
    IReadOnlyList<string> Mentioned,
    string? FileJson)
{
    public const string TextKind = "text";
    public const string FileKind = "file";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ETag? ETag { get; init; }

    public string MessageId => RoomMessageKeys.MessageId(Seq);

    public bool IsDeleted => DeletedAt is not null;

    public TableEntity ToEntity(string partitionKey)
    {
        var entity = new TableEntity(partitionKey, RoomMessageKeys.MessageRowKey(Seq))
        {
            ["Seq"] = Seq,
            ["AuthorId"] = AuthorId,
            ["Kind"] = Kind,
            ["Text"] = Text,
            ["ReplyTo"] = ReplyTo,
            ["CreatedAt"] = CreatedAt,
            ["EditedAt"] = EditedAt,
            ["DeletedAt"] = DeletedAt,
            ["DeletedBy"] = DeletedBy,
            ["Mentioned"] = JsonSerializer.Serialize(Mentioned, Json),
            ["File"] = FileJson,
        };

        // Reactions of a busy message can outgrow one property (64 KiB); the entity holds up to 1 MiB.
        entity.SetLongString("Reactions", JsonSerializer.Serialize(Reactions, Json));
        return entity;
    }

    public static RoomMessage FromEntity(string roomId, TableEntity entity) => new(
        roomId,
        RoomMessageKeys.SeqFromRowKey(entity.RowKey),
        entity.GetString("AuthorId") ?? "",
        entity.GetString("Kind") ?? TextKind,
        entity.GetString("Text"),
        entity.GetString("ReplyTo"),
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        entity.GetDateTimeOffset("EditedAt"),
        entity.GetDateTimeOffset("DeletedAt"),
        entity.GetString("DeletedBy"),
        Parse<List<MessageReaction>>(entity.GetLongString("Reactions")) ?? [],
        Parse<List<string>>(entity.GetString("Mentioned")) ?? [],
        entity.GetString("File"))
    {
        ETag = entity.ETag,
    };

    /// <summary>The message as the given member sees it (<c>me</c> is theirs).</summary>
    public RoomMessageView ToView(string viewerId) => new(
        MessageId,
        Seq,
        RoomId,
        AuthorId,
        Text,
        ReplyTo,
        CreatedAt,
        EditedAt,
        DeletedAt,
        Reactions.Select(r => new ReactionView(r.Emoji, r.UserIds.Count, r.UserIds.Contains(viewerId, StringComparer.Ordinal))).ToList(),
        Kind,
        FileJson is null ? null : JsonSerializer.Deserialize<JsonElement>(FileJson));

    private static T? Parse<T>(string? json)
        where T : class
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>One emoji on a message on the wire: how many reacted, and whether the caller did.</summary>
public sealed record ReactionView(string Emoji, int Count, bool Me);

/// <summary>A message on the wire. <see cref="File"/> is the file's metadata (never a link) for kind "file".</summary>
public sealed record RoomMessageView(
    string MessageId,
    long Seq,
    string RoomId,
    string AuthorId,
    string? Text,
    string? ReplyTo,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    DateTimeOffset? DeletedAt,
    IReadOnlyList<ReactionView> Reactions,
    string Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? File);

/// <summary>A member's place in a room's stream: the room's latest seq, what they have read, and how many entries lie after it.</summary>
public sealed record RoomReadState(long LastSeq, long ReadSeq)
{
    public long UnreadCount => Math.Max(0, LastSeq - ReadSeq);
}
