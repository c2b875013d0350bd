using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Http;

namespace Serverless.Core.Health;

/// <summary>GET /api/health (anonymous): 200 when Table, Queue and Blob answer, 503 naming what does not.</summary>
public sealed class HealthApi(StorageHealthCheck check, ILogger<HealthApi> logger)
{
    public Task<IResult> GetAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var report = await check.CheckAsync(TimeSpan.FromSeconds(5), context.RequestAborted);
        var body = new
        {
            status = report.Healthy ? "healthy" : "unhealthy",
            storage = new { table = Describe(report.Table), queue = Describe(report.Queue), blob = Describe(report.Blob) },
        };
        if (report.Healthy)
        {
            return Results.Json(body, ApiJson.Options);
        }

        logger.LogWarning("Health check failed: unreachable {Services}", string.Join(",", report.Unreachable));
        return Results.Json(
            new
            {
                code = "STORAGE_UNREACHABLE",
                message = "Unreachable: " + string.Join(", ", report.Unreachable) + ".",
                body.status,
                body.storage,
            },
            ApiJson.Options,
            statusCode: StatusCodes.Status503ServiceUnavailable);
    });

    private static string Describe(bool reachable) => reachable ? "reachable" : "unreachable";
}
