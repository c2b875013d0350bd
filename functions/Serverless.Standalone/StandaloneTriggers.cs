using Serverless.Core.DeadLetters;
using Serverless.Core.Devices;
using Serverless.Core.Files;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Notifications;
using Serverless.Standalone.Hosting;

namespace Serverless.Standalone;

/// <summary>The queue triggers and timers of the standalone host, mirroring the Functions app's [QueueTrigger] and [TimerTrigger] functions.</summary>
public static class StandaloneTriggers
{
    public static IEnumerable<QueueTrigger> Queues()
    {
        yield return new(StorageNames.EventsQueue, (sp, m, ct) => sp.GetRequiredService<NotificationProcessor>().ProcessAsync(QueueMessageContext.From(m), ct));
        // Poison messages wake their runner when this process moves them; otherwise a minute of delay is harmless.
        yield return new(StorageNames.EventsPoisonQueue, (sp, m, ct) => sp.GetRequiredService<DeadLetterStore>().MoveFromPoisonAsync(StorageNames.EventsQueue, QueueMessageContext.From(m), ct),
            TimeSpan.FromSeconds(60));

        // Window-end summaries are delayed messages; a few extra seconds before the badge updates is fine.
        yield return new(StorageNames.PushFlushQueue, (sp, m, ct) => sp.GetRequiredService<NotificationProcessor>().FlushHeldBackPushesAsync(QueueMessageContext.From(m), ct),
            TimeSpan.FromSeconds(10));
    }

    public static IEnumerable<IntervalTimer> Timers(IConfiguration configuration)
    {
        var cleanup = configuration.GetValue("Standalone:CleanupInterval", TimeSpan.FromMinutes(5));
        yield return new("InboxCleanup", cleanup, (sp, ct) => sp.GetRequiredService<InboxCleanup>().RunAsync(ct));
        yield return new("DeviceCleanup", cleanup, (sp, ct) => sp.GetRequiredService<DeviceCleanup>().RunAsync(ct));
        yield return new("RoomFilePurge", cleanup, (sp, ct) => sp.GetRequiredService<RoomFilePurge>().RunAsync(ct));
    }
}
