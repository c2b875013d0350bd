using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Http;
using Serverless.Core.Notifications;
using Serverless.Core.Realtime;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Members;

/// <summary>PUT /api/v1/admin/members/{userId} (role notifications.admin): sets a member's status and role in the caller's tenant, audited.</summary>
public sealed class MembersApi(
    RequestAuthenticator auth, MemberStore members, AuditLog audit, EventPublisher publisher, IRealtimeSender realtime, TimeProvider time, ILogger<MembersApi> logger)
{
    private const int MaxAttempts = 5;
    private const int MaxIdLength = 128;
    private const int MaxRoleLength = 64;

    public Task<IResult> PutAsync(HttpContext context, string userId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request, Roles.Admin);
        if (!TokenValidator.IsValidId(userId))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'userId' must be 1 to {MaxIdLength} characters without '/', '\\', '#', '?', '|' or control characters.");
        }

        if (string.Equals(userId, caller.UserId, StringComparison.Ordinal))
        {
            // Otherwise an admin could reinstate or re-promote themselves; another admin must make the change.
            throw ApiException.Forbidden("SELF_CHANGE_FORBIDDEN", "You cannot change your own membership status or role.");
        }

        var body = await RequestBody.ReadJsonAsync<MemberUpdate>(context.Request, cancellationToken: context.RequestAborted);
        if (body.Status is null && body.Role is null)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "Set 'status', 'role' or both.");
        }

        if (body.Status is not null && !MemberStatuses.IsValid(body.Status))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'status' must be active, suspended or revoked.");
        }

        if (body.Role is not null && !IsValidRole(body.Role))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'role' must be 1 to {MaxRoleLength} characters of a-z, 0-9, '.', '_' or '-'.");
        }

        var correlationId = Correlation.GetOrCreate(context);
        for (var attempt = 1; ; attempt++)
        {
            var before = await members.GetAsync(caller.TenantId, userId, context.RequestAborted);
            var status = body.Status ?? before.Status;
            var role = body.Role ?? before.Role;
            if (status == before.Status && role == before.Role)
            {
                // Nothing changes (also a retried PUT that already succeeded): no write, no audit entry.
                return Results.Json(View(before), ApiJson.Options);
            }

            Member after;
            try
            {
                after = await members.SaveAsync(caller.TenantId, before, status, role, caller.UserId, time.GetUtcNow(), context.RequestAborted);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another admin changed this member between our read and write; decide again from the new state.
                continue;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                throw ApiException.Conflict("CONCURRENT_UPDATE", "The member is being changed by someone else; try again.");
            }

            // The change is committed: its audit entry must be written even if the caller has hung up.
            await AuditAndNotifyAsync(caller, before, after, correlationId, CancellationToken.None);
            if (before.Status == MemberStatuses.Active && after.Status != MemberStatuses.Active)
            {
                await CloseConnectionsAsync(caller.TenantId, after.UserId, after.Status);
            }

            return Results.Json(View(after), ApiJson.Options);
        }
    });

    private async Task AuditAndNotifyAsync(CallerPrincipal caller, Member before, Member after, string correlationId, CancellationToken cancellationToken)
    {
        var beforeSnapshot = new { status = before.Status, role = before.Role };
        var afterSnapshot = new { status = after.Status, role = after.Role };
        if (before.Role != after.Role)
        {
            var adminChange = MemberRoles.IsAdmin(before.Role) || MemberRoles.IsAdmin(after.Role);
            await audit.AppendAsync(
                caller.TenantId, caller.UserId, adminChange ? "user.admin_change" : "user.role_change", after.UserId, beforeSnapshot, afterSnapshot,
                adminChange ? AuditSensitivity.Critical : AuditSensitivity.High, correlationId, cancellationToken);
            if (adminChange)
            {
                await NotifyAdminsAsync(caller, before, after, cancellationToken);
            }
        }

        if (before.Status != after.Status)
        {
            await audit.AppendAsync(
                caller.TenantId, caller.UserId, "member.status_change", after.UserId, beforeSnapshot, afterSnapshot,
                AuditSensitivity.High, correlationId, cancellationToken);
        }
    }

    private async Task NotifyAdminsAsync(CallerPrincipal caller, Member before, Member after, CancellationToken cancellationToken)
    {
        try
        {
            // Read after the write: a newly promoted admin is told, a demoted one no longer is.
            var admins = await members.ListAdminIdsAsync(caller.TenantId, cancellationToken);
            await publisher.PublishInternalAsync(
                caller.TenantId, caller.UserId, "user.admin_change", admins,
                new { userId = after.UserId, previousRole = before.Role, role = after.Role, changedBy = caller.UserId }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The change and its audit entry are committed; the announcement is best effort and the audit log is the record.
            logger.LogWarning(ex, "Could not notify the admins of tenant {Tenant} about an admin change", caller.TenantId);
        }
    }

    /// <summary>
    /// Open hub connections outlive the request-time membership check: a suspended or revoked member's tabs would keep
    /// hearing pushes until they reconnect. Best effort, like every push; a reconnect is refused by the hub's own check.
    /// </summary>
    private async Task CloseConnectionsAsync(string tenantId, string userId, string status)
    {
        try
        {
            await realtime.CloseUserConnectionsAsync(RealtimeUser.Id(tenantId, userId), "membership " + status, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not close the open connections of a {Status} member", status);
        }
    }

    private static MemberView View(Member member) => new(member.UserId, member.Status, member.Role, member.UpdatedAt);

    private static bool IsValidRole(string value) =>
        value.Length is > 0 and <= MaxRoleLength && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');

    private sealed record MemberUpdate(string? Status, string? Role);
}

/// <summary>A member as the admin API returns it.</summary>
public sealed record MemberView(string UserId, string Status, string Role, DateTimeOffset? UpdatedAt);
