using Microsoft.Extensions.Options;
using Serverless.Core.Auth;
using Serverless.Core.Http;

namespace Serverless.Standalone.Development;

/// <summary>
/// POST /api/dev/token {"userId","tenantId","roles"?}: the web app's development sign-in. Mapped only by the standalone
/// host and only while it validates tokens with the local Auth:SigningKey (an Entra-configured host never mints tokens);
/// the Functions app has no such route.
/// </summary>
public static class DevTokenEndpoint
{
    public const string Route = "/api/dev/token";

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    public static void MapDevToken(this IEndpointRouteBuilder app)
    {
        // The raw setting decides the mapping: the options are validated when the host starts, and a bad key must fail
        // there, naming the setting, not here.
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        if (string.IsNullOrEmpty(configuration[$"{AuthOptions.SectionName}:{nameof(AuthOptions.SigningKey)}"]))
        {
            return;
        }

        app.MapPost(Route, async (HttpContext context, IOptions<AuthOptions> authOptions) =>
        {
            var options = authOptions.Value;
            DevTokenRequest? body;
            try
            {
                body = await context.Request.ReadFromJsonAsync<DevTokenRequest>(ApiJson.Options, context.RequestAborted);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
            {
                return ApiError.Result(400, "VALIDATION_ERROR", "The body must be JSON: {\"userId\", \"tenantId\", \"roles\"?}.");
            }

            var userId = body?.UserId?.Trim();
            var tenantId = body?.TenantId?.Trim();
            if (!TokenValidator.IsValidId(userId) || !TokenValidator.IsValidTenantId(tenantId))
            {
                return ApiError.Result(400, "VALIDATION_ERROR", "'userId' and 'tenantId' must be 1 to 128 characters without / \\ # ? | or control characters, not only dots; a tenant id cannot start with _.");
            }

            var roles = (body!.Roles ?? []).Where(r => !string.IsNullOrWhiteSpace(r)).Distinct(StringComparer.Ordinal).ToArray();
            var expiresAt = DateTimeOffset.UtcNow.Add(Lifetime);
            var token = LocalTokenIssuer.Issue(context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value, userId!, tenantId!, roles, Lifetime);
            return Results.Json(new { accessToken = token, expiresAt, userId, tenantId, roles }, ApiJson.Options);
        });
    }

    private sealed record DevTokenRequest(string? UserId, string? TenantId, string[]? Roles);
}
