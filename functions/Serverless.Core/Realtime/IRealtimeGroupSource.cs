namespace Serverless.Core.Realtime;

/// <summary>The SignalR groups a user belongs to when they connect (e.g. room:{roomId} for each room they are a member of).</summary>
public interface IRealtimeGroupSource
{
    Task<IReadOnlyList<string>> GetGroupsAsync(string tenantId, string userId, CancellationToken cancellationToken);
}
