using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Inbox;

namespace Serverless.Functions;

/// <summary>The signed-in user's inbox. Changes push notificationsRead/unreadCountChanged to the user's other tabs and devices.</summary>
public sealed class InboxFunctions(InboxApi inbox)
{
    [Function(nameof(ListNotifications))]
    public Task<IResult> ListNotifications([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/notifications")] HttpRequest req) =>
        inbox.ListAsync(req.HttpContext);

    [Function(nameof(GetUnreadNotifications))]
    public Task<IResult> GetUnreadNotifications([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/notifications/unread")] HttpRequest req) =>
        inbox.UnreadAsync(req.HttpContext);

    [Function(nameof(GetNotification))]
    public Task<IResult> GetNotification([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/notifications/{id}")] HttpRequest req, string id) =>
        inbox.GetAsync(req.HttpContext, id);

    [Function(nameof(MarkNotificationRead))]
    public Task<IResult> MarkNotificationRead([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/notifications/{id}/read")] HttpRequest req, string id) =>
        inbox.MarkReadAsync(req.HttpContext, id);

    /// <summary>The CRM client's spelling of mark-read; same handler, same 204/404.</summary>
    [Function(nameof(AckNotification))]
    public Task<IResult> AckNotification([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/{id}/ack")] HttpRequest req, string id) =>
        inbox.MarkReadAsync(req.HttpContext, id);

    /// <summary>The CRM client's POST form of PATCH /{id}/read.</summary>
    [Function(nameof(PostNotificationRead))]
    public Task<IResult> PostNotificationRead([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/{id}/read")] HttpRequest req, string id) =>
        inbox.MarkReadAsync(req.HttpContext, id);

    [Function(nameof(ArchiveNotification))]
    public Task<IResult> ArchiveNotification([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/{id}/archive")] HttpRequest req, string id) =>
        inbox.SetArchivedAsync(req.HttpContext, id, true);

    [Function(nameof(UnarchiveNotification))]
    public Task<IResult> UnarchiveNotification([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/{id}/unarchive")] HttpRequest req, string id) =>
        inbox.SetArchivedAsync(req.HttpContext, id, false);

    [Function(nameof(SnoozeNotification))]
    public Task<IResult> SnoozeNotification([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/{id}/snooze")] HttpRequest req, string id) =>
        inbox.SnoozeAsync(req.HttpContext, id);

    [Function(nameof(UnsnoozeNotification))]
    public Task<IResult> UnsnoozeNotification([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/{id}/unsnooze")] HttpRequest req, string id) =>
        inbox.UnsnoozeAsync(req.HttpContext, id);

    [Function(nameof(MarkNotificationsSeen))]
    public Task<IResult> MarkNotificationsSeen([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/seen")] HttpRequest req) =>
        inbox.MarkSeenAsync(req.HttpContext);

    [Function(nameof(MarkAllNotificationsRead))]
    public Task<IResult> MarkAllNotificationsRead([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/mark-all-read")] HttpRequest req) =>
        inbox.MarkAllReadAsync(req.HttpContext);

    [Function(nameof(DeleteNotification))]
    public Task<IResult> DeleteNotification([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/notifications/{id}")] HttpRequest req, string id) =>
        inbox.DeleteAsync(req.HttpContext, id);
}
