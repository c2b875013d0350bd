using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;

namespace Serverless.Core.Channels;

/// <summary>
/// The digest timer: held-back emails (digest windows, quiet hours) sit in table notificationdigests under the UTC hour
/// they are due (PK yyyyMMddHH, RK tenant|user|inverted seq). Each run takes the due hours in order and sends one email per
/// user and window, newest first, leaving out what was read in the app meanwhile. Bounded per run; the next run resumes.
/// </summary>
public sealed class ChannelDigest(
    StorageAccount account,
    InboxStore inbox,
    PreferenceStore preferences,
    EmailComposer composer,
    SmtpEmailSender sender,
    ChannelDeliveryMarkers markers,
    DeliveryRecordStore records,
    ChannelMetrics metrics,
    TimeProvider time,
    ILogger<ChannelDigest> logger)
{
    private const string StatePartition = "_digest";
    private const string StateRow = "state";
    private const int UsersPerRun = 200;
    private const int PageSize = 500;

    private readonly TableClient _digests = account.GetTableClient(StorageNames.DigestTable);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var state = await markers.Table.GetEntityOrDefaultAsync(StatePartition, StateRow, cancellationToken: cancellationToken);
        var done = state?.GetString("LastBucket") is { } last ? ChannelDecision.ParseBucket(last) : Hour(now).AddHours(-48);

        // Starts one hour back, so a row written late into the window just finished (clock skew between instances) still goes.
        var budget = UsersPerRun;
        for (var hour = done.AddHours(-1); hour <= Hour(now) && budget > 0; hour = hour.AddHours(1))
        {
            var bucket = ChannelDecision.Bucket(hour);
            var finished = await ProcessBucketAsync(bucket, () => budget--, () => budget > 0, cancellationToken);
            if (!finished)
            {
                return;
            }

            if (hour > done)
            {
                done = hour;
                await markers.Table.UpsertEntityAsync(new TableEntity(StatePartition, StateRow) { ["LastBucket"] = bucket }, TableUpdateMode.Merge, cancellationToken);
            }
        }
    }

    private async Task<bool> ProcessBucketAsync(string bucket, Action spend, Func<bool> mayGoOn, CancellationToken cancellationToken)
    {
        var failedUsers = new HashSet<string>(StringComparer.Ordinal);
        while (mayGoOn())
        {
            var page = await _digests.QueryPageAsync(TableClient.CreateQueryFilter($"PartitionKey eq {bucket}"), null, PageSize, null, cancellationToken);
            var pending = page.Items.Where(e => !failedUsers.Contains(UserKey(e))).ToList();
            if (pending.Count == 0)
            {
                return failedUsers.Count == 0;
            }

            foreach (var group in pending.GroupBy(UserKey))
            {
                if (!mayGoOn())
                {
                    return false;
                }

                spend();
                var rows = group.ToList();
                if (await SendAsync(bucket, rows, cancellationToken))
                {
                    foreach (var batch in rows.Chunk(100))
                    {
                        await _digests.SubmitValidatedTransactionAsync(
                            batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)).ToList(), cancellationToken);
                    }
                }
                else
                {
                    failedUsers.Add(group.Key);
                }
            }
        }

        return false;
    }

    /// <summary>True when the user's rows are dealt with (sent, or nothing left to send); false to keep them for the next run.</summary>
    private async Task<bool> SendAsync(string bucket, List<TableEntity> rows, CancellationToken cancellationToken)
    {
        var tenantId = rows[0].GetString("TenantId")!;
        var userId = rows[0].GetString("UserId")!;
        var items = new List<InboxItem>();
        var now = time.GetUtcNow();
        foreach (var row in rows)
        {
            var item = await inbox.GetAsync(tenantId, userId, row.GetInt64("Seq") ?? 0, cancellationToken);
            if (item is null || item.EventId != row.GetString("EventId"))
            {
                continue;
            }

            if (item.IsRead)
            {
                // Read in the app before the digest went out: it has done its job.
                metrics.Outcome(ChannelNames.Email, DeliveryStatuses.Skipped);
                await records.RecordAsync(tenantId, userId, item.Seq, [new DeliveryRecord(ChannelNames.Email, DeliveryStatuses.Skipped, now, "read")], false, cancellationToken);
                continue;
            }

            items.Add(item);
        }

        if (items.Count == 0)
        {
            return true;
        }

        var address = rows.Select(r => r.GetString("Email")).FirstOrDefault(e => !string.IsNullOrEmpty(e))
                      ?? await preferences.GetEmailAsync(tenantId, userId, cancellationToken);
        if (address is null)
        {
            await RecordAllAsync(tenantId, userId, items, DeliveryStatuses.Skipped, ChannelDecision.ReasonNoAddress, cancellationToken);
            return true;
        }

        var pk = InboxKeys.Partition(tenantId, userId);
        var rk = ChannelDeliveryMarkers.RowKey("digest-" + bucket, ChannelNames.Email);
        var (claim, _) = await markers.ClaimAsync(pk, rk, cancellationToken);
        if (claim == ClaimResult.InFlight)
        {
            return false;
        }

        if (claim == ClaimResult.Claimed)
        {
            try
            {
                await sender.SendAsync(composer.Digest(tenantId, userId, address, bucket, items), cancellationToken);
            }
            catch (EmailSendException ex)
            {
                // Kept for the next run (every few minutes) with the reply logged; the items stay "held" on the inbox.
                logger.LogWarning("Digest email for window {Bucket} failed: {Reply}", bucket, ex.Message);
                await markers.ReleaseAsync(pk, rk, ex.Message, cancellationToken);
                return false;
            }

            await markers.CompleteAsync(pk, rk, DeliveryStatuses.Sent, cancellationToken);
            metrics.Outcome(ChannelNames.Email, DeliveryStatuses.Sent);
        }

        await RecordAllAsync(tenantId, userId, items, DeliveryStatuses.Sent, ChannelDecision.ReasonDigest, cancellationToken);
        return true;
    }

    private async Task RecordAllAsync(string tenantId, string userId, IEnumerable<InboxItem> items, string status, string? reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var item in items)
        {
            await records.RecordAsync(tenantId, userId, item.Seq, [new DeliveryRecord(ChannelNames.Email, status, now, reason)], false, cancellationToken);
        }
    }

    private static string UserKey(TableEntity e) => e.GetString("TenantId") + "|" + e.GetString("UserId");

    private static DateTimeOffset Hour(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}
