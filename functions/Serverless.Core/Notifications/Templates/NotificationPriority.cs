namespace Serverless.Core.Notifications.Templates;

/// <summary>How urgently a notification should reach the user; wire names are <c>low|normal|high|critical</c>.</summary>
public enum NotificationPriority
{
    Low,
    Normal,
    High,
    Critical,
}
