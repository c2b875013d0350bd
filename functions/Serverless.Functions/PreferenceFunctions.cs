using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Channels;

namespace Serverless.Functions;

/// <summary>The signed-in user's delivery preferences (channels, per-type lists, quiet hours, digest).</summary>
public sealed class PreferenceFunctions(PreferencesApi preferences)
{
    [Function(nameof(GetNotificationPreferences))]
    public Task<IResult> GetNotificationPreferences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/notifications/preferences")] HttpRequest req) =>
        preferences.GetAsync(req.HttpContext);

    [Function(nameof(PutNotificationPreferences))]
    public Task<IResult> PutNotificationPreferences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/notifications/preferences")] HttpRequest req) =>
        preferences.PutAsync(req.HttpContext);
}
