using Serverless.Core.Realtime;

namespace Serverless.Core.Rooms;

/// <summary>Puts a connecting user into the SignalR group of every room they are a member of.</summary>
public sealed class RoomGroupSource(RoomStore rooms) : IRealtimeGroupSource
{
    public static string GroupName(string roomId) => "room:" + roomId;

    /// <summary>A connect reads at most this many rooms (10 pages); a user in more rooms misses live pushes of the rest, never data.</summary>
    public const int MaxRoomsOnConnect = 1000;

    public async Task<IReadOnlyList<string>> GetGroupsAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        var groups = new List<string>();
        string? after = null;
        do
        {
            var page = await rooms.ListRoomsOfUserAsync(tenantId, userId, after, 100, cancellationToken);
            groups.AddRange(page.Items.Select(m => GroupName(m.RoomId)));
            after = page.LastRoomId;
        }
        while (after is not null && groups.Count < MaxRoomsOnConnect);

        return groups;
    }
}
