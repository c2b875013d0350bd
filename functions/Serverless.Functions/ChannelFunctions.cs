using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Channels;
using Serverless.Core.Hosting;

namespace Serverless.Functions;

/// <summary>
/// Channel delivery: the dispatch queue decides per recipient, email and push each have their own queue (retries with
/// back-off, then the dead-letter table), and a timer sends the digests.
/// </summary>
public sealed class ChannelFunctions(ChannelDispatcher dispatcher, EmailDelivery email, PushDelivery push, ChannelDigest digest, ChannelRetry retry)
{
    [Function(nameof(DispatchChannels))]
    public Task DispatchChannels(
        [QueueTrigger(StorageNames.ChannelDispatchQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        dispatcher.DispatchAsync(QueueMessageContext.From(message), cancellationToken);

    [Function(nameof(SendEmail))]
    public Task SendEmail(
        [QueueTrigger(StorageNames.EmailQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        email.SendAsync(QueueMessageContext.From(message), cancellationToken);

    [Function(nameof(SendMobilePush))]
    public Task SendMobilePush(
        [QueueTrigger(StorageNames.MobilePushQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        push.SendAsync(QueueMessageContext.From(message), cancellationToken);

    /// <summary>Every five minutes: the digest windows that are due.</summary>
    [Function(nameof(SendDigests))]
    public Task SendDigests([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        digest.RunAsync(cancellationToken);

    [Function(nameof(DeadLetterPoisonChannelDispatch))]
    public Task DeadLetterPoisonChannelDispatch(
        [QueueTrigger(StorageNames.ChannelDispatchPoisonQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        retry.MoveFromPoisonAsync(StorageNames.ChannelDispatchQueue, QueueMessageContext.From(message), cancellationToken);

    [Function(nameof(DeadLetterPoisonEmail))]
    public Task DeadLetterPoisonEmail(
        [QueueTrigger(StorageNames.EmailPoisonQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        retry.MoveFromPoisonAsync(StorageNames.EmailQueue, QueueMessageContext.From(message), cancellationToken);

    [Function(nameof(DeadLetterPoisonMobilePush))]
    public Task DeadLetterPoisonMobilePush(
        [QueueTrigger(StorageNames.MobilePushPoisonQueue, Connection = StorageNames.ConnectionSetting)] QueueMessage message,
        CancellationToken cancellationToken) =>
        retry.MoveFromPoisonAsync(StorageNames.MobilePushQueue, QueueMessageContext.From(message), cancellationToken);
}
