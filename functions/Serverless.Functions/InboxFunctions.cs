using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Inbox;
using Serverless.Functions.Http;
using Serverless.Functions.Realtime;

namespace Serverless.Functions;

/// <summary>The signed-in user's inbox. Changes return their notificationsRead/unreadCountChanged pushes through the SignalR output.</summary>
public sealed class InboxFunctions(InboxApi inbox, CollectingRealtimeSender realtime)
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
    public Task<HttpOutput> MarkNotificationRead([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/notifications/{id}/read")] HttpRequest req, string id) =>
        HttpOutput.From(inbox.MarkReadAsync(req.HttpContext, id), realtime);

    [Function(nameof(MarkAllNotificationsRead))]
    public Task<HttpOutput> MarkAllNotificationsRead([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/mark-all-read")] HttpRequest req) =>
        HttpOutput.From(inbox.MarkAllReadAsync(req.HttpContext), realtime);

    [Function(nameof(DeleteNotification))]
    public Task<HttpOutput> DeleteNotification([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/notifications/{id}")] HttpRequest req, string id) =>
        HttpOutput.From(inbox.DeleteAsync(req.HttpContext, id), realtime);
}
