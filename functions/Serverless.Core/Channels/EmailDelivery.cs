using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Core.Channels;

/// <summary>The email queue's worker: one email per event and recipient, whatever the redeliveries.</summary>
public sealed class EmailDelivery(
    InboxStore inbox,
    EmailComposer composer,
    SmtpEmailSender sender,
    ChannelDeliveryMarkers markers,
    ChannelRetry retry,
    DeliveryRecordStore records,
    ChannelMetrics metrics,
    StorageAccount account,
    TimeProvider time,
    IOptions<ChannelOptions> options,
    ILogger<EmailDelivery> logger)
{
    public async Task SendAsync(QueueMessageContext context, CancellationToken cancellationToken)
    {
        var message = ChannelMessage.Parse(context.Body);
        var pk = InboxKeys.Partition(message.TenantId, message.UserId);
        var rk = ChannelDeliveryMarkers.RowKey(message.EventId, ChannelNames.Email);
        if (message.Email is null)
        {
            await records.RecordAsync(message.TenantId, message.UserId, message.Seq, [Record(DeliveryStatuses.Skipped, ChannelDecision.ReasonNoAddress)], false, cancellationToken);
            return;
        }

        var (claim, _) = await markers.ClaimAsync(pk, rk, cancellationToken);
        if (claim == ClaimResult.AlreadyDone)
        {
            return;
        }

        if (claim == ClaimResult.InFlight)
        {
            // Another copy is sending: look again once its lease could have run out.
            await account.GetQueueClient(StorageNames.EmailQueue).SendMessageAsync(context.Body, options.Value.SendLease, cancellationToken: cancellationToken);
            return;
        }

        var item = await inbox.GetAsync(message.TenantId, message.UserId, message.Seq, cancellationToken);
        if (item is null || item.EventId != message.EventId)
        {
            await markers.CompleteAsync(pk, rk, "gone", cancellationToken);
            return;
        }

        try
        {
            await sender.SendAsync(composer.ForItem(message.TenantId, message.UserId, message.Email, item), cancellationToken);
        }
        catch (EmailSendException ex)
        {
            logger.LogWarning("Email for {EventId} failed (attempt {Attempt}): {Reply}", message.EventId, message.Attempt + 1, ex.Message);
            await markers.ReleaseAsync(pk, rk, ex.Message, cancellationToken);
            if (!await retry.RetryOrDeadLetterAsync(StorageNames.EmailQueue, ChannelNames.Email, message, ex.Message, cancellationToken))
            {
                metrics.Outcome(ChannelNames.Email, DeliveryStatuses.Failed);
                await records.RecordAsync(message.TenantId, message.UserId, message.Seq, [Record(DeliveryStatuses.Failed, "smtp_error")], false, cancellationToken);
            }

            return;
        }

        await markers.CompleteAsync(pk, rk, DeliveryStatuses.Sent, cancellationToken);
        metrics.Outcome(ChannelNames.Email, DeliveryStatuses.Sent);
        await records.RecordAsync(message.TenantId, message.UserId, message.Seq, [Record(DeliveryStatuses.Sent, null)], false, cancellationToken);
    }

    private DeliveryRecord Record(string status, string? reason) => new(ChannelNames.Email, status, time.GetUtcNow(), reason);
}
