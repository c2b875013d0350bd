using System.Diagnostics.CodeAnalysis;

namespace Serverless.Core.Notifications.Templates;

/// <summary>Converts notification priorities and channels to and from their lower-case wire names.</summary>
public static class NotificationWireNames
{
    public static string ToWire(NotificationPriority priority) => priority switch
    {
        NotificationPriority.Low => "low",
        NotificationPriority.Normal => "normal",
        NotificationPriority.High => "high",
        NotificationPriority.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "Unknown notification priority."),
    };

    public static string ToWire(NotificationChannel channel) => channel switch
    {
        NotificationChannel.Web => "web",
        NotificationChannel.Email => "email",
        NotificationChannel.Sms => "sms",
        NotificationChannel.MobilePush => "mobile_push",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown notification channel."),
    };

    /// <summary>Parses an exact wire name; enum member names and numbers are not accepted, so "1" or "High" never sneak through.</summary>
    public static bool TryParsePriority([NotNullWhen(true)] string? value, out NotificationPriority priority)
    {
        switch (value)
        {
            case "low": priority = NotificationPriority.Low; return true;
            case "normal": priority = NotificationPriority.Normal; return true;
            case "high": priority = NotificationPriority.High; return true;
            case "critical": priority = NotificationPriority.Critical; return true;
            default: priority = default; return false;
        }
    }

    /// <summary>Parses an exact wire name (<c>web|email|sms|mobile_push</c>).</summary>
    public static bool TryParseChannel([NotNullWhen(true)] string? value, out NotificationChannel channel)
    {
        switch (value)
        {
            case "web": channel = NotificationChannel.Web; return true;
            case "email": channel = NotificationChannel.Email; return true;
            case "sms": channel = NotificationChannel.Sms; return true;
            case "mobile_push": channel = NotificationChannel.MobilePush; return true;
            default: channel = default; return false;
        }
    }
}
