using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;

namespace Serverless.Core.Channels;

/// <summary>
/// One channel job for one notification and recipient, on the dispatch, email or push queue. Self-contained (the
/// notification is read back from the inbox by its event id), so a replay from the dead-letter table needs nothing else.
/// </summary>
public sealed record ChannelMessage
{
    [JsonPropertyName("tenantId")] public required string TenantId { get; init; }
    [JsonPropertyName("userId")] public required string UserId { get; init; }
    [JsonPropertyName("eventId")] public required string EventId { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("priority")] public string Priority { get; init; } = "normal";
    [JsonPropertyName("seq")] public long Seq { get; init; }
    [JsonPropertyName("email")] public string? Email { get; init; }

    /// <summary>Attempts made so far; retries go back on the queue with a delay that doubles each time.</summary>
    [JsonPropertyName("attempt")] public int Attempt { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static ChannelMessage Parse(string body)
    {
        ChannelMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<ChannelMessage>(body, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("Not a channel message.", ex);
        }

        return message is { TenantId.Length: > 0, UserId.Length: > 0, EventId.Length: > 0 } ? message : throw new InvalidDataException("Not a channel message.");
    }

    public static ChannelMessage? TryParse(string body)
    {
        try
        {
            return Parse(body);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}

/// <summary>What a claim on one send found.</summary>
public enum ClaimResult
{
    /// <summary>This attempt owns the send.</summary>
    Claimed,

    /// <summary>Sent before (a redelivery): do nothing.</summary>
    AlreadyDone,

    /// <summary>Another attempt is sending right now: come back later.</summary>
    InFlight,
}

/// <summary>
/// The idempotency marker per notification, channel and recipient (table channeldeliveries, PK = tenant|user,
/// RK = eventId|channel[|device]). A send is claimed before it starts and marked done after the provider accepted it, so a
/// redelivered message sends nothing twice; a claim whose holder died expires after the lease and is taken over.
/// The one window left is a crash after the provider accepted and before the marker is written: then the retry sends again
/// (at least once, as promised), never silently nothing.
/// </summary>
public sealed class ChannelDeliveryMarkers(StorageAccount account, TimeProvider time, IOptions<ChannelOptions> options)
{
    private readonly TableClient _table = account.GetTableClient(StorageNames.ChannelDeliveriesTable);

    public TableClient Table => _table;

    public static string RowKey(string eventId, string channel, string? target = null) =>
        target is null ? $"{eventId}|{channel}" : $"{eventId}|{channel}|{target}";

    public async Task<(ClaimResult Result, ETag ETag)> ClaimAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var response = await _table.AddEntityAsync(new TableEntity(partitionKey, rowKey) { ["State"] = "claimed", ["ClaimedAt"] = now }, cancellationToken);
                return (ClaimResult.Claimed, response.NewETag());
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var existing = await _table.GetEntityOrDefaultAsync(partitionKey, rowKey, cancellationToken: cancellationToken);
                if (existing is null)
                {
                    continue;
                }

                var state = existing.GetString("State");
                if (state == "done")
                {
                    return (ClaimResult.AlreadyDone, existing.ETag);
                }

                if (state == "claimed" && existing.GetDateTimeOffset("ClaimedAt") is { } at && now - at < options.Value.SendLease)
                {
                    return (ClaimResult.InFlight, existing.ETag);
                }

                try
                {
                    var response = await _table.UpdateEntityAsync(
                        new TableEntity(partitionKey, rowKey) { ["State"] = "claimed", ["ClaimedAt"] = now }, existing.ETag, TableUpdateMode.Merge, cancellationToken);
                    return (ClaimResult.Claimed, response.NewETag());
                }
                catch (RequestFailedException conflict) when (conflict.Status is 412 or 404)
                {
                    // Someone else took it over first; look again.
                }
            }
        }

        return (ClaimResult.InFlight, ETag.All);
    }

