using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Http;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Members;

/// <summary>A tenant member's status and role. A user without a stored row is an active member.</summary>
public sealed record Member(string UserId, string Status, string Role, DateTimeOffset? UpdatedAt, ETag? ETag)
{
    public bool IsActive => Status == MemberStatuses.Active;
}

/// <summary>Membership status values.</summary>
public static class MemberStatuses
{
    public const string Active = "active";
    public const string Suspended = "suspended";
    public const string Revoked = "revoked";

    public static bool IsValid(string? value) => value is Active or Suspended or Revoked;
}

/// <summary>Stored member roles with special meaning.</summary>
public static class MemberRoles
{
    public const string Member = "member";
    public const string Admin = "admin";

    /// <summary>Roles whose holders administer a tenant; a change to or from one is audited as critical and announced to the admins.</summary>
    public static readonly IReadOnlySet<string> AdminRoles = new HashSet<string>(StringComparer.Ordinal) { Admin, Roles.OrgRootOwner, Roles.Admin };

    public static bool IsAdmin(string role) => AdminRoles.Contains(role);
}

/// <summary>The members table: PartitionKey = tenant, RowKey = user id, so every membership check is one point read.</summary>
public sealed class MemberStore(StorageAccount account)
{
    private const int MaxAdminsNotified = 1000;

    private readonly TableClient _table = account.GetTableClient(StorageNames.MembersTable);

    /// <summary>Reads the member row (never cached: a suspension takes effect on the next request).</summary>
    public async Task<Member> GetAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(tenantId, userId, cancellationToken: cancellationToken);
        return entity is null
            ? new Member(userId, MemberStatuses.Active, MemberRoles.Member, null, null)
            : new Member(
                userId,
                entity.GetString("Status") ?? MemberStatuses.Active,
                entity.GetString("Role") ?? MemberRoles.Member,
                entity.GetDateTimeOffset("UpdatedAt"),
                entity.ETag);
    }

    /// <summary>Reads the member and refuses with 403 MEMBERSHIP_INACTIVE unless the membership is active.</summary>
    public async Task<Member> RequireActiveAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        var member = await GetAsync(tenantId, userId, cancellationToken);
        return member.IsActive
            ? member
            : throw ApiException.Forbidden("MEMBERSHIP_INACTIVE", $"Your membership is {member.Status}.");
    }

    /// <summary>Writes the member if nobody changed it since <paramref name="current"/> was read; throws 409/412 otherwise.</summary>
    public async Task<Member> SaveAsync(string tenantId, Member current, string status, string role, string changedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(tenantId, current.UserId)
        {
            ["Status"] = status,
            ["Role"] = role,
            ["UpdatedAt"] = now,
            ["UpdatedBy"] = changedBy,
        };
        var etag = current.ETag is null
            ? (await _table.AddEntityAsync(entity, cancellationToken)).NewETag()
            : (await _table.UpdateEntityAsync(entity, current.ETag.Value, TableUpdateMode.Replace, cancellationToken)).NewETag();
        return new Member(current.UserId, status, role, now, etag);
    }

    /// <summary>User ids of the tenant's active members whose stored role is an admin role (bounded).</summary>
    public async Task<IReadOnlyList<string>> ListAdminIdsAsync(string tenantId, CancellationToken cancellationToken)
    {
        var anyAdminRole = string.Join(" or ", MemberRoles.AdminRoles.Order(StringComparer.Ordinal).Select(role => TableClient.CreateQueryFilter($"Role eq {role}")));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and Status eq {MemberStatuses.Active}") + " and (" + anyAdminRole + ")";
        var ids = new List<string>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            ids.Add(entity.RowKey);
            if (ids.Count >= MaxAdminsNotified)
            {
                break;
            }
        }

        return ids;
    }
}
