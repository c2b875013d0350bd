using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Serverless.Core.Http;

/// <summary>The x-correlation-id of a request: the caller's when it sent a sane one, otherwise a new one.</summary>
public static class Correlation
{
    public const string HeaderName = "x-correlation-id";
    private const string ItemKey = "Serverless.CorrelationId";
    private const string ScopeKey = "Serverless.CorrelationScope";

    public static string GetOrCreate(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var existing) && existing is string id)
        {
            return id;
        }

        var incoming = context.Request.Headers[HeaderName].ToString();
        id = IsSafe(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.Items[ItemKey] = id;
        context.Response.Headers[HeaderName] = id;
        return id;
    }

    /// <summary>
    /// A logging scope carrying the correlation id, begun once per request: the standalone host opens it in its
    /// middleware, the Functions host in ApiEndpoint; a second call in the same request returns null.
    /// </summary>
    public static IDisposable? BeginScope(HttpContext context, ILogger logger)
    {
        if (context.Items.ContainsKey(ScopeKey))
        {
            return null;
        }

        context.Items[ScopeKey] = true;
        return logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = GetOrCreate(context) });
    }

    // Echoing arbitrary header values into logs and responses invites log forging; keep ids boring.
    private static bool IsSafe(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
