using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// POST /api/negotiate: the Azure SignalR serverless contract, {"url","accessToken"}, pointing at the in-process hub.
/// The hub user id comes from the validated bearer token, never from anything the client chose.
/// </summary>
public sealed class NegotiateApi(RequestAuthenticator auth, HubTokenIssuer tokens, ILogger<NegotiateApi> logger)
{
    public const string HubPath = "/api/hubs/" + RealtimeUser.HubName;

    public Task<IResult> NegotiateAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var request = context.Request;
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}{HubPath}";
        var accessToken = tokens.Issue(RealtimeUser.HubName, RealtimeUser.Id(caller.TenantId, caller.UserId));
        return Results.Json(new { url, accessToken }, ApiJson.Options);
    });
}
