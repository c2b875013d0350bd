using System.Globalization;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Notifications;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Queues;

namespace Serverless.Core.DeadLetters;

/// <summary>A message that failed every delivery attempt, kept with its cause until an admin replays it.</summary>
public sealed record DeadLetter(
    string Id,
    string Queue,
    string? EventId,
    string? Type,
    string? Chunk,
    string Error,
    DateTimeOffset FailedAt,
    int ReplayCount,
    DateTimeOffset? LastReplayedAt,
    string? LastReplayedBy,
    string Body);

/// <summary>
/// Dead letters per tenant (partition = tenant, so an admin sees only their own tenant's), newest first.
/// Moving from the poison queue is idempotent: the row key derives from the poison message, so a redelivery writes nothing new.
/// </summary>
public sealed class DeadLetterStore(StorageAccount account, ProcessingErrorStore errors, QueueActivity activity, TimeProvider time)
{
    /// <summary>Partition for messages whose tenant cannot be read; only operators with table access see them.</summary>
    public const string UnknownTenant = "_unknown";

    private readonly TableClient _table = account.GetTableClient(StorageNames.DeadLetterTable);

    /// <summary>
    /// Moves one poison message of <paramref name="sourceQueue"/> (events, or held-back push flushes) into its tenant's dead
    /// letters; a message whose tenant cannot be read goes to <see cref="UnknownTenant"/>.
    /// </summary>
    public async Task MoveFromPoisonAsync(string sourceQueue, QueueMessageContext message, CancellationToken cancellationToken)
    {
        EventEnvelope? envelope = null;
        string? tenantId;
        string error;
        if (sourceQueue == StorageNames.PushFlushQueue)
        {
            tenantId = PushFlushTenant(message.Body);
            error = tenantId is null
                ? "The message is not a push flush request."
                : "A held-back unread-count push failed every delivery attempt.";
        }
        else
        {
            envelope = EventEnvelope.TryParse(message.Body);
            tenantId = envelope?.TenantId;
            error = envelope is null
                ? "The message is not a valid event envelope."
                : await errors.GetAsync(envelope.EventId, envelope.Chunk, cancellationToken) ?? "Failed the maximum number of deliveries; no error was recorded.";
        }

        // Only a usable tenant id names a tenant's bucket; anything else is the operators' (never reachable by a token).
        if (!TokenValidator.IsValidTenantId(tenantId))
        {
            tenantId = UnknownTenant;
        }

        var now = time.GetUtcNow();
        var entity = new TableEntity(tenantId, RowKey(message))
        {
            ["Queue"] = sourceQueue,
            ["Error"] = error,
            ["FailedAt"] = now,
            ["ReplayCount"] = 0,
        };
        entity.SetLongString("Body", message.Body);
        if (envelope is not null)
        {
            entity["EventId"] = envelope.EventId;
            entity["Type"] = envelope.Type;
            entity["Chunk"] = envelope.Chunk;
        }

        try
        {
            await _table.AddEntityAsync(entity, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already moved by an earlier delivery of the same poison message.
        }
    }

    public async Task<(IReadOnlyList<DeadLetter> Items, bool More)> ListAsync(string tenantId, string? afterId, int limit, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey gt {afterId ?? ""}");
        var (entities, more) = await _table.QueryLimitAsync(filter, null, limit, cancellationToken);
        return (entities.Select(ToDeadLetter).ToArray(), more);
    }

    /// <summary>Puts the original message back on its queue. Processing is idempotent, so replaying twice delivers once.</summary>
    public async Task<DeadLetter?> ReplayAsync(string tenantId, string id, string replayedBy, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(tenantId, id, cancellationToken: cancellationToken);
        if (entity is null)
        {
            return null;
        }

        var queueName = entity.GetString("Queue") ?? StorageNames.EventsQueue;
        var queue = account.GetQueueClient(queueName);
        await queue.SendMessageAsync(entity.GetLongString("Body") ?? "", cancellationToken: cancellationToken);
        activity.NotifyEnqueued(queueName);

        var now = time.GetUtcNow();
        var count = (entity.GetInt32("ReplayCount") ?? 0) + 1;
        await _table.UpsertEntityAsync(
            new TableEntity(tenantId, id) { ["ReplayCount"] = count, ["LastReplayedAt"] = now, ["LastReplayedBy"] = replayedBy },
            TableUpdateMode.Merge,
            cancellationToken);
        entity["ReplayCount"] = count;
        entity["LastReplayedAt"] = now;
        entity["LastReplayedBy"] = replayedBy;
        return ToDeadLetter(entity);
    }

    // Only the tenant is read, leniently: a flush whose other fields are broken still belongs to its tenant.
    private static string? PushFlushTenant(string body)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && document.RootElement.TryGetProperty("tenantId", out var tenant)
                   && tenant.ValueKind == System.Text.Json.JsonValueKind.String
                ? tenant.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // Inverted insertion time (newest first), then the poison message id (stable across its redeliveries).
    private static string RowKey(QueueMessageContext message) =>
        (DateTimeOffset.MaxValue.UtcTicks - (message.InsertedOn ?? DateTimeOffset.UnixEpoch).UtcTicks).ToString("D19", CultureInfo.InvariantCulture)
        + "_" + message.MessageId;

    private static DeadLetter ToDeadLetter(TableEntity e) => new(
        e.RowKey,
        e.GetString("Queue") ?? "",
        e.GetString("EventId"),
        e.GetString("Type"),
        e.GetString("Chunk"),
        e.GetString("Error") ?? "",
        e.GetDateTimeOffset("FailedAt") ?? DateTimeOffset.UnixEpoch,
        e.GetInt32("ReplayCount") ?? 0,
        e.GetDateTimeOffset("LastReplayedAt"),
        e.GetString("LastReplayedBy"),
        e.GetLongString("Body") ?? "");
}
