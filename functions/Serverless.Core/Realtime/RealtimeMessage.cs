namespace Serverless.Core.Realtime;

/// <summary>A SignalR client-method invocation for one user or one group of the notifications hub.</summary>
public sealed record RealtimeMessage(string Target, object Payload, string? UserId = null, string? GroupName = null)
{
    public static RealtimeMessage ToUser(string userId, string target, object payload) => new(target, payload, UserId: userId);

    public static RealtimeMessage ToGroup(string groupName, string target, object payload) => new(target, payload, GroupName: groupName);
}

/// <summary>
/// Sends real-time messages. The production adapter is <see cref="SignalRRestClient"/> (Azure SignalR Service's REST API),
/// used by the Functions app and by the standalone host when AzureSignalRConnectionString is set; otherwise the standalone
/// host sends through its in-process hub. Realtime is a hint: callers never fail a write because a push failed.
/// </summary>
public interface IRealtimeSender
{
    Task SendAsync(RealtimeMessage message, CancellationToken cancellationToken = default);

    Task AddUserToGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default);

    Task RemoveUserFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default);

    /// <summary>Closes every open connection of the user (a suspended or revoked member must stop hearing pushes at once).</summary>
    Task CloseUserConnectionsAsync(string userId, string reason, CancellationToken cancellationToken = default);
}

/// <summary>Identifies hub users: SignalR user ids are scoped by tenant so two tenants' "u1" never share a connection group.</summary>
public static class RealtimeUser
{
    public const string HubName = "notifications";

    public static string Id(string tenantId, string userId) => tenantId + "|" + userId;
}
