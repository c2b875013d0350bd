using System.ComponentModel.DataAnnotations;

namespace Serverless.Core.Notifications;

/// <summary>Publishing and delivery limits (section "Notifications").</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>Real-time pushes per user per minute before pushes are held back (critical is never held back).</summary>
    [Range(1, 10_000)]
    public int MaxPushesPerUserPerMinute { get; set; } = 20;

    /// <summary>Recipients one event may name.</summary>
    [Range(1, 10_000)]
    public int MaxRecipients { get; set; } = 10_000;

    /// <summary>How long an Idempotency-Key is remembered.</summary>
    [Range(1, 24 * 7)]
    public int IdempotencyWindowHours { get; set; } = 24;

    /// <summary>Recipients per queue message the processor works on; bigger lists are split into chunk messages.</summary>
    [Range(1, 500)]
    public int ChunkSize { get; set; } = 100;

    /// <summary>Recipients delivered concurrently within one chunk.</summary>
    [Range(1, 64)]
    public int DeliveryConcurrency { get; set; } = 16;

    /// <summary>
    /// Events with at most this many recipients are delivered by the publish function itself, without the queue (0: always
    /// queue). A storage failure during that delivery falls back to the queue.
    /// </summary>
    [Range(0, 100)]
    public int DirectDeliveryMaxRecipients { get; set; } = 10;

    /// <summary>Manual sends (POST /v1/notifications/test) one user may make per minute, per instance.</summary>
    [Range(1, 1_000)]
    public int ManualSendsPerUserPerMinute { get; set; } = 10;
}
