using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.DeadLetters;
using Serverless.Core.Hosting;
using Serverless.Core.Notifications;

namespace Serverless.Functions;

/// <summary>Publishing and the queue-triggered processing of events. Pushes leave through the SignalR REST API after each delivery commits.</summary>
public sealed class EventFunctions(EventsApi events, NotificationProcessor processor, DeadLetterStore deadLetters)
{
    [Function(nameof(PublishEvent))]
    public Task<IResult> PublishEvent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/events")] HttpRequest req) =>
        events.PublishAsync(req.HttpContext);

    [Function(nameof(ProcessEvent))]
    public Task ProcessEvent(
        [QueueTrigger(StorageNames.EventsQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        processor.ProcessAsync(QueueMessageContext.From(message), cancellationToken);

    [Function(nameof(FlushHeldBackPushes))]
    public Task FlushHeldBackPushes(
        [QueueTrigger(StorageNames.PushFlushQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        processor.FlushHeldBackPushesAsync(QueueMessageContext.From(message), cancellationToken);

    [Function(nameof(DeadLetterPoisonEvent))]
    public Task DeadLetterPoisonEvent(
        [QueueTrigger(StorageNames.EventsPoisonQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        deadLetters.MoveFromPoisonAsync(StorageNames.EventsQueue, QueueMessageContext.From(message), cancellationToken);

    [Function(nameof(DeadLetterPoisonPushFlush))]
    public Task DeadLetterPoisonPushFlush(
        [QueueTrigger(StorageNames.PushFlushPoisonQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        deadLetters.MoveFromPoisonAsync(StorageNames.PushFlushQueue, QueueMessageContext.From(message), cancellationToken);
}
