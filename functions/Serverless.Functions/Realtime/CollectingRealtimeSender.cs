using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Realtime;

namespace Serverless.Functions.Realtime;

/// <summary>
/// Collects an invocation's real-time messages and group changes; the function returns them through
/// [SignalROutput], so Azure SignalR Service delivers them after the function's own work has committed.
/// </summary>
public sealed class CollectingRealtimeSender : IRealtimeSender
{
    private readonly List<SignalRMessageAction> _messages = [];
    private readonly List<SignalRGroupAction> _groupActions = [];

    public Task SendAsync(RealtimeMessage message, CancellationToken cancellationToken = default)
    {
        lock (_messages)
        {
            _messages.Add(new SignalRMessageAction(message.Target)
            {
                Arguments = [message.Payload],
                UserId = message.UserId,
                GroupName = message.GroupName,
            });
        }

        return Task.CompletedTask;
    }

    public Task AddUserToGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default) =>
        AddGroupAction(new SignalRGroupAction(SignalRGroupActionType.Add) { UserId = userId, GroupName = groupName });

    public Task RemoveUserFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default) =>
        AddGroupAction(new SignalRGroupAction(SignalRGroupActionType.Remove) { UserId = userId, GroupName = groupName });

    public SignalRMessageAction[] DrainMessages()
    {
        lock (_messages)
        {
            var drained = _messages.ToArray();
            _messages.Clear();
            return drained;
        }
    }

    public SignalRGroupAction[] DrainGroupActions()
    {
        lock (_groupActions)
        {
            var drained = _groupActions.ToArray();
            _groupActions.Clear();
            return drained;
        }
    }

    private Task AddGroupAction(SignalRGroupAction action)
    {
        lock (_groupActions)
        {
            _groupActions.Add(action);
        }

        return Task.CompletedTask;
    }
}
