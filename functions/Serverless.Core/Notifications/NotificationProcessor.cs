using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Channels;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Notifications.Templates;
using Serverless.Core.Realtime;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Queues;

namespace Serverless.Core.Notifications;

/// <summary>
/// The queue-triggered heart of delivery: splits big recipient lists into chunk messages, writes one entity group
/// transaction per recipient, then pushes to the recipients that are not throttled. Redelivery is harmless.
/// </summary>
public sealed class NotificationProcessor(
    InboxStore inbox,
    TemplateCatalog catalog,
    StorageAccount account,
    QueueActivity activity,
    IRealtimeSender realtime,
    ProcessingErrorStore errors,
    NotificationMetrics metrics,
    TimeProvider time,
    IOptions<NotificationOptions> options,
    EventPayloadStore payloads,
    ChannelDispatcher channels,
    ILogger<NotificationProcessor> logger)
{
    private readonly QueueClient _events = account.GetQueueClient(StorageNames.EventsQueue);
    private readonly QueueClient _flush = account.GetQueueClient(StorageNames.PushFlushQueue);

    public async Task ProcessAsync(QueueMessageContext message, CancellationToken cancellationToken)
    {
        var envelope = EventEnvelope.TryParse(message.Body)
                       ?? throw new InvalidDataException($"Message {message.MessageId} is not an event envelope.");
        try
        {
            await ProcessAsync(envelope, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Kept so that, if the message ends up in the poison queue, the dead-letter entry says why.
            await errors.RecordAsync(envelope, ex, message.DequeueCount, CancellationToken.None);
            throw;
        }
    }

    public async Task ProcessAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var chunkSize = options.Value.ChunkSize;
        if (envelope.UserIds.Count > chunkSize)
        {
            // Each chunk is its own message: processed, retried and dead-lettered independently.
            var index = 0;
            foreach (var part in envelope.UserIds.Chunk(chunkSize))
            {
                var chunk = envelope.ForRecipients(envelope.Chunk + "." + index++, part);
                await _events.SendMessageAsync(chunk.Serialize(), cancellationToken: cancellationToken);
            }

            activity.NotifyEnqueued(StorageNames.EventsQueue);
            return;
        }

        var expiresAt = envelope.CreatedAt.AddSeconds(envelope.TtlSeconds);
        if (expiresAt <= time.GetUtcNow())
        {
            logger.LogWarning("Event {EventId} expired before delivery; skipped", envelope.EventId);
            return;
        }

        if (envelope.DataRef is not null)
        {
            envelope = envelope with { Data = await payloads.LoadAsync(envelope.DataRef, cancellationToken) };
        }

        var notification = Render(envelope, expiresAt);
        var failures = new List<Exception>();
        await Parallel.ForEachAsync(
            envelope.UserIds,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.DeliveryConcurrency, CancellationToken = cancellationToken },
            async (userId, ct) =>
            {
                try
                {
                    await DeliverAsync(envelope.TenantId, userId, notification, ct);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Delivery of {EventId} to one recipient failed", envelope.EventId);
                    lock (failures)
                    {
                        failures.Add(ex);
                    }
                }
            });

        if (failures.Count > 0)
        {
            // Delivered recipients are skipped on the retry by their dedupe markers.
            throw new AggregateException($"{failures.Count} of {envelope.UserIds.Count} deliveries of {envelope.EventId} failed.", failures);
        }
    }

    /// <summary>
    /// The publish function's direct path for a small event: every recipient's inbox transaction commits (concurrently,
    /// coalesced with other deliveries to the same user) before this returns; the pushes are started after the commits and
    /// not waited for. Throws when any delivery failed: the caller then enqueues the event, and the markers make the
    /// processor skip the recipients already delivered.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryResult>> DeliverDirectAsync(EventEnvelope envelope, string? publishHash, CancellationToken cancellationToken)
    {
        var notification = Render(envelope, envelope.CreatedAt.AddSeconds(envelope.TtlSeconds)) with { PublishHash = publishHash };
        var deliveries = envelope.UserIds.Select(userId => inbox.DeliverAsync(envelope.TenantId, userId, notification, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(deliveries);
        }
        catch (Exception) when (deliveries.Any(d => d.IsCompletedSuccessfully))
        {
            // Push what did commit; the rest is the queue's to finish.
            _ = AfterCommitAsync(envelope.TenantId, envelope.UserIds, deliveries, notification);
            throw;
        }

        // Email and push are owed once the rows exist: their dispatch messages are enqueued before the publish answers 202
        // (a failure here falls back to the queue, whose processor enqueues them again for recipients already delivered).
        await Task.WhenAll(envelope.UserIds.Select((userId, i) =>
            channels.EnqueueAsync(envelope.TenantId, userId, notification, deliveries[i].Result.Item?.Seq, cancellationToken)));
        _ = AfterCommitAsync(envelope.TenantId, envelope.UserIds, deliveries, notification);
        return deliveries.Select(d => d.Result).ToArray();
    }

    private async Task AfterCommitAsync(string tenantId, IReadOnlyList<string> userIds, Task<DeliveryResult>[] deliveries, NewNotification notification)
    {
        try
        {
            for (var i = 0; i < deliveries.Length; i++)
            {
                if (deliveries[i].IsCompletedSuccessfully)
                {
                    await AfterDeliveryAsync(tenantId, userIds[i], notification, deliveries[i].Result, CancellationToken.None);
                }
            }
        }
        catch (Exception ex)
        {
            // The rows are committed; a lost push or flush request is recovered by the next read.
            logger.LogWarning(ex, "Pushes after the direct delivery of {EventId} failed", notification.EventId);
        }
    }

    private async Task DeliverAsync(string tenantId, string userId, NewNotification notification, CancellationToken cancellationToken)
    {
        var result = await inbox.DeliverAsync(tenantId, userId, notification, cancellationToken);

        // After the commit, also for a redelivered event (a crash may have come between): channel sends are idempotent.
        await channels.EnqueueAsync(tenantId, userId, notification, result.Item?.Seq, cancellationToken);
        await AfterDeliveryAsync(tenantId, userId, notification, result, cancellationToken);
    }

    private async Task AfterDeliveryAsync(string tenantId, string userId, NewNotification notification, DeliveryResult result, CancellationToken cancellationToken)
    {
        if (result.Status != DeliveryStatus.Delivered)
        {
            metrics.Duplicate();
            return;
        }

        metrics.Delivered(notification.Type);
        var hubUser = RealtimeUser.Id(tenantId, userId);
        if (result.Push)
        {
            await SendQuietlyAsync(RealtimeMessage.ToUser(hubUser, "notificationCreated", result.Item!), cancellationToken);
        }
        else if (result.SuppressionStarted)
        {
            metrics.Throttled();
            var windowEnd = result.Counter.WindowStart.AddMinutes(1);
            var delay = windowEnd - time.GetUtcNow();
            var flush = JsonSerializer.Serialize(new PushFlushRequest(tenantId, userId), EventEnvelope.Json);
            await _flush.SendMessageAsync(flush, delay > TimeSpan.Zero ? delay : TimeSpan.Zero, cancellationToken: cancellationToken);
        }
        else
        {
            metrics.Throttled();
        }
    }

    /// <summary>Runs when a throttle window ends: one unreadCountChanged for everything that was held back.</summary>
    public async Task FlushHeldBackPushesAsync(QueueMessageContext message, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize<PushFlushRequest>(message.Body, EventEnvelope.Json)
                      ?? throw new InvalidDataException("Not a push flush request.");
        var counter = await inbox.ClearPushSuppressionAsync(InboxKeys.Partition(request.TenantId, request.UserId), cancellationToken);
        if (counter is not null)
        {
            await SendQuietlyAsync(
                RealtimeMessage.ToUser(RealtimeUser.Id(request.TenantId, request.UserId), "unreadCountChanged", new UnreadCountChangedMessage(counter.Unread, counter.Seq)),
                cancellationToken);
            await SendQuietlyAsync(
                RealtimeMessage.ToUser(RealtimeUser.Id(request.TenantId, request.UserId), "countsChanged", new CountsChangedMessage(counter.Unread, counter.Unseen, counter.Seq)),
                cancellationToken);
        }
    }

    private NewNotification Render(EventEnvelope envelope, DateTimeOffset expiresAt)
    {
        string title, body;
        if (catalog.TryGet(envelope.Type, out var template))
        {
            var rendered = TemplateRenderer.Render(template, envelope.Data);
            (title, body) = (rendered.Title, rendered.Body);
        }
        else
        {
            // The catalogue changed between publish and delivery: deliver rather than lose the event.
            (title, body) = (envelope.Type, "");
        }

        return new NewNotification(
            envelope.EventId,
            envelope.Type,
            title,
            body,
            envelope.Priority,
            envelope.Channel,
            envelope.Data is { ValueKind: JsonValueKind.Object } data ? data.GetRawText() : null,
            envelope.CreatedAt,
            expiresAt,
            envelope.DedupeKey,
            NeverThrottle: envelope.Priority == "critical") { RecipientEmails = envelope.Emails };
    }

    private async Task SendQuietlyAsync(RealtimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await realtime.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Realtime is a hint; the inbox row is committed and the client recovers it with afterSeq.
            logger.LogWarning(ex, "Real-time push {Target} failed", message.Target);
        }
    }
}

