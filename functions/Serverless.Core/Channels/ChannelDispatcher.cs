using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Core.Channels;

/// <summary>
/// Channels beyond the inbox. The processor calls <see cref="EnqueueAsync"/> once per recipient after the inbox transaction
/// (also for a redelivered event, so a crash between the two loses nothing); the dispatch function then decides from the
/// preferences stored at that moment, records the decision on the inbox item, and hands email and push to their own
/// queues, so a slow mail server or push provider never slows the inbox.
/// </summary>
public sealed class ChannelDispatcher(
    StorageAccount account,
    InboxStore inbox,
    PreferenceStore preferences,
    TemplateChannels templates,
    DeliveryRecordStore records,
    QueueActivity activity,
    ChannelMetrics metrics,
    TimeProvider time,
    IOptions<EmailOptions> email,
    IOptions<PushOptions> push,
    ILogger<ChannelDispatcher> logger)
{
    private readonly QueueClient _dispatch = account.GetQueueClient(StorageNames.ChannelDispatchQueue);
    private readonly QueueClient _email = account.GetQueueClient(StorageNames.EmailQueue);
    private readonly QueueClient _push = account.GetQueueClient(StorageNames.MobilePushQueue);
    private readonly TableClient _digests = account.GetTableClient(StorageNames.DigestTable);

    public ChannelCapabilities Capabilities { get; } = new(email.Value.Enabled, push.Value.FcmEnabled || push.Value.ApnsEnabled);

    /// <summary>With no channel configured there is nothing to dispatch, and delivery costs nothing extra.</summary>
    public bool Active => Capabilities.Email || Capabilities.MobilePush;

    /// <param name="seq">The inbox seq when the caller's own delivery just wrote it (saves the dispatcher reading the marker); null after a redelivery.</param>
    public async Task EnqueueAsync(string tenantId, string userId, NewNotification notification, long? seq, CancellationToken cancellationToken)
    {
        if (!Active)
        {
            return;
        }

        var message = new ChannelMessage
        {
            TenantId = tenantId,
            UserId = userId,
            EventId = notification.EventId,
            Type = notification.Type,
            Priority = notification.Priority,
            Email = notification.RecipientEmails?.GetValueOrDefault(userId),
            Seq = seq ?? 0,
        };
        await _dispatch.SendMessageAsync(message.Serialize(), cancellationToken: cancellationToken);
        activity.NotifyEnqueued(StorageNames.ChannelDispatchQueue);
    }

    public async Task DispatchAsync(QueueMessageContext context, CancellationToken cancellationToken)
    {
        var message = ChannelMessage.Parse(context.Body);
        var seq = message.Seq;
        var item = seq > 0 ? await inbox.GetAsync(message.TenantId, message.UserId, seq, cancellationToken) : null;
        if (item is null || item.EventId != message.EventId)
        {
            // No seq (a redelivered event) or not that event's row: the dedupe marker says where the event is.
            var pk = InboxKeys.Partition(message.TenantId, message.UserId);
            var marker = await inbox.Table.GetEntityOrDefaultAsync(pk, InboxKeys.MarkerRowKey(message.EventId), ["Seq"], cancellationToken);
            if (marker?.GetInt64("Seq") is not { } markerSeq)
            {
                logger.LogInformation("Event {EventId} is no longer in the recipient's inbox; no channel delivery", message.EventId);
                return;
            }

            seq = markerSeq;
            item = await inbox.GetAsync(message.TenantId, message.UserId, seq, cancellationToken);
            if (item is null)
            {
                return; // Deleted or expired before the channels got to it.
            }
        }

        var wanted = await preferences.GetAsync(message.TenantId, message.UserId, cancellationToken);
        var address = message.Email;
        if (address is null && Capabilities.Email)
        {
            address = await preferences.GetEmailAsync(message.TenantId, message.UserId, cancellationToken);
        }

        var now = time.GetUtcNow();
        var plan = ChannelDecision.Decide(item.Type, item.Priority, templates.DefaultsFor(item.Type), wanted, Capabilities, address is not null, now);
        await records.RecordAsync(message.TenantId, message.UserId, seq, plan.Records, initial: true, cancellationToken);

        var job = message with { Seq = seq, Type = item.Type, Priority = item.Priority, Email = address, Attempt = 0 };
        if (plan.SendEmail)
        {
            await _email.SendMessageAsync(job.Serialize(), cancellationToken: cancellationToken);
            activity.NotifyEnqueued(StorageNames.EmailQueue);
        }
        else if (plan.HoldEmailUntil is { } due)
        {
            // Upsert: a redelivered dispatch writes the same row again.
            await _digests.UpsertEntityAsync(
                new TableEntity(ChannelDecision.Bucket(due), DigestRowKey(message.TenantId, message.UserId, seq))
                {
                    ["TenantId"] = message.TenantId,
                    ["UserId"] = message.UserId,
                    ["EventId"] = message.EventId,
                    ["Seq"] = seq,
                    ["Email"] = address,
                },
                TableUpdateMode.Replace,
                cancellationToken);
        }

        if (plan.SendPush)
        {
            await _push.SendMessageAsync(job.Serialize(), cancellationToken: cancellationToken);
            activity.NotifyEnqueued(StorageNames.MobilePushQueue);
        }

        foreach (var record in plan.Records.Where(r => r.Status is DeliveryStatuses.Skipped or DeliveryStatuses.Held))
        {
            metrics.Outcome(record.Channel, record.Status);
        }
    }

    // Grouped by user, newest first within a user.
    internal static string DigestRowKey(string tenantId, string userId, long seq) =>
        $"{tenantId}|{userId}|{(long.MaxValue - seq).ToString("D19", CultureInfo.InvariantCulture)}";
}
