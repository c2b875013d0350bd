namespace Serverless.Core.Notifications.Templates;

/// <summary>One catalogue entry: the texts (with <c>{{placeholders}}</c>) and delivery defaults for a notification type.</summary>
public sealed record NotificationTemplate(
    string Type,
    string Title,
    string Body,
    NotificationPriority Priority,
    NotificationChannel Channel,
    int TtlSeconds);