/// <summary>Payload of unreadCountChanged.</summary>
public sealed record UnreadCountChangedMessage(int UnreadCount, long Seq);

/// <summary>Payload of notificationsRead: which ids were read (by any tab or device) and the counts after.</summary>
public sealed record NotificationsReadMessage(IReadOnlyList<string> Ids, int UnreadCount, long Seq);

/// <summary>Queue message asking for the held-back pushes of one user to be summarised.</summary>
public sealed record PushFlushRequest(string TenantId, string UserId);

/// <summary>Delivery counters exported through System.Diagnostics.Metrics (meter "Serverless.Notifications").</summary>
public sealed class NotificationMetrics : IDisposable
{
    public const string MeterName = "Serverless.Notifications";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _throttled;

    public NotificationMetrics()
    {
        _delivered = _meter.CreateCounter<long>("notifications.delivered", description: "Inbox rows written, by type.");
        _duplicates = _meter.CreateCounter<long>("notifications.duplicates", description: "Redelivered events skipped by the dedupe marker.");
        _throttled = _meter.CreateCounter<long>("notifications.throttled", description: "Pushes held back by the per-user limit.");
    }

    public void Delivered(string type) => _delivered.Add(1, new KeyValuePair<string, object?>("type", type));

    public void Duplicate() => _duplicates.Add(1);

    public void Throttled() => _throttled.Add(1);

    public void Dispose() => _meter.Dispose();
}
