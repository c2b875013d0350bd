using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Realtime;

namespace Serverless.Functions;

/// <summary>
/// POST /api/negotiate for hub "notifications": Azure SignalR's serverless contract, {url, accessToken}. The SignalR user
/// id comes from the validated bearer token only, never from anything the client sends.
/// </summary>
public sealed class NegotiateFunctions(RequestAuthenticator auth, IRealtimeNegotiator negotiator, ILogger<NegotiateFunctions> logger)
{
    [Function(nameof(Negotiate))]
    public Task<IResult> Negotiate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "negotiate")] HttpRequest req) =>
        ApiEndpoint.RunAsync(req.HttpContext, logger, async () =>
        {
            var caller = await auth.RequireAsync(req);
            var negotiation = await negotiator.NegotiateAsync(caller.TenantId, caller.UserId, req.HttpContext.RequestAborted);
            return Results.Json(negotiation, ApiJson.Options);
        });
}
