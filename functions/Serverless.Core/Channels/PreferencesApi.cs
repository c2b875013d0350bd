using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Http;

namespace Serverless.Core.Channels;

/// <summary>GET and PUT /api/v1/notifications/preferences: the signed-in user's own document.</summary>
public sealed class PreferencesApi(RequestAuthenticator auth, PreferenceStore store, TemplateChannels templates, ILogger<PreferencesApi> logger)
{
    public Task<IResult> GetAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var preferences = await store.GetAsync(caller.TenantId, caller.UserId, context.RequestAborted);
        return Document(preferences);
    });

    public Task<IResult> PutAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var body = await RequestBody.ReadBytesAsync(context.Request, NotificationPreferences.MaxDocumentBytes, context.RequestAborted);
        var preferences = NotificationPreferences.Parse(body, templates);
        await store.SaveAsync(caller.TenantId, caller.UserId, preferences, context.RequestAborted);
        return Document(preferences);
    });

    private static IResult Document(NotificationPreferences preferences) =>
        Results.Text(preferences.ToJson(), "application/json; charset=utf-8", System.Text.Encoding.UTF8, StatusCodes.Status200OK);
}
