using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Inbox;

namespace Serverless.Functions;

/// <summary>Brings snoozed notifications back when due. Each run is bounded and safe to overlap with another.</summary>
public sealed class SnoozeFunctions(SnoozeWakeUp wakeUp)
{
    /// <summary>Every minute, so an item is at most a minute late; what one run leaves is taken by the next.</summary>
    [Function(nameof(WakeSnoozedNotifications))]
    public Task WakeSnoozedNotifications([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        wakeUp.RunAsync(cancellationToken);
}
