using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Inbox;

namespace Serverless.Functions;

/// <summary>Bulk changes to the signed-in user's inbox by filter; other tabs and devices hear notificationsUpdated.</summary>
public sealed class InboxBulkFunctions(InboxApi inbox)
{
    [Function(nameof(BulkUpdateNotifications))]
    public Task<IResult> BulkUpdateNotifications([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/bulk")] HttpRequest req) =>
        inbox.BulkAsync(req.HttpContext);
}
