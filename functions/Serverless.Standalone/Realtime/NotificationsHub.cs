using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// The standalone counterpart of the Azure SignalR serverless hub "notifications", served at /client. Clients only
/// listen; the server pushes. On connect a connection joins the groups its user was added to (user-level membership,
/// as the service keeps it) and, when this host delivers in-process, the groups its group sources name (e.g. rooms).
/// </summary>
[Authorize(AuthenticationSchemes = HubTokenAuthenticationHandler.SchemeName)]
public sealed class NotificationsHub(
    HubConnections connections, IEnumerable<IRealtimeGroupSource> groupSources, StandaloneRealtimeMode mode, ILogger<NotificationsHub> logger) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var userId = Context.UserIdentifier!;
        connections.Add(userId, Context);
        var separator = userId.IndexOf('|', StringComparison.Ordinal);
        var groups = new HashSet<string>(connections.GroupsOf(userId), StringComparer.Ordinal);

        // Through the REST API, as with Azure SignalR Service, nothing runs on connect: membership comes only from the user-group calls.
        if (mode.InProcessDelivery && separator > 0)
        {
            foreach (var source in groupSources)
            {
                try
                {
                    groups.UnionWith(await source.GetGroupsAsync(userId[..separator], userId[(separator + 1)..], Context.ConnectionAborted));
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Could not load the groups of a connecting user");
                }
            }
        }

        foreach (var group in groups)
        {
            connections.AddUserToGroup(userId, group);
            await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        }

        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.UserIdentifier!, Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>Which connections each user has and which groups each user is in, so user-level group changes reach every open tab.</summary>
public sealed class HubConnections
{
    // The caller context of each open connection, so a user's connections can be closed (Abort) from outside the hub.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubCallerContext>> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _groups = new(StringComparer.Ordinal);

    public void Add(string userId, HubCallerContext connection) =>
        _connections.GetOrAdd(userId, _ => new(StringComparer.Ordinal))[connection.ConnectionId] = connection;

    /// <summary>Aborts every open connection of the user; returns how many.</summary>
    public int Abort(string userId)
    {
        if (!_connections.TryGetValue(userId, out var set))
        {
            return 0;
        }

        var open = set.Values.ToArray();
        foreach (var connection in open)
        {
            connection.Abort();
        }

        return open.Length;
    }

    public void Remove(string userId, string connectionId)
    {
        if (_connections.TryGetValue(userId, out var set))
        {
            set.TryRemove(connectionId, out _);
        }
    }

    public IReadOnlyCollection<string> ConnectionsOf(string userId) =>
        _connections.TryGetValue(userId, out var set) ? set.Keys.ToArray() : [];

    public IReadOnlyCollection<string> GroupsOf(string userId) =>
        _groups.TryGetValue(userId, out var set) ? set.Keys.ToArray() : [];

    public void AddUserToGroup(string userId, string group) =>
        _groups.GetOrAdd(userId, _ => new(StringComparer.Ordinal))[group] = 0;

    public void RemoveUserFromGroup(string userId, string group)
    {
        if (_groups.TryGetValue(userId, out var set))
        {
            set.TryRemove(group, out _);
        }
    }
}

/// <summary>Sends through the in-process hub, at once.</summary>
public sealed class HubRealtimeSender(IHubContext<NotificationsHub> hub, HubConnections connections) : IRealtimeSender
{
    public Task SendAsync(RealtimeMessage message, CancellationToken cancellationToken = default)
    {
        if (message.UserId is not null)
        {
            return hub.Clients.User(message.UserId).SendAsync(message.Target, message.Payload, cancellationToken);
        }

        if (message.GroupName is not null)
        {
            return hub.Clients.Group(message.GroupName).SendAsync(message.Target, message.Payload, cancellationToken);
        }

        return hub.Clients.All.SendAsync(message.Target, message.Payload, cancellationToken);
    }

    public async Task AddUserToGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default)
    {
        connections.AddUserToGroup(userId, groupName);
        foreach (var connectionId in connections.ConnectionsOf(userId))
        {
            await hub.Groups.AddToGroupAsync(connectionId, groupName, cancellationToken);
        }
    }

    public async Task RemoveUserFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default)
    {
        connections.RemoveUserFromGroup(userId, groupName);
        foreach (var connectionId in connections.ConnectionsOf(userId))
        {
            await hub.Groups.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
        }
    }

    public Task CloseUserConnectionsAsync(string userId, string reason, CancellationToken cancellationToken = default)
    {
        connections.Abort(userId);
        return Task.CompletedTask;
    }
}

/// <summary>SignalR user ids are the "nameid" of the client token, which negotiate set from the validated bearer token.</summary>
public sealed class HubUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User?.FindFirst(SignalRAccessTokens.UserIdClaim)?.Value;
}

/// <summary>Whether this host delivers through its in-process hub (no AzureSignalRConnectionString) or through the REST API.</summary>
public sealed record StandaloneRealtimeMode(bool InProcessDelivery);
