using System.Globalization;

namespace Serverless.Core.Inbox;

/// <summary>
/// Table keys of the inbox. One partition per recipient ({tenant}|{user}); in it a counter row, one row per notification
/// keyed by inverted sequence (so the natural order is newest first), and one dedupe marker per delivered event.
/// </summary>
public static class InboxKeys
{
    public const string CounterRowKey = "counter";
    public const string NotificationPrefix = "n|";
    public const string NotificationUpperBound = "n}";
    public const string MarkerPrefix = "e|";

    public static string Partition(string tenantId, string userId) => tenantId + "|" + userId;

    public static string NotificationRowKey(long seq) => NotificationPrefix + (long.MaxValue - seq).ToString("D19", CultureInfo.InvariantCulture);

    public static long SeqFromRowKey(string rowKey) =>
        long.MaxValue - long.Parse(rowKey.AsSpan(NotificationPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);

    public static string MarkerRowKey(string eventId) => MarkerPrefix + eventId;

    /// <summary>Notification ids are the per-user sequence number as a string: short, stable, and meaningless outside the owner's inbox.</summary>
    public static bool TryParseId(string? id, out long seq) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out seq) && seq > 0;
}
