using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.DeadLetters;
using Serverless.Core.Hosting;
using Serverless.Core.Notifications;
using Serverless.Functions.Realtime;

namespace Serverless.Functions;

/// <summary>Publishing and the queue-triggered processing of events.</summary>
public sealed class EventFunctions(EventsApi events, NotificationProcessor processor, DeadLetterStore deadLetters, CollectingRealtimeSender realtime)
{
    [Function(nameof(PublishEvent))]
    public Task<IResult> PublishEvent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/events")] HttpRequest req) =>
        events.PublishAsync(req.HttpContext);

    [Function(nameof(ProcessEvent))]
    [SignalROutput(HubName = "notifications", ConnectionStringSetting = "AzureSignalRConnectionString")]
    public async Task<SignalRMessageAction[]> ProcessEvent(
        [QueueTrigger(StorageNames.EventsQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        await processor.ProcessAsync(ToContext(message), cancellationToken);
        return realtime.DrainMessages();
    }

    [Function(nameof(FlushHeldBackPushes))]
    [SignalROutput(HubName = "notifications", ConnectionStringSetting = "AzureSignalRConnectionString")]
    public async Task<SignalRMessageAction[]> FlushHeldBackPushes(
        [QueueTrigger(StorageNames.PushFlushQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        await processor.FlushHeldBackPushesAsync(ToContext(message), cancellationToken);
        return realtime.DrainMessages();
    }

    [Function(nameof(DeadLetterPoisonEvent))]
    public Task DeadLetterPoisonEvent(
        [QueueTrigger(StorageNames.EventsPoisonQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        deadLetters.MoveFromPoisonAsync(StorageNames.EventsQueue, ToContext(message), cancellationToken);

    private static QueueMessageContext ToContext(QueueMessage message) =>
        new(message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn);
}
