using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Http;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Rooms;

/// <summary>
/// Rooms in Table storage. A room's partition ({tenant}|{roomId}) holds the room row (with the owner count) and one row per
/// member (m|{userId}), so every membership change is one entity group transaction that also updates the room row under
/// its ETag: two concurrent changes cannot both pass the last-owner check. A per-user index ({tenant}|u|{userId}, RowKey
/// roomId) lists a user's rooms; it is written after the room partition and is only a pointer, re-checked on read.
/// The room row also counts the members (at most <see cref="MaxMembers"/>), so every list of a room's members — the room
/// view, @mention resolution, upload announcements — is bounded by that number, not by whatever the data holds.
/// </summary>
public sealed class RoomStore(StorageAccount account, TimeProvider time)
{
    private const string RoomRow = "room";
    private const string MemberPrefix = "m|";
    private const int MaxAttempts = 5;

    /// <summary>Members one room holds at most: one storage page of member rows.</summary>
    public const int MaxMembers = 1000;

    public TableClient Table { get; } = account.GetTableClient(StorageNames.RoomsTable);

    public static string RoomPartition(string tenantId, string roomId) => tenantId + "|" + roomId;

    public static string UserPartition(string tenantId, string userId) => tenantId + "|u|" + userId;

    public static bool IsRoomId(string? roomId) =>
        roomId is { Length: > 5 and <= 64 } && roomId.StartsWith("room_", StringComparison.Ordinal) && roomId[5..].All(char.IsAsciiLetterOrDigit);

