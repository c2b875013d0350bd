namespace Serverless.Core.Notifications.Templates;

/// <summary>
/// One catalogue entry: the texts (with <c>{{placeholders}}</c>) and delivery defaults for a notification type.
/// <paramref name="IsInternal"/> marks a type only the product itself raises (it speaks for the product): producers cannot publish it.
/// </summary>
public sealed record NotificationTemplate(
    string Type,
    string Title,
    string Body,
    NotificationPriority Priority,
    NotificationChannel Channel,
    int TtlSeconds,
    bool IsInternal = false);