    public async Task CompleteAsync(string partitionKey, string rowKey, string outcome, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(
            new TableEntity(partitionKey, rowKey) { ["State"] = "done", ["Outcome"] = outcome, ["DoneAt"] = time.GetUtcNow() },
            TableUpdateMode.Merge,
            cancellationToken);

    /// <summary>Gives the claim back after a failed attempt, so the retry (or a replay) can take it at once.</summary>
    public async Task ReleaseAsync(string partitionKey, string rowKey, string error, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpsertEntityAsync(
                new TableEntity(partitionKey, rowKey) { ["State"] = "failed", ["Error"] = error.Length <= 1000 ? error : error[..1000] },
                TableUpdateMode.Merge,
                cancellationToken);
        }
        catch (RequestFailedException)
        {
            // The lease expires by itself.
        }
    }
}

/// <summary>
/// Retry with back-off and the dead letter for channel messages: a failed attempt goes back on its queue delayed
/// base × 2^attempt; after the last attempt the message lands in the same dead-letter table as events (with the provider's
/// reply as the error), where an admin replays it onto its queue.
/// </summary>
public sealed class ChannelRetry(StorageAccount account, QueueActivity activity, TimeProvider time, IOptions<ChannelOptions> options, ChannelMetrics metrics)
{
    private readonly TableClient _deadLetters = account.GetTableClient(StorageNames.DeadLetterTable);

    /// <summary>True when retried; false when dead-lettered (the caller records the failure).</summary>
    public async Task<bool> RetryOrDeadLetterAsync(string queueName, string channel, ChannelMessage message, string error, CancellationToken cancellationToken)
    {
        var next = message.Attempt + 1;
        if (next < options.Value.MaxAttempts)
        {
            var delay = options.Value.RetryBaseDelay * Math.Pow(2, message.Attempt);
            await account.GetQueueClient(queueName).SendMessageAsync(
                (message with { Attempt = next }).Serialize(), delay, cancellationToken: cancellationToken);
            activity.NotifyEnqueued(queueName);
            metrics.Retried(channel);
            return true;
        }

        await DeadLetterAsync(
            queueName, message with { Attempt = 0 }, message.TenantId, $"{next} attempts failed. Last: {error}", time.GetUtcNow(), Guid.NewGuid().ToString("N"), cancellationToken);
        return false;
    }

    /// <summary>A message the function could not handle at all (it reached the poison queue).</summary>
    public async Task MoveFromPoisonAsync(string sourceQueue, QueueMessageContext poison, CancellationToken cancellationToken)
    {
        var message = ChannelMessage.TryParse(poison.Body);
        await DeadLetterAsync(
            sourceQueue,
            message is null ? null : message with { Attempt = 0 },
            message?.TenantId ?? DeadLetters.DeadLetterStore.UnknownTenant,
            "Failed the maximum number of deliveries; see the function's logs.",
            poison.InsertedOn ?? DateTimeOffset.UnixEpoch,
            poison.MessageId,
            cancellationToken,
            poison.Body);
    }

    private async Task DeadLetterAsync(
        string queueName, ChannelMessage? message, string tenantId, string error, DateTimeOffset keyTime, string id, CancellationToken cancellationToken, string? rawBody = null)
    {
        var now = time.GetUtcNow();
        // Keyed like DeadLetterStore's rows (newest first); a poison message keeps its key across redeliveries.
        var rowKey = (DateTimeOffset.MaxValue.UtcTicks - keyTime.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "_" + id;
        var entity = new TableEntity(tenantId, rowKey)
        {
            ["Queue"] = queueName,
            ["Error"] = error.Length <= 2000 ? error : error[..2000],
            ["FailedAt"] = now,
            ["ReplayCount"] = 0,
        };
        entity.SetLongString("Body", message?.Serialize() ?? rawBody ?? "");
        if (message is not null)
        {
            entity["EventId"] = message.EventId;
            entity["Type"] = message.Type;
        }

        try
        {
            await _deadLetters.AddEntityAsync(entity, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // The same poison message, moved before.
        }
    }
}
