using Serverless.Core.Realtime;

namespace Serverless.Core.Rooms;

/// <summary>Puts a connecting user into the SignalR group of every room they are a member of.</summary>
public sealed class RoomGroupSource(RoomStore rooms) : IRealtimeGroupSource
{
    public static string GroupName(string roomId) => "room:" + roomId;

    public async Task<IReadOnlyList<string>> GetGroupsAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        var memberships = await rooms.ListRoomsOfUserAsync(tenantId, userId, cancellationToken);
        return memberships.Select(m => GroupName(m.RoomId)).ToList();
    }
}
