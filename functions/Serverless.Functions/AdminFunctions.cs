using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Audit;
using Serverless.Core.DeadLetters;

namespace Serverless.Functions;

/// <summary>Tenant administration (role notifications.admin): dead letters and the audit log.</summary>
public sealed class AdminFunctions(DeadLetterApi deadLetters, AuditApi audit)
{
    [Function(nameof(ListDeadLetters))]
    public Task<IResult> ListDeadLetters([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/admin/dead-letters")] HttpRequest req) =>
        deadLetters.ListAsync(req.HttpContext);

    [Function(nameof(ReplayDeadLetter))]
    public Task<IResult> ReplayDeadLetter([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/admin/dead-letters/{id}/replay")] HttpRequest req, string id) =>
        deadLetters.ReplayAsync(req.HttpContext, id);

    [Function(nameof(ListAuditEntries))]
    public Task<IResult> ListAuditEntries([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/admin/audit")] HttpRequest req) =>
        audit.ListAsync(req.HttpContext);
}