    public async Task<Room> CreateAsync(string tenantId, string ownerId, string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var room = new Room("room_" + Guid.CreateVersion7().ToString("N"), name, ownerId, now);
        var pk = RoomPartition(tenantId, room.RoomId);
        await Table.SubmitValidatedTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity(pk, RoomRow)
            {
                ["Name"] = name, ["CreatedBy"] = ownerId, ["CreatedAt"] = now, ["OwnerCount"] = 1, ["MemberCount"] = 1,
            }),
            new(TableTransactionActionType.Add, MemberEntity(pk, ownerId, RoomRole.Owner, now)),
        ], cancellationToken);
        await WriteIndexAsync(tenantId, ownerId, room.RoomId, RoomRole.Owner, name);
        return room;
    }

    /// <summary>The room and the user's role in it; null when the room does not exist or the user is not a member.</summary>
    public async Task<RoomMembership?> FindMembershipAsync(string tenantId, string roomId, string userId, CancellationToken cancellationToken)
    {
        if (!IsRoomId(roomId))
        {
            return null;
        }

        var pk = RoomPartition(tenantId, roomId);
        var roomRead = Table.GetEntityOrDefaultAsync(pk, RoomRow, cancellationToken: cancellationToken);
        var member = await Table.GetEntityOrDefaultAsync(pk, MemberPrefix + userId, cancellationToken: cancellationToken);
        var room = await roomRead;
        return room is null || member is null || !RoomRoleWireNames.TryParse(member.GetString("Role"), out var role)
            ? null
            : new RoomMembership(ToRoom(roomId, room), role);
    }

    /// <summary>The caller's membership of the room, or 404 ROOM_NOT_FOUND (also for another tenant's room or a malformed id).</summary>
    public async Task<RoomMembership> RequireMemberAsync(CallerPrincipal caller, string roomId, CancellationToken cancellationToken) =>
        await FindMembershipAsync(caller.TenantId, roomId, caller.UserId, cancellationToken)
        ?? throw ApiException.NotFound("ROOM_NOT_FOUND", "Room not found.");

    public async Task<IReadOnlyList<RoomMember>> ListMembersAsync(string tenantId, string roomId, CancellationToken cancellationToken)
    {
        var pk = RoomPartition(tenantId, roomId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {MemberPrefix} and RowKey lt {"m}"}");
        var members = new List<RoomMember>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (RoomRoleWireNames.TryParse(row.GetString("Role"), out var role))
            {
                members.Add(new RoomMember(row.RowKey[MemberPrefix.Length..], role, row.GetDateTimeOffset("AddedAt") ?? DateTimeOffset.UnixEpoch, row.GetBoolean("Muted") == true));
            }
        }

        return members;
    }

    /// <summary>
    /// One page of the rooms a user is a member of (from the per-user index, in room-id order after <paramref name="afterRoomId"/>),
    /// with the user's role: one range query of at most <paramref name="limit"/> + 1 rows and one point read per listed room.
    /// </summary>
    public async Task<RoomIndexPage> ListRoomsOfUserAsync(string tenantId, string userId, string? afterRoomId, int limit, CancellationToken cancellationToken)
    {
        var partition = UserPartition(tenantId, userId);
        var filter = afterRoomId is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {afterRoomId}");
        var (entries, more) = await Table.QueryLimitAsync(filter, null, limit, cancellationToken);

        // The index is written after the room's own transaction, so it can lag (a client hanging up, a remove racing a
        // role change). The member row in the room's partition is the truth: keep what it confirms, drop what it does not.
        var confirmed = await Task.WhenAll(entries.Select(async entry =>
        {
            var member = await Table.GetEntityOrDefaultAsync(RoomPartition(tenantId, entry.RowKey), MemberPrefix + userId, ["Role"], cancellationToken);
            if (member is not null && RoomRoleWireNames.TryParse(member.GetString("Role"), out var role))
            {
                return ((string RoomId, string Name, RoomRole Role)?)(entry.RowKey, entry.GetString("Name") ?? "", role);
            }

            try
            {
                await Table.DeleteEntityAsync(entry.PartitionKey, entry.RowKey, entry.ETag, CancellationToken.None);
            }
            catch (RequestFailedException ex) when (ex.IsConcurrencyConflict())
            {
                // Rewritten since the query (re-added to the room): the row belongs to that write now; leave it.
            }

            return null;
        }));

        return new RoomIndexPage(confirmed.OfType<(string RoomId, string Name, RoomRole Role)>().ToList(), more ? entries[^1].RowKey : null);
    }

    /// <summary>Mutes or unmutes the room's notifications for one member; false when the user is not (or no longer) a member.</summary>
    public async Task<bool> SetMutedAsync(string tenantId, string roomId, string userId, bool muted, CancellationToken cancellationToken)
    {
        try
        {
            // A merge on the member row only: a role change keeps the flag, a removal drops it with the row.
            await Table.UpdateEntityAsync(new TableEntity(RoomPartition(tenantId, roomId), MemberPrefix + userId) { ["Muted"] = muted }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsNotFound())
        {
            return false;
        }
    }

    /// <summary>Adds the user or changes their role; 409 LAST_OWNER when it would demote the room's last owner.</summary>
    public Task<MembershipChange> SetRoleAsync(string tenantId, string roomId, string userId, RoomRole role, CancellationToken cancellationToken) =>
        ChangeAsync(tenantId, roomId, userId, role, cancellationToken);

    /// <summary>Removes the user; 404 MEMBER_NOT_FOUND when not a member, 409 LAST_OWNER for the last owner.</summary>
    public Task<MembershipChange> RemoveAsync(string tenantId, string roomId, string userId, CancellationToken cancellationToken) =>
        ChangeAsync(tenantId, roomId, userId, null, cancellationToken);

    private async Task<MembershipChange> ChangeAsync(string tenantId, string roomId, string userId, RoomRole? newRole, CancellationToken cancellationToken)
    {
        var pk = RoomPartition(tenantId, roomId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var roomRead = Table.GetEntityOrDefaultAsync(pk, RoomRow, cancellationToken: cancellationToken);
            var member = await Table.GetEntityOrDefaultAsync(pk, MemberPrefix + userId, cancellationToken: cancellationToken);
            var room = await roomRead ?? throw ApiException.NotFound("ROOM_NOT_FOUND", "Room not found.");
            RoomRole? before = member is not null && RoomRoleWireNames.TryParse(member.GetString("Role"), out var current) ? current : null;
            if (before is null && newRole is null)
            {
                throw ApiException.NotFound("MEMBER_NOT_FOUND", "That user is not a member of this room.");
            }

            if (before == newRole)
            {
                return new MembershipChange(before, newRole);
            }

            var owners = room.GetInt32("OwnerCount") ?? 0;
            owners += (newRole == RoomRole.Owner ? 1 : 0) - (before == RoomRole.Owner ? 1 : 0);
            if (owners < 1)
            {
                throw ApiException.Conflict("LAST_OWNER", "A room must keep at least one owner; make someone else an owner first.");
            }

            // Rooms created before the member count existed are counted once, then kept in step like the owner count.
            var members = room.GetInt32("MemberCount") ?? await CountMembersAsync(pk, cancellationToken);
            members += (before is null ? 1 : 0) - (newRole is null ? 1 : 0);
            if (before is null && members > MaxMembers)
            {
                throw ApiException.Conflict("ROOM_FULL", $"A room holds at most {MaxMembers} members.");
            }

            var roomUpdate = new TableEntity(pk, RoomRow) { ["OwnerCount"] = owners, ["MemberCount"] = members };
            var memberAction = (before, newRole) switch
            {
                (null, { } added) => new TableTransactionAction(TableTransactionActionType.Add, MemberEntity(pk, userId, added, time.GetUtcNow())),
                (_, null) => new TableTransactionAction(TableTransactionActionType.Delete, member!, member!.ETag),
                (_, { } changed) => new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, member!.RowKey) { ["Role"] = RoomRoleWireNames.ToWire(changed) }, member.ETag),
            };

            try
            {
                await Table.SubmitValidatedTransactionAsync([new(TableTransactionActionType.UpdateMerge, roomUpdate, room.ETag), memberAction], cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
                continue; // Another change in this room committed first: re-read and decide again.
            }

            if (newRole is { } role)
            {
                await WriteIndexAsync(tenantId, userId, roomId, role, room.GetString("Name") ?? "");
            }
            else
            {
                // The room's transaction has committed: keep the index in step even if the caller has gone away.
                await Table.DeleteEntityAsync(UserPartition(tenantId, userId), roomId, cancellationToken: CancellationToken.None);
            }

            return new MembershipChange(before, newRole);
        }

        throw ApiException.Conflict("CONCURRENT_CHANGE", "The room's membership is changing concurrently; retry.");
    }

    private async Task<int> CountMembersAsync(string pk, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {MemberPrefix} and RowKey lt {"m}"}");
        var count = 0;
        await foreach (var _ in Table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    // Runs after the room's transaction committed, so it does not take the request's cancellation.
    private async Task WriteIndexAsync(string tenantId, string userId, string roomId, RoomRole role, string name) =>
        await Table.UpsertEntityAsync(
            new TableEntity(UserPartition(tenantId, userId), roomId) { ["Name"] = name, ["Role"] = RoomRoleWireNames.ToWire(role) },
            TableUpdateMode.Replace,
            CancellationToken.None);

    private static TableEntity MemberEntity(string pk, string userId, RoomRole role, DateTimeOffset addedAt) =>
        new(pk, MemberPrefix + userId) { ["Role"] = RoomRoleWireNames.ToWire(role), ["AddedAt"] = addedAt };

    private static Room ToRoom(string roomId, TableEntity row) => new(
        roomId,
        row.GetString("Name") ?? "",
        row.GetString("CreatedBy") ?? "",
        row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch);
}
