using Serverless.Core.Http;

namespace Serverless.Standalone.Hosting;

/// <summary>
/// CORS of the standalone host (Standalone:AllowedOrigins, comma-separated). Listed origins may send credentials; "*"
/// allows any origin but never with credentials (browsers then send no cookies, and bearer tokens are explicit anyway).
/// Unset: any origin without credentials in Development, no cross-origin access at all elsewhere.
/// </summary>
public static class StandaloneCors
{
    public const string AllowedOriginsSetting = "Standalone:AllowedOrigins";

    public static IServiceCollection AddStandaloneCors(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration[AllowedOriginsSetting];
        var origins = (configured ?? (environment.IsDevelopment() ? "*" : ""))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var origin in origins.Where(o => o != "*"))
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || origin.EndsWith('/'))
            {
                throw new InvalidOperationException($"{AllowedOriginsSetting}: '{origin}' is not an origin like https://app.example.com (or '*').");
            }
        }

        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            if (origins.Contains("*"))
            {
                p.AllowAnyOrigin();
            }
            else
            {
                // An empty list allows no origin: the policy then adds no CORS headers.
                p.WithOrigins(origins).AllowCredentials();
            }

            p.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders(Correlation.HeaderName);
        }));
        return services;
    }
}
