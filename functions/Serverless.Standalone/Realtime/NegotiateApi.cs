using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// POST /api/negotiate: the Azure SignalR serverless contract, {"url","accessToken"}. With AzureSignalRConnectionString
/// set, the Core negotiator answers exactly as in the Functions app; otherwise the url is this host's own client
/// endpoint and the token is signed with its own AccessKey. The hub user id comes from the validated bearer token only.
/// </summary>
public sealed class NegotiateApi(
    RequestAuthenticator auth, SignalRServiceKey serviceKey, TimeProvider time, ILogger<NegotiateApi> logger, SignalRNegotiator? negotiator = null)
{
    public Task<IResult> NegotiateAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        NegotiateResponse response;
        if (negotiator is not null)
        {
            response = await negotiator.NegotiateAsync(caller.TenantId, caller.UserId, context.RequestAborted);
        }
        else
        {
            var request = context.Request;
            var origin = $"{request.Scheme}://{request.Host}{request.PathBase}";
            response = SignalRNegotiator.ForAccessKey(origin, serviceKey.AccessKey, RealtimeUser.Id(caller.TenantId, caller.UserId), time.GetUtcNow());
        }

        return Results.Json(response, ApiJson.Options);
    });
}
