using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.SignalRService;
using Microsoft.Azure.SignalR.Management;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Realtime;

namespace Serverless.Functions;

/// <summary>
/// The serverless hub "notifications" (the isolated worker names a ServerlessHub after its class; Azure SignalR hub
/// names are case-insensitive). POST /api/negotiate returns {"url","accessToken"}; the SignalR user id comes from the
/// validated bearer token, never from a client header. Registered in Program.cs with AddServerlessHub.
/// </summary>
[SignalRConnection("AzureSignalRConnectionString")]
public sealed class Notifications(IServiceProvider services, RequestAuthenticator auth, ILogger<Notifications> logger)
    : ServerlessHub(services)
{
    [Function(nameof(Negotiate))]
    public Task<IResult> Negotiate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "negotiate")] HttpRequest req) =>
        ApiEndpoint.RunAsync(req.HttpContext, logger, async () =>
        {
            var caller = await auth.RequireAsync(req);
            var negotiation = await NegotiateAsync(new NegotiationOptions { UserId = RealtimeUser.Id(caller.TenantId, caller.UserId) });
            return Results.Text(negotiation.ToString(), "application/json");
        });
}
