using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>One notification as the inbox API, the real-time message and the mobile event stream show it.</summary>
public sealed record InboxItem(
    string Id,
    long Seq,
    string EventId,
    string Type,
    string Title,
    string Body,
    string Priority,
    string Channel,
    JsonElement? Data,
    bool IsRead,
    DateTimeOffset? ReadAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? DedupeKey)
{
    /// <summary>Per-channel outcomes (email, push, ...) once the channel dispatcher has decided; null before that.</summary>
    public IReadOnlyList<Channels.DeliveryRecord>? Deliveries { get; init; }

    /// <summary>Archived items leave the default list and count as neither unread nor unseen.</summary>
    public bool Archived { get; init; }

    public DateTimeOffset? ArchivedAt { get; init; }

    /// <summary>When the bell covering this item was opened (POST /seen); null while unseen. Filled in from the counter by the API.</summary>
    public DateTimeOffset? SeenAt { get; init; }

    internal static InboxItem FromEntity(TableEntity entity)
    {
        var seq = InboxKeys.SeqFromRowKey(entity.RowKey);
        JsonElement? data = null;
        var raw = entity.GetLongString("Data");
        if (!string.IsNullOrEmpty(raw))
        {
            using var document = JsonDocument.Parse(raw);
            data = document.RootElement.Clone();
        }

        return new InboxItem(
            seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            seq,
            entity.GetString("EventId") ?? "",
            entity.GetString("Type") ?? "",
            entity.GetString("Title") ?? "",
            entity.GetString("Body") ?? "",
            entity.GetString("Priority") ?? "normal",
            entity.GetString("Channel") ?? "web",
            data,
            entity.GetBoolean("IsRead") ?? false,
            entity.GetDateTimeOffset("ReadAt"),
            entity.GetDateTimeOffset("CreatedAt") ?? entity.Timestamp ?? DateTimeOffset.UnixEpoch,
            entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MaxValue,
            entity.GetString("DedupeKey"))
        {
            Deliveries = entity.GetString("Deliveries") is { Length: > 0 } deliveries ? Channels.DeliveryRecordStore.Parse(deliveries) : null,
            Archived = entity.GetBoolean("Archived") ?? false,
            // Unarchive leaves the old ArchivedAt on the row (a merge cannot drop a property); only an archived item shows one.
            ArchivedAt = entity.GetBoolean("Archived") == true ? entity.GetDateTimeOffset("ArchivedAt") : null,
        };
    }
}

/// <summary>A notification about to be delivered to one recipient.</summary>
/// <remarks>PublishHash: set by a publish with an Idempotency-Key; kept on the dedupe marker so a retry with another body is refused.</remarks>
public sealed record NewNotification(
    string EventId,
    string Type,
    string Title,
    string Body,
    string Priority,
    string Channel,
    string? DataJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? DedupeKey,
    bool NeverThrottle,
    string? PublishHash = null)
{
    /// <summary>Producer-supplied addresses (recipients.emails) for the email channel, by user id.</summary>
    public IReadOnlyDictionary<string, string>? RecipientEmails { get; init; }
}

/// <summary>The per-user counter row: last sequence number, unread count and the push-throttle window.</summary>
/// <remarks>
/// Seen is a watermark: every row with seq at or below SeenUpToSeq is seen, and Unseen counts the rows above it that are
/// not archived (expired ones too, until the cleanup timer removes them and subtracts them). SeenSteps keeps the last
/// few watermark moves ("seq:unixMs,...") so items can say when they were seen without a write per row.
/// A counter written before seen existed has neither field: everything up to its Seq counts as seen.
/// </remarks>
public sealed record InboxCounter(long Seq, int Unread, DateTimeOffset WindowStart, int WindowPushes, bool PushSuppressed, ETag? ETag,
    int Unseen = 0, long SeenUpToSeq = 0, string SeenSteps = "")
{
    public static readonly InboxCounter Empty = new(0, 0, DateTimeOffset.MinValue, 0, false, null);

    internal static InboxCounter FromEntity(TableEntity e) => new(
        e.GetInt64("Seq") ?? 0,
        e.GetInt32("Unread") ?? 0,
        e.GetDateTimeOffset("WindowStart") ?? DateTimeOffset.MinValue,
        e.GetInt32("WindowPushes") ?? 0,
        e.GetBoolean("PushSuppressed") ?? false,
        e.ETag,
        e.GetInt32("Unseen") ?? 0,
        e.GetInt64("SeenUpToSeq") ?? e.GetInt64("Seq") ?? 0,
        e.GetString("SeenSteps") ?? "");

    /// <summary>Watermark moves kept for seenAt; older items report the oldest kept time (an upper bound).</summary>
    public const int MaxSeenSteps = 20;

    /// <summary>When the item with this seq was seen: the time of the first kept watermark move that covered it; null when unseen or unknown.</summary>
    public DateTimeOffset? SeenAt(long seq)
    {
        if (seq > SeenUpToSeq || SeenSteps.Length == 0)
        {
            return null;
        }

        DateTimeOffset? first = null;
        foreach (var step in SeenSteps.Split(','))
        {
            var colon = step.IndexOf(':', StringComparison.Ordinal);
            var upTo = long.Parse(step.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture);
            var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(step.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture));
            first ??= at;
            if (upTo >= seq)
            {
                return at;
            }
        }

        return first;
    }

    /// <summary>Whether the row with this seq counts as unseen (when it is neither archived nor snoozed).</summary>
    public bool IsUnseen(long seq) => seq > SeenUpToSeq;

    /// <summary>The counter after these rows (neither archived nor snoozed before) leave the unseen set: archived, snoozed or deleted.</summary>
    internal InboxCounter LeaveUnseen(IEnumerable<long> seqs) => this with { Unseen = Math.Max(0, Unseen - seqs.Count(IsUnseen)) };

    internal InboxCounter WithSeen(long upToSeq, int unseen, DateTimeOffset at)
    {
        var steps = SeenSteps.Length == 0 ? [] : SeenSteps.Split(',').ToList();
        steps.Add(upToSeq.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (steps.Count > MaxSeenSteps)
        {
            steps.RemoveRange(0, steps.Count - MaxSeenSteps);
        }

        return this with { SeenUpToSeq = upToSeq, Unseen = Math.Max(0, unseen), SeenSteps = string.Join(',', steps) };
    }

    internal TableEntity ToEntity(string partitionKey)
    {
        var entity = new TableEntity(partitionKey, InboxKeys.CounterRowKey)
        {
            ["Seq"] = Seq,
            ["Unread"] = Math.Max(0, Unread),
            ["WindowPushes"] = WindowPushes,
            ["PushSuppressed"] = PushSuppressed,
            ["Unseen"] = Math.Max(0, Unseen),
            ["SeenUpToSeq"] = SeenUpToSeq,
            ["SeenSteps"] = SeenSteps,
        };
        if (WindowStart > DateTimeOffset.MinValue)
        {
            entity["WindowStart"] = WindowStart;
        }

        return entity;
    }
}
