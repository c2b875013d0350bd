using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Health;

namespace Serverless.Functions;

/// <summary>GET /api/health (anonymous).</summary>
public sealed class HealthFunctions(HealthApi health)
{
    [Function(nameof(Health))]
    public Task<IResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req) =>
        health.GetAsync(req.HttpContext);
}
