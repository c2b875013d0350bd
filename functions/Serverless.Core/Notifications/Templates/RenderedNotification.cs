namespace Serverless.Core.Notifications.Templates;

/// <summary>Title and body of a notification after its placeholders were filled.</summary>
public sealed record RenderedNotification(string Title, string Body);
