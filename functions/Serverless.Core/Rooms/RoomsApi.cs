using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Cursors;
using Serverless.Core.Http;
using Serverless.Core.Realtime;

namespace Serverless.Core.Rooms;

/// <summary>The create-room request body.</summary>
public sealed record CreateRoomRequest(string? Name);

/// <summary>The set-member request body.</summary>
public sealed record SetMemberRequest(string? Role);

/// <summary>A member on the wire.</summary>
public sealed record RoomMemberView(string UserId, string Role, DateTimeOffset AddedAt);

/// <summary>A room on the wire, with the caller's role and (for a single room) its members.</summary>
public sealed record RoomView(string RoomId, string Name, string CreatedBy, DateTimeOffset CreatedAt, string MyRole, IReadOnlyList<RoomMemberView> Members)
{
    /// <summary>The room's latest chat sequence number.</summary>
    public long LastSeq { get; init; }

    /// <summary>Chat entries after the caller's read position.</summary>
    public long UnreadCount { get; init; }
}

/// <summary>
/// Rooms and their members over REST. Everything is inside the caller's tenant, and a room the caller is not a member of
/// answers exactly like a missing one (404 ROOM_NOT_FOUND), so room ids cannot be probed.
/// </summary>
public sealed class RoomsApi(
    RequestAuthenticator auth, RoomStore rooms, Chat.RoomMessageStore chat, AuditLog audit, IRealtimeSender realtime, CursorProtector cursors, ILogger<RoomsApi> logger)
{
    public const int MaxNameLength = 100;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;
    private const string CursorPurpose = "rooms";

    /// <summary>POST /api/v1/rooms: 201; the creator is the first OWNER.</summary>
    public Task<IResult> CreateAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var body = await RequestBody.ReadJsonAsync<CreateRoomRequest>(context.Request, cancellationToken: context.RequestAborted);
        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'name' must be 1 to {MaxNameLength} printable characters.");
        }

        var room = await rooms.CreateAsync(caller.TenantId, caller.UserId, name, context.RequestAborted);
        await JoinGroupAsync(caller.TenantId, caller.UserId, room.RoomId, add: true);
        // Just created: the creator is the only member, no need to read it back.
        RoomMember[] members = [new(caller.UserId, RoomRole.Owner, room.CreatedAt)];
        return Results.Json(ToView(room, RoomRole.Owner, members), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    });

    /// <summary>GET /api/v1/rooms?limit&amp;cursor: one page of the rooms the caller is a member of, in room-id (creation) order.</summary>
    public Task<IResult> ListAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var limit = QueryParameters.Limit(context.Request, DefaultPageSize, MaxPageSize);
        var subject = caller.TenantId + "|" + caller.UserId;
        string? after = null;
        var cursor = context.Request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !cursors.TryUnprotect(CursorPurpose, subject, cursor, out after))
        {
            throw ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid for this user.");
        }

        var page = await rooms.ListRoomsOfUserAsync(caller.TenantId, caller.UserId, after, limit, context.RequestAborted);
        // One point read per room on the page (its read state), so the cost stays bounded by the page size.
        var reads = await Task.WhenAll(page.Items.Select(r => chat.GetReadStateAsync(caller.TenantId, r.RoomId, caller.UserId, context.RequestAborted)));
        var items = page.Items.Select((r, i) => new
        {
            roomId = r.RoomId, name = r.Name, myRole = RoomRoleWireNames.ToWire(r.Role), lastSeq = reads[i].LastSeq, unreadCount = reads[i].UnreadCount,
        }).ToList();
        var next = page.LastRoomId is { } last ? cursors.Protect(CursorPurpose, subject, last) : null;
        return Results.Json(new { items, nextCursor = next }, ApiJson.Options);
    });

    /// <summary>GET /api/v1/rooms/{roomId}: the room, its members and the caller's role.</summary>
    public Task<IResult> GetAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, context.RequestAborted);
        var read = chat.GetReadStateAsync(caller.TenantId, roomId, caller.UserId, context.RequestAborted);
        var members = await rooms.ListMembersAsync(caller.TenantId, roomId, context.RequestAborted);
        var state = await read;
        return Results.Json(ToView(membership.Room, membership.Role, members) with { LastSeq = state.LastSeq, UnreadCount = state.UnreadCount }, ApiJson.Options);
    });

    /// <summary>PUT /api/v1/rooms/{roomId}/members/{userId} {"role"}: owners only; adds the user or changes their role.</summary>
    public Task<IResult> SetMemberAsync(HttpContext context, string roomId, string userId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        await RequireOwnerAsync(caller, roomId, context.RequestAborted);
        ValidateUserId(userId);
        var body = await RequestBody.ReadJsonAsync<SetMemberRequest>(context.Request, cancellationToken: context.RequestAborted);
        if (!RoomRoleWireNames.TryParse(body.Role, out var role))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'role' must be OWNER, EDITOR or VIEWER.");
        }

        var change = await rooms.SetRoleAsync(caller.TenantId, roomId, userId, role, context.RequestAborted);
        if (change.Before != change.After)
        {
            var action = change.Before is null ? "room.member_added" : "room.member_role_changed";
            await AuditAsync(context, caller, action, roomId, userId, change);
            if (change.Before is null)
            {
                await JoinGroupAsync(caller.TenantId, userId, roomId, add: true);
            }
        }

        var status = change.Before is null ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        return Results.Json(new { roomId, userId, role = RoomRoleWireNames.ToWire(role) }, ApiJson.Options, statusCode: status);
    });

    /// <summary>DELETE /api/v1/rooms/{roomId}/members/{userId}: owners only, or any member removing themselves (leaving); 204.</summary>
    public Task<IResult> RemoveMemberAsync(HttpContext context, string roomId, string userId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var leaving = string.Equals(userId, caller.UserId, StringComparison.Ordinal);
        if (leaving)
        {
            // Any role may leave; the last-owner rule is the store's, so a last owner still gets 409 LAST_OWNER.
            await rooms.RequireMemberAsync(caller, roomId, context.RequestAborted);
        }
        else
        {
            await RequireOwnerAsync(caller, roomId, context.RequestAborted);
        }

        ValidateUserId(userId);
        var change = await rooms.RemoveAsync(caller.TenantId, roomId, userId, context.RequestAborted);
        await AuditAsync(context, caller, leaving ? "room.member_left" : "room.member_removed", roomId, userId, change);
        await JoinGroupAsync(caller.TenantId, userId, roomId, add: false);
        return Results.NoContent();
    });

    /// <summary>PUT (mute) or DELETE (unmute) /api/v1/rooms/{roomId}/mute: any member, for themselves; 200 {roomId, muted}.</summary>
    public Task<IResult> SetMutedAsync(HttpContext context, string roomId, bool muted) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        await rooms.RequireMemberAsync(caller, roomId, context.RequestAborted);
        if (!await rooms.SetMutedAsync(caller.TenantId, roomId, caller.UserId, muted, context.RequestAborted))
        {
            throw ApiException.NotFound("ROOM_NOT_FOUND", "Room not found.");
        }

        return Results.Json(new { roomId, muted }, ApiJson.Options);
    });

    private async Task RequireOwnerAsync(CallerPrincipal caller, string roomId, CancellationToken cancellationToken)
    {
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        if (membership.Role != RoomRole.Owner)
        {
            throw ApiException.Forbidden("FORBIDDEN", "Only an owner of the room can change its members.");
        }
    }

    private static void ValidateUserId(string userId)
    {
        if (!Auth.TokenValidator.IsValidId(userId))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "The user id must be 1 to 128 characters without / \\ # ? | or control characters.");
        }
    }

    private Task<AuditEntry> AuditAsync(HttpContext context, CallerPrincipal caller, string action, string roomId, string userId, MembershipChange change) =>
        audit.AppendAsync(
            caller.TenantId,
            caller.UserId,
            action,
            $"room:{roomId}/member:{userId}",
            change.Before is { } before ? new { userId, role = RoomRoleWireNames.ToWire(before) } : null,
            change.After is { } after ? new { userId, role = RoomRoleWireNames.ToWire(after) } : null,
            AuditSensitivity.Normal,
            Correlation.GetOrCreate(context),
            context.RequestAborted);

    private async Task JoinGroupAsync(string tenantId, string userId, string roomId, bool add)
    {
        try
        {
            var hubUser = RealtimeUser.Id(tenantId, userId);
            var group = RoomGroupSource.GroupName(roomId);
            await (add ? realtime.AddUserToGroupAsync(hubUser, group) : realtime.RemoveUserFromGroupAsync(hubUser, group));
        }
        catch (Exception ex)
        {
            // Membership is committed; a connection that missed the change joins its groups again on reconnect.
            logger.LogWarning(ex, "Updating the room group failed");
        }
    }

    private static RoomView ToView(Room room, RoomRole myRole, IReadOnlyList<RoomMember> members) => new(
        room.RoomId,
        room.Name,
        room.CreatedBy,
        room.CreatedAt,
        RoomRoleWireNames.ToWire(myRole),
        members.Select(m => new RoomMemberView(m.UserId, RoomRoleWireNames.ToWire(m.Role), m.AddedAt)).ToList());
}
