using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Inbox;

namespace Serverless.Functions;

/// <summary>Timers that purge what has expired. Each run is bounded and safe to overlap with another.</summary>
public sealed class CleanupFunctions(InboxCleanup inbox)
{
    [Function(nameof(CleanupExpiredNotifications))]
    public Task CleanupExpiredNotifications([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        inbox.RunAsync(cancellationToken);
}
