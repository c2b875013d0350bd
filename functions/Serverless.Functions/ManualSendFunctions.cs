using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Notifications;

namespace Serverless.Functions;

/// <summary>The CRM's manual send (role notifications.manual): a manual.message to users of the caller's tenant, through the normal pipeline.</summary>
public sealed class ManualSendFunctions(ManualSendApi manual)
{
    [Function(nameof(SendManualNotification))]
    public Task<IResult> SendManualNotification([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/notifications/test")] HttpRequest req) =>
        manual.SendAsync(req.HttpContext);
}
