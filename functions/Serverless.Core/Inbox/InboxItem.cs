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

    /// <summary>Snoozed items leave the default list and both counts until the wake-up timer (or unsnooze) brings them back.</summary>
    public bool Snoozed { get; init; }

    /// <summary>When a snoozed item comes back; null unless snoozed.</summary>
    public DateTimeOffset? SnoozedUntil { get; init; }

    /// <summary>When the wake-up timer last brought this item back: a seen move before it does not cover the item again.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateTimeOffset? WokenAt { get; init; }

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
            Snoozed = entity.GetBoolean("Snoozed") ?? false,
            // Like ArchivedAt: unsnooze is a merge and leaves the old value behind.
            SnoozedUntil = entity.GetBoolean("Snoozed") == true ? entity.GetDateTimeOffset("SnoozedUntil") : null,
            WokenAt = entity.GetDateTimeOffset("WokenAt"),
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
/// neither archived nor snoozed (expired ones too, until the cleanup timer removes them and subtracts them), plus the
/// woken ones below it: Woken ("seq,seq,...", oldest first, at most <see cref="MaxWoken"/>) lists the items the snooze
/// timer brought back at or below the watermark, unseen again until a POST /seen covers them. Every seq in Woken is a
/// row that exists and is neither archived nor snoozed; writers that take one out of the count also take it off the list.
/// SeenSteps keeps the last few watermark moves ("seq:unixMs,...") so items can say when they were seen without a write per row.
/// A counter written before seen existed has neither field: everything up to its Seq counts as seen.
/// </remarks>
public sealed record InboxCounter(long Seq, int Unread, DateTimeOffset WindowStart, int WindowPushes, bool PushSuppressed, ETag? ETag,
    int Unseen = 0, long SeenUpToSeq = 0, string SeenSteps = "", string Woken = "")
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
        e.GetString("SeenSteps") ?? "",
        e.GetString("Woken") ?? "");

    /// <summary>Watermark moves kept for seenAt; older items report the oldest kept time (an upper bound).</summary>
    public const int MaxSeenSteps = 20;

    /// <summary>Woken seqs kept below the watermark; when more are woken, the oldest counts as seen.</summary>
    public const int MaxWoken = 100;

    /// <summary>
    /// When the item with this seq was seen: the time of the first kept watermark move that covered it; null when unseen or unknown.
    /// For an item the snooze timer brought back (<paramref name="notBefore"/> = when it woke), only a move after that counts.
    /// </summary>
    public DateTimeOffset? SeenAt(long seq, DateTimeOffset? notBefore = null)
    {
        if (IsUnseen(seq) || SeenSteps.Length == 0)
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
            if (upTo >= seq && (notBefore is not { } woke || at >= woke))
            {
                return at;
            }
        }

        return notBefore is null ? first : null;
    }

    /// <summary>Whether the row with this seq counts as unseen (when it is neither archived nor snoozed).</summary>
    public bool IsUnseen(long seq) => seq > SeenUpToSeq || WokenSeqs().Contains(seq);

    /// <summary>The woken seqs, oldest first.</summary>
    public List<long> WokenSeqs() =>
        Woken.Length == 0 ? [] : Woken.Split(',').Select(w => long.Parse(w, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>The counter after these rows (neither archived nor snoozed before) leave the unseen set: archived, snoozed or deleted.</summary>
    internal InboxCounter LeaveUnseen(IEnumerable<long> seqs)
    {
        var leaving = seqs.ToHashSet();
        var woken = WokenSeqs();
        return this with
        {
            Unseen = Math.Max(0, Unseen - leaving.Count(IsUnseen)),
            Woken = woken.RemoveAll(leaving.Contains) > 0 ? JoinSeqs(woken) : Woken,
        };
    }

    /// <summary>
    /// The counter after the snooze timer brought this row back (not archived): unseen again. Above the watermark the
    /// seq range counts it; at or below, it joins Woken, and past <see cref="MaxWoken"/> the oldest woken one counts as seen.
    /// </summary>
    internal InboxCounter WakeUnseen(long seq)
    {
        if (seq > SeenUpToSeq)
        {
            return this with { Unseen = Unseen + 1 };
        }

        var woken = WokenSeqs();
        if (woken.Contains(seq))
        {
            return this;
        }

        woken.Add(seq);
        var unseen = Unseen + 1;
        if (woken.Count > MaxWoken)
        {
            unseen -= woken.Count - MaxWoken;
            woken.RemoveRange(0, woken.Count - MaxWoken);
        }

        return this with { Unseen = Math.Max(0, unseen), Woken = JoinSeqs(woken) };
    }

    /// <summary>The watermark moves to upToSeq; unseen is the recount (woken seqs all lie below the new watermark and are seen now).</summary>
    internal InboxCounter WithSeen(long upToSeq, int unseen, DateTimeOffset at) =>
        WithStep(upToSeq, at) with { SeenUpToSeq = upToSeq, Unseen = Math.Max(0, unseen), Woken = "" };

    /// <summary>A POST /seen below the watermark: it moves nothing but sees the woken items it covers.</summary>
    internal InboxCounter WithWokenSeen(long upToSeq, DateTimeOffset at)
    {
        var woken = WokenSeqs();
        var seen = woken.RemoveAll(w => w <= upToSeq);
        return seen == 0 ? this : WithStep(upToSeq, at) with { Unseen = Math.Max(0, Unseen - seen), Woken = JoinSeqs(woken) };
    }

    // A step below the watermark (woken items seen again) leaves other items' seenAt alone: an earlier step covers them.
    private InboxCounter WithStep(long upToSeq, DateTimeOffset at)
    {
        var steps = SeenSteps.Length == 0 ? [] : SeenSteps.Split(',').ToList();
        steps.Add(upToSeq.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (steps.Count > MaxSeenSteps)
        {
            steps.RemoveRange(0, steps.Count - MaxSeenSteps);
        }

        return this with { SeenSteps = string.Join(',', steps) };
    }

    private static string JoinSeqs(IEnumerable<long> seqs) => string.Join(',', seqs.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)));

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
            ["Woken"] = Woken,
        };
        if (WindowStart > DateTimeOffset.MinValue)
        {
            entity["WindowStart"] = WindowStart;
        }

        return entity;
    }
}
