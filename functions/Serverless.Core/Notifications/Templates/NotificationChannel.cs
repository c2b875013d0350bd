namespace Serverless.Core.Notifications.Templates;

/// <summary>Where a notification is delivered; wire names are <c>web|email|sms|mobile_push</c>.</summary>
public enum NotificationChannel
{
    Web,
    Email,
    Sms,
    MobilePush,
}
