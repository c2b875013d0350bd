using System.Globalization;

namespace Serverless.Core.Rooms.Chat;

/// <summary>
/// Table keys of a room's message stream. One partition per room ({tenant}|{roomId}) in the roommessages table: a counter
/// row with the room's dense sequence number, one row per message keyed by inverted sequence (newest first), one marker
/// per clientMessageId of an author, and one read-position row per member.
/// </summary>
public static class RoomMessageKeys
{
    public const string CounterRowKey = "counter";
    public const string MessagePrefix = "m|";
    public const string MessageUpperBound = "m}";
    public const string ClientIdPrefix = "c|";
    public const string ReadPrefix = "r|";
    public const string IdPrefix = "msg_";

    public static string Partition(string tenantId, string roomId) => tenantId + "|" + roomId;

    public static string MessageRowKey(long seq) => MessagePrefix + (long.MaxValue - seq).ToString("D19", CultureInfo.InvariantCulture);

    public static long SeqFromRowKey(string rowKey) =>
        long.MaxValue - long.Parse(rowKey.AsSpan(MessagePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>Scoped by author: two members choosing the same client id never collide.</summary>
    public static string ClientIdRowKey(string authorId, string clientMessageId) => ClientIdPrefix + authorId + "|" + clientMessageId;

    public static string ReadRowKey(string userId) => ReadPrefix + userId;

    /// <summary>Message ids carry the room's sequence number, so every lookup by id is a point read.</summary>
    public static string MessageId(long seq) => IdPrefix + seq.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseMessageId(string? messageId, out long seq)
    {
        seq = 0;
        return messageId is { Length: > 4 and <= 24 } && messageId.StartsWith(IdPrefix, StringComparison.Ordinal)
            && long.TryParse(messageId.AsSpan(IdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out seq) && seq > 0;
    }
}
