using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Devices;
using Serverless.Core.Files;
using Serverless.Core.Inbox;

namespace Serverless.Functions;

/// <summary>Timers that purge what has expired. Each run is bounded and safe to overlap with another.</summary>
public sealed class CleanupFunctions(InboxCleanup inbox, DeviceCleanup devices, RoomFilePurge roomFiles)
{
    [Function(nameof(CleanupExpiredNotifications))]
    public Task CleanupExpiredNotifications([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        inbox.RunAsync(cancellationToken);

    /// <summary>Every 15 minutes: unregisters inactive devices and purges ack records of deleted notifications; each run resumes where the last stopped.</summary>
    [Function(nameof(CleanupDevices))]
    public Task CleanupDevices([TimerTrigger("0 */15 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        devices.RunAsync(cancellationToken);

    [Function(nameof(PurgeDeletedRoomFiles))]
    public Task PurgeDeletedRoomFiles([TimerTrigger("0 0 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        roomFiles.RunAsync(cancellationToken);
}
