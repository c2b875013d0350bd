using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Devices;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Core.Channels;

/// <summary>
/// The push queue's worker: one push per event and device, best effort (the inbox poll stays canonical). A device whose
/// token the provider reports dead is unregistered; devices already pushed are skipped on a retry by their markers.
/// </summary>
public sealed class PushDelivery(
    InboxStore inbox,
    DeviceStore devices,
    FcmClient fcm,
    ApnsClient apns,
    ChannelDeliveryMarkers markers,
    ChannelRetry retry,
    DeliveryRecordStore records,
    ChannelMetrics metrics,
    StorageAccount account,
    TimeProvider time,
    IOptions<PushOptions> options,
    IOptions<ChannelOptions> channelOptions,
    ILogger<PushDelivery> logger)
{
    // A user's devices: bounded, since registration keeps one row per device and stale ones are cleaned up.
    private const int MaxDevicesPerUser = 50;

    public async Task SendAsync(QueueMessageContext context, CancellationToken cancellationToken)
    {
        var message = ChannelMessage.Parse(context.Body);
        var item = await inbox.GetAsync(message.TenantId, message.UserId, message.Seq, cancellationToken);
        if (item is null || item.EventId != message.EventId)
        {
            return;
        }

        var targets = await DevicesAsync(message.TenantId, message.UserId, cancellationToken);
        if (targets.Count == 0)
        {
            metrics.Outcome(ChannelNames.MobilePush, DeliveryStatuses.Skipped);
            await RecordAsync(message, DeliveryStatuses.Skipped, "no_device", cancellationToken);
            return;
        }

        var payload = new PushPayload(item.Title, item.Body, item.EventId, item.Seq, item.Type, "inbox-" + EmailComposer.Hash(message.TenantId + "|" + message.UserId));
        var pk = InboxKeys.Partition(message.TenantId, message.UserId);
        int sent = 0, invalid = 0;
        var failures = new List<string>();
        var inFlight = false;
        foreach (var device in targets)
        {
            var rk = ChannelDeliveryMarkers.RowKey(message.EventId, "push", device.RowKey);
            var (claim, _) = await markers.ClaimAsync(pk, rk, cancellationToken);
            if (claim == ClaimResult.AlreadyDone)
            {
                sent++;
                continue;
            }

            if (claim == ClaimResult.InFlight)
            {
                inFlight = true;
                continue;
            }

            var provider = device.GetString("PushProvider");
            var token = device.GetString("PushToken")!;
            var result = provider == "apns" ? await apns.SendAsync(token, payload, cancellationToken) : await fcm.SendAsync(token, payload, cancellationToken);
            switch (result.Outcome)
            {
                case PushOutcome.Sent:
                    sent++;
                    await markers.CompleteAsync(pk, rk, DeliveryStatuses.Sent, cancellationToken);
                    break;
                case PushOutcome.InvalidToken:
                    invalid++;
                    await devices.Table.DeleteEntityIfExistsAsync(message.TenantId, device.RowKey, device.ETag, cancellationToken);
                    await markers.CompleteAsync(pk, rk, "token_invalid", cancellationToken);
                    logger.LogInformation("Unregistered a device after {Provider} reported its token invalid ({Detail})", provider, result.Detail);
                    break;
                default:
                    failures.Add(result.Detail ?? "push failed");
                    await markers.ReleaseAsync(pk, rk, result.Detail ?? "", cancellationToken);
                    break;
            }
        }

        if (inFlight)
        {
            await account.GetQueueClient(StorageNames.MobilePushQueue).SendMessageAsync(context.Body, channelOptions.Value.SendLease, cancellationToken: cancellationToken);
            return;
        }

        if (failures.Count > 0)
        {
            var error = string.Join("; ", failures.Distinct());
            logger.LogWarning("Push for {EventId} failed on {Count} device(s) (attempt {Attempt}): {Error}", message.EventId, failures.Count, message.Attempt + 1, error);
            if (await retry.RetryOrDeadLetterAsync(StorageNames.MobilePushQueue, ChannelNames.MobilePush, message, error, cancellationToken))
            {
                return;
            }

            if (sent == 0)
            {
                metrics.Outcome(ChannelNames.MobilePush, DeliveryStatuses.Failed);
                await RecordAsync(message, DeliveryStatuses.Failed, "provider_error", cancellationToken);
                return;
            }
        }

        var status = sent > 0 ? DeliveryStatuses.Sent : DeliveryStatuses.Skipped;
        metrics.Outcome(ChannelNames.MobilePush, status);
        await RecordAsync(message, status, sent > 0 ? null : invalid > 0 ? "token_invalid" : "no_device", cancellationToken);
    }

    private async Task<List<TableEntity>> DevicesAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        // Devices are keyed by tenant and device id (no per-user index), so this filters the tenant's partition server-side.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and UserId eq {userId}");
        var (entities, _) = await devices.Table.QueryLimitAsync(filter, ["PartitionKey", "RowKey", "UserId", "PushProvider", "PushToken"], MaxDevicesPerUser, cancellationToken);
        var push = options.Value;
        return entities
            .Where(e => e.GetString("PushToken") is { Length: > 0 })
            .Where(e => e.GetString("PushProvider") switch { "fcm" => push.FcmEnabled, "apns" => push.ApnsEnabled, _ => false })
            .ToList();
    }

    private Task RecordAsync(ChannelMessage message, string status, string? reason, CancellationToken cancellationToken) =>
        records.RecordAsync(message.TenantId, message.UserId, message.Seq, [new DeliveryRecord(ChannelNames.MobilePush, status, time.GetUtcNow(), reason)], false, cancellationToken);
}
