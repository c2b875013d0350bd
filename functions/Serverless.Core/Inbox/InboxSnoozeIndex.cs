using System.Globalization;
using Azure.Data.Tables;

namespace Serverless.Core.Inbox;

/// <summary>
/// Keys of the wake-up index (table inboxsnoozes): one entry per snooze, PartitionKey = the due minute (yyyyMMddHHmm,
/// UTC), RowKey = {tenant}|{user}|{seq}. The due minute is the first whole minute at or after <c>until</c>, so a timer
/// run at minute M that takes every partition up to M never wakes an item early, and is at most a minute late.
/// The entry carries tenant, user, seq and until as properties, so nothing is parsed back out of the keys.
/// </summary>
public static class InboxSnoozeIndex
{
    private const string MinuteFormat = "yyyyMMddHHmm";

    /// <summary>The partition an entry for <paramref name="until"/> goes to: the minute it becomes due.</summary>
    public static string DueMinute(DateTimeOffset until)
    {
        var utc = until.ToUniversalTime();
        var floor = new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
        return (floor == utc ? floor : floor.AddMinutes(1)).ToString(MinuteFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>The last partition due at <paramref name="now"/>: the minute it is in.</summary>
    public static string CurrentMinute(DateTimeOffset now) => now.ToUniversalTime().ToString(MinuteFormat, CultureInfo.InvariantCulture);

    public static string RowKey(string tenantId, string userId, long seq) =>
        tenantId + "|" + userId + "|" + seq.ToString(CultureInfo.InvariantCulture);

    public static TableEntity Entry(string tenantId, string userId, long seq, DateTimeOffset until) =>
        new(DueMinute(until), RowKey(tenantId, userId, seq))
        {
            ["Tenant"] = tenantId,
            ["User"] = userId,
            ["Seq"] = seq,
            ["Until"] = until,
        };

    /// <summary>Snooze times are kept to the millisecond, so the row's SnoozedUntil and the entry's Until compare exactly.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset until) => DateTimeOffset.FromUnixTimeMilliseconds(until.ToUnixTimeMilliseconds());

    public static bool SameInstant(DateTimeOffset? a, DateTimeOffset b) => a is { } value && value.ToUnixTimeMilliseconds() == b.ToUnixTimeMilliseconds();
}
