using System.Globalization;

namespace Serverless.Core.Channels;

/// <summary>One channel's outcome for one notification and recipient, as the inbox item shows it.</summary>
public sealed record DeliveryRecord(string Channel, string Status, DateTimeOffset At, string? Reason);

/// <summary>What the dispatcher does with one notification for one recipient.</summary>
public sealed record ChannelPlan(IReadOnlyList<DeliveryRecord> Records, bool SendEmail, DateTimeOffset? HoldEmailUntil, bool SendPush);

/// <summary>Which channels are wired up in this deployment.</summary>
public sealed record ChannelCapabilities(bool Email, bool MobilePush);

/// <summary>
/// The per-recipient channel decision, from the preferences stored at delivery time. Pure: the clock, the capabilities and
/// the address are inputs, so every rule is testable without storage.
/// </summary>
public static class ChannelDecision
{
    public const string ReasonPreference = "preference";
    public const string ReasonChannelOff = "channel_off";
    public const string ReasonUnavailable = "channel_unavailable";
    public const string ReasonNoAddress = "no_address";
    public const string ReasonQuietHours = "quiet_hours";
    public const string ReasonDigest = "digest";

    public static ChannelPlan Decide(
        string type,
        string priority,
        IReadOnlyList<string> templateDefaults,
        NotificationPreferences preferences,
        ChannelCapabilities capabilities,
        bool hasEmailAddress,
        DateTimeOffset now)
    {
        var critical = priority == "critical";

        // Critical ignores the type list and the channel switches: in-app plus the template's defaults.
        IReadOnlyList<string> wanted;
        if (critical)
        {
            wanted = templateDefaults.Contains(ChannelNames.Web) ? templateDefaults : [ChannelNames.Web, .. templateDefaults];
        }
        else if (preferences.Types.TryGetValue(type, out var chosen))
        {
            wanted = chosen ?? [];
        }
        else
        {
            wanted = templateDefaults;
        }

        var records = new List<DeliveryRecord>();
        bool sendEmail = false, sendPush = false;
        DateTimeOffset? holdUntil = null;
        var quiet = !critical && preferences.QuietHours is { } q && q.IsQuiet(now);

        foreach (var channel in ChannelNames.All)
        {
            var inList = wanted.Contains(channel);
            var isDefault = templateDefaults.Contains(channel);
            if (!inList)
            {
                // Say why a default channel was not used; channels nobody asked for are not mentioned.
                if (isDefault || channel == ChannelNames.Web)
                {
                    records.Add(new(channel, DeliveryStatuses.Skipped, now, ReasonPreference));
                }

                continue;
            }

            if (!critical && !preferences.ChannelOn(channel))
            {
                records.Add(new(channel, DeliveryStatuses.Skipped, now, ReasonChannelOff));
                continue;
            }

            switch (channel)
            {
                case ChannelNames.Web:
                    // The inbox row is already committed: in-app delivery is done.
                    records.Add(new(channel, DeliveryStatuses.Sent, now, null));
                    break;
                case ChannelNames.Sms:
                    records.Add(new(channel, DeliveryStatuses.Skipped, now, ReasonUnavailable));
                    break;
                case ChannelNames.Email when !capabilities.Email:
                    records.Add(new(channel, DeliveryStatuses.Skipped, now, ReasonUnavailable));
                    break;
                case ChannelNames.Email when !hasEmailAddress:
                    records.Add(new(channel, DeliveryStatuses.Skipped, now, ReasonNoAddress));
                    break;
                case ChannelNames.Email:
                    var digest = !critical && priority is "low" or "normal" && preferences.Digest.Frequency != DigestPreference.Off;
                    if (quiet || digest)
                    {
                        holdUntil = HoldUntil(preferences, digest, now);
                        records.Add(new(channel, DeliveryStatuses.Held, now, quiet ? ReasonQuietHours : ReasonDigest));
                    }
                    else
                    {
                        sendEmail = true;
                        records.Add(new(channel, DeliveryStatuses.Pending, now, null));
                    }

                    break;
                case ChannelNames.MobilePush when !capabilities.MobilePush:
                    records.Add(new(channel, DeliveryStatuses.Skipped, now, ReasonUnavailable));
                    break;
                case ChannelNames.MobilePush when quiet:
                    // A push is a hint of the moment; replaying a night's pushes in the morning helps nobody (the inbox has them).
                    records.Add(new(channel, DeliveryStatuses.Skipped, now, ReasonQuietHours));
                    break;
                case ChannelNames.MobilePush:
                    sendPush = true;
                    records.Add(new(channel, DeliveryStatuses.Pending, now, null));
                    break;
            }
        }

        return new ChannelPlan(records, sendEmail, holdUntil, sendPush);
    }

    /// <summary>When a held email goes out: the next digest window, moved past quiet hours when it falls inside them.</summary>
    internal static DateTimeOffset HoldUntil(NotificationPreferences preferences, bool digest, DateTimeOffset now)
    {
        var quiet = preferences.QuietHours;
        var zone = quiet?.TimeZone ?? TimeZoneInfo.Utc;
        var due = now;
        if (digest)
        {
            due = preferences.Digest.Frequency == DigestPreference.Hourly
                ? TopOfNextHour(now)
                : ChannelClock.NextLocal(now, new TimeOnly(preferences.Digest.Hour, 0), zone);
        }

        if (quiet is not null && quiet.IsQuiet(due))
        {
            due = quiet.EndsAfter(due);
        }

        return CeilingHour(due);
    }

    /// <summary>The digest bucket (UTC hour, yyyyMMddHH) an instant belongs to.</summary>
    public static string Bucket(DateTimeOffset dueHour) => dueHour.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseBucket(string bucket) =>
        new(DateTime.ParseExact(bucket, "yyyyMMddHH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal), TimeSpan.Zero);

    private static DateTimeOffset TopOfNextHour(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
    }

    private static DateTimeOffset CeilingHour(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        var floor = new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
        return floor == utc ? floor : floor.AddHours(1);
    }
}
