using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Members;

namespace Serverless.Functions;

/// <summary>Tenant member administration (role notifications.admin): status and role, audited.</summary>
public sealed class MemberFunctions(MembersApi members)
{
    [Function(nameof(PutMember))]
    public Task<IResult> PutMember([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/admin/members/{userId}")] HttpRequest req, string userId) =>
        members.PutAsync(req.HttpContext, userId);
}
