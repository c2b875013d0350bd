using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Serverless.Standalone.Realtime;

namespace Serverless.Standalone.WebApp;

/// <summary>
/// Serves the web app (web/, built into the output folder's "webapp" by the project) at "/": static files, and
/// index.html for client routes. /api and the SignalR client endpoint never fall back to the app, so their unknown
/// paths stay JSON 404s.
/// </summary>
public static class WebAppHosting
{
    /// <summary>Where the build puts the app; "Standalone:WebRoot" overrides it.</summary>
    public static string ResolveRoot(IConfiguration configuration) =>
        configuration["Standalone:WebRoot"] is { Length: > 0 } configured ? configured : Path.Combine(AppContext.BaseDirectory, "webapp");

    public static void UseWebApp(this WebApplication app)
    {
        var root = ResolveRoot(app.Configuration);
        var index = Path.Combine(root, "index.html");
        if (!File.Exists(index))
        {
            app.Logger.LogWarning("No web app at {Root}; build functions/Serverless.Standalone to produce it", root);
            return;
        }

        var files = new PhysicalFileProvider(root);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                // Vite fingerprints everything under assets/; index.html must be revalidated to pick up a new build.
                context.Context.Response.Headers[HeaderNames.CacheControl] =
                    context.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });

        // A middleware rather than MapFallback: a fallback endpoint would also match unknown /api paths and turn
        // their 405s into 404s; here only requests that matched no endpoint are considered.
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (context.GetEndpoint() is not null
                || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                || request.Path.StartsWithSegments("/api")
                || request.Path.StartsWithSegments(StandaloneRealtime.ClientPath))
            {
                await next(context);
                return;
            }

            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            await context.Response.SendFileAsync(files.GetFileInfo("index.html"), context.RequestAborted);
        });
    }
}
