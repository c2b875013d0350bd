using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.SignalRService;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Realtime;

namespace Serverless.Functions;

/// <summary>
/// POST /api/negotiate: {"url","accessToken"} from Azure SignalR Service for the hub "notifications". The SignalR user id is
/// taken from the validated bearer token (ServerlessHub.NegotiateAsync), never from a client header.
/// </summary>
[SignalRConnection("AzureSignalRConnectionString")]
public sealed class NegotiateFunctions(IServiceProvider services, RequestAuthenticator auth, ILogger<NegotiateFunctions> logger)
    : ServerlessHub(services)
{
    protected override string HubName => RealtimeUser.HubName;

    [Function(nameof(Negotiate))]
    public Task<IResult> Negotiate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "negotiate")] HttpRequest req) =>
        ApiEndpoint.RunAsync(req.HttpContext, logger, async () =>
        {
            var caller = await auth.RequireAsync(req);
            var negotiation = await NegotiateAsync(new NegotiationOptions { UserId = RealtimeUser.Id(caller.TenantId, caller.UserId) });
            return Results.Text(negotiation.ToString(), "application/json");
        });
}
