using System.ComponentModel.DataAnnotations;

namespace Serverless.Core.Devices;

/// <summary>Settings of the mobile member channel (section "MemberChannel"): per-minute limits and device expiry.</summary>
public sealed class MemberChannelOptions
{
    public const string SectionName = "MemberChannel";

    /// <summary>Device registrations per user and device per minute.</summary>
    [Range(1, 100_000)]
    public int RegisterPermitsPerMinute { get; set; } = 10;

    /// <summary>Device registrations per user (all their devices together) per minute, so new device ids cannot dodge the per-device limit.</summary>
    [Range(1, 100_000)]
    public int RegisterPermitsPerUserPerMinute { get; set; } = 30;

    /// <summary>Devices one user may have registered at once; registering another is 409 DEVICE_LIMIT_REACHED.</summary>
    [Range(1, 1000)]
    public int MaxDevicesPerUser { get; set; } = 20;

    /// <summary>Event polls per user and device per minute.</summary>
    [Range(1, 100_000)]
    public int EventsPermitsPerMinute { get; set; } = 120;

    /// <summary>Acks per user and device per minute.</summary>
    [Range(1, 1_000_000)]
    public int AckPermitsPerMinute { get; set; } = 600;

    /// <summary>Devices not seen for this many days are unregistered by the cleanup timer.</summary>
    [Range(1, 3650)]
    public int DeviceInactiveDays { get; set; } = 270;
}
