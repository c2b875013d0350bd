using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Http;
using Serverless.Core.Notifications.Templates;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Queues;

namespace Serverless.Core.Notifications;

/// <summary>The publish request body.</summary>
public sealed record PublishRequest(string? Type, PublishRecipients? Recipients, JsonElement? Data, string? Priority, int? TtlSeconds, string? DedupeKey);

/// <summary>Who an event is for.</summary>
public sealed record PublishRecipients(IReadOnlyList<string>? UserIds, IReadOnlyDictionary<string, string>? Emails = null);

/// <summary>
/// Validates an event, then delivers it directly when it has few recipients, or puts it on the queue; what the direct
/// path cannot finish goes to the queue too, so a stopped processor loses nothing. An Idempotency-Key makes a retried
/// publish return the first eventId instead of publishing twice.
/// </summary>
public sealed class EventPublisher(
    StorageAccount account,
    TemplateCatalog catalog,
    QueueActivity activity,
    TimeProvider time,
    IOptions<NotificationOptions> options,
    EventPayloadStore payloads,
    ILogger<EventPublisher> logger)
{
    /// <summary>The event without its recipient list (the request may carry 10,000 ids on top).</summary>
    public const int MaxEventBytes = 64 * 1024;

    // A queue message is 64 KiB after base64 (4/3): keep the JSON comfortably below 48 KiB.
    internal const int MaxMessageBytes = 45 * 1024;
    private const int MaxTtlSeconds = 90 * 24 * 3600;

    private readonly TableClient _idempotency = account.GetTableClient(StorageNames.IdempotencyTable);
    private readonly QueueClient _queue = account.GetQueueClient(StorageNames.EventsQueue);

    /// <summary>
    /// Publishes one event: with <paramref name="direct"/> and few enough recipients, delivered before this returns;
    /// otherwise (or when direct delivery hits a storage failure) enqueued. Returns the event id.
    /// </summary>
    public async Task<string> PublishAsync(
        CallerPrincipal caller, byte[] body, string? idempotencyKey, NotificationProcessor? direct, CancellationToken cancellationToken)
    {
        var request = RequestBody.ParseJson<PublishRequest>(body);
        var envelope = Validate(caller, request, allowInternal: false);
        if (idempotencyKey is { Length: > 200 })
        {
            throw ApiException.BadRequest("INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be at most 200 characters.");
        }

        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (direct is not null && envelope.UserIds.Count <= options.Value.DirectDeliveryMaxRecipients)
        {
            return await PublishDirectAsync(caller, envelope, string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey, bodyHash, direct, cancellationToken);
        }

        if (string.IsNullOrEmpty(idempotencyKey))
        {
            await EnqueueAsync(envelope, cancellationToken);
            return envelope.EventId;
        }

        var pk = caller.TenantId + "|" + caller.UserId;
        var rk = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey)));
        var window = TimeSpan.FromHours(options.Value.IdempotencyWindowHours);

        for (var attempt = 0; attempt < 5; attempt++)
        {
            // First try to claim the key outright (the common case costs no read); only a conflict needs the record.
            var existing = attempt == 0 ? null : await _idempotency.GetEntityOrDefaultAsync(pk, rk, cancellationToken: cancellationToken);
            if (existing is not null && existing.GetDateTimeOffset("CreatedAt") is { } created && time.GetUtcNow() - created < window)
            {
                if (existing.GetString("BodyHash") != bodyHash)
                {
                    throw ApiException.Conflict("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request body.");
                }

                var eventId = existing.GetString("EventId")!;
                if (existing.GetBoolean("Enqueued") != true)
                {
                    // The first attempt stopped between recording and enqueueing: finish it. Processing is idempotent per event.
                    var pending = EventEnvelope.TryParse(existing.GetString("Envelope") ?? "") ?? envelope with { EventId = eventId };
                    await EnqueueAsync(pending, cancellationToken);
                    await MarkEnqueuedAsync(pk, rk, cancellationToken);
                }

                return eventId;
            }

            var record = new TableEntity(pk, rk)
            {
                ["EventId"] = envelope.EventId,
                ["BodyHash"] = bodyHash,
                ["CreatedAt"] = time.GetUtcNow(),
                ["Enqueued"] = false,
            };
            var serialized = envelope.Serialize();
            if (serialized.Length < 30_000)
            {
                record["Envelope"] = serialized;
            }

            try
            {
                if (existing is null)
                {
                    await _idempotency.AddEntityAsync(record, cancellationToken);
                }
                else
                {
                    await _idempotency.UpdateEntityAsync(record, existing.ETag!, TableUpdateMode.Replace, cancellationToken);
                }
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                continue; // A concurrent request with the same key won; read what it recorded.
            }

            await EnqueueAsync(envelope, cancellationToken);
            await MarkEnqueuedAsync(pk, rk, cancellationToken);
            return envelope.EventId;
        }

        throw new ApiException(409, "IDEMPOTENCY_CONFLICT", "Concurrent requests with this Idempotency-Key; retry.");
    }

    /// <summary>
    /// The direct path. With an Idempotency-Key the event id is derived from the key, so a retry is the same event and each
    /// recipient's dedupe marker (which keeps the body hash) makes it a no-op: no idempotency record, no extra transaction.
    /// The deliveries ignore the client's cancellation, so a dropped connection cannot leave half the recipients delivered
    /// and the rest nowhere; a storage failure enqueues the whole event, and the processor skips whoever has it already.
    /// </summary>
    private async Task<string> PublishDirectAsync(
        CallerPrincipal caller, EventEnvelope envelope, string? idempotencyKey, string bodyHash, NotificationProcessor direct, CancellationToken cancellationToken)
    {
        string? publishHash = null;
        if (idempotencyKey is not null)
        {
            publishHash = bodyHash;
            var keyHash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(caller.TenantId + "|" + caller.UserId + "|" + idempotencyKey));
            envelope = envelope with { EventId = "evt_" + Convert.ToHexStringLower(keyHash)[..32] };
        }

        IReadOnlyList<Inbox.DeliveryResult> results;
        try
        {
            results = await direct.DeliverDirectAsync(envelope, publishHash, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not ApiException)
        {
            logger.LogWarning(ex, "Direct delivery of {EventId} failed; handing it to the queue", envelope.EventId);
            await EnqueueAsync(envelope, CancellationToken.None);
            return envelope.EventId;
        }

        if (publishHash is not null && results.Any(r => r.MarkerPublishHash is { } first && first != publishHash))
        {
            throw ApiException.Conflict("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request body.");
        }

        return envelope.EventId;
    }

    /// <summary>
    /// Publishes an event raised by the application itself (a file upload, an admin-role change) through the same queue
    /// and processor as producer events. Returns the event id.
    /// </summary>
    public Task<string> PublishInternalAsync(
        string tenantId, string actorId, string type, IReadOnlyList<string> userIds, object? data, CancellationToken cancellationToken) =>
        PublishInternalAsync(tenantId, actorId, type, userIds, data, null, cancellationToken);

    /// <summary>As above, with <paramref name="priority"/> (a wire name: low, normal, high, critical) instead of the template's.</summary>
    public async Task<string> PublishInternalAsync(
        string tenantId, string actorId, string type, IReadOnlyList<string> userIds, object? data, string? priority, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return "";
        }

        var request = new PublishRequest(
            type,
            new PublishRecipients(userIds),
            data is null ? null : JsonSerializer.SerializeToElement(data, ApiJson.Options),
            priority,
            null,
            null);
        var envelope = Validate(new CallerPrincipal(actorId, tenantId, new HashSet<string>()), request, allowInternal: true);
        await EnqueueAsync(envelope, cancellationToken);
        return envelope.EventId;
    }

    private EventEnvelope Validate(CallerPrincipal caller, PublishRequest request, bool allowInternal)
    {
        if (string.IsNullOrWhiteSpace(request.Type))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'type' is required.");
        }

        // An internal type answers exactly like a missing one: producers cannot speak for the product.
        if (!catalog.TryGet(request.Type, out var template) || (template.IsInternal && !allowInternal))
        {
            throw ApiException.BadRequest("UNKNOWN_TYPE", $"Unknown notification type '{Truncate(request.Type)}'.");
        }

        var userIds = request.Recipients?.UserIds;
        if (userIds is null || userIds.Count == 0)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'recipients.userIds' must name at least one user.");
        }

        if (userIds.Count > options.Value.MaxRecipients)
        {
            throw ApiException.BadRequest("TOO_MANY_RECIPIENTS", $"At most {options.Value.MaxRecipients} recipients per event.");
        }

        var distinct = new List<string>(userIds.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var userId in userIds)
        {
            if (!TokenValidator.IsValidId(userId))
            {
                throw ApiException.BadRequest("VALIDATION_ERROR", "Every recipient must be a non-empty user id of at most 128 characters without / \\ # ? | or control characters.");
            }

            if (seen.Add(userId))
            {
                distinct.Add(userId);
            }
        }

        var emails = ValidateEmails(request.Recipients?.Emails, seen);

        var priority = template.Priority;
        if (request.Priority is not null && !NotificationWireNames.TryParsePriority(request.Priority, out priority))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'priority' must be low, normal, high or critical.");
        }

        var ttl = request.TtlSeconds ?? template.TtlSeconds;
        if (ttl is < 60 or > MaxTtlSeconds)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'ttlSeconds' must be between 60 and {MaxTtlSeconds}.");
        }

        if (request.DedupeKey is { Length: > 200 })
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'dedupeKey' must be at most 200 characters.");
        }

        if (request.Data is { } data && data.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'data' must be a JSON object.");
        }

        var envelope = new EventEnvelope
        {
            EventId = "evt_" + Guid.CreateVersion7().ToString("N"),
            TenantId = caller.TenantId,
            Type = template.Type,
            UserIds = distinct,
            Data = request.Data is { ValueKind: JsonValueKind.Object } ? request.Data : null,
            Priority = NotificationWireNames.ToWire(priority),
            Channel = NotificationWireNames.ToWire(template.Channel),
            TtlSeconds = ttl,
            DedupeKey = request.DedupeKey,
            CreatedAt = time.GetUtcNow(),
            PublishedBy = caller.UserId,
            Emails = emails,
        };

        if (System.Text.Encoding.UTF8.GetByteCount((envelope with { UserIds = [], Emails = null }).Serialize()) > MaxEventBytes)
        {
            throw new ApiException(413, "PAYLOAD_TOO_LARGE", $"The event without its recipients must be at most {MaxEventBytes / 1024} KiB; 'data' is too large.");
        }

        return envelope;
    }

    /// <summary>Enqueues the event, split into chunk messages when one would not fit a queue message.</summary>
    internal async Task EnqueueAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        // Data that would not leave room in a queue message goes to a blob once; every chunk message carries its name.
        if (envelope.Data is { } data && System.Text.Encoding.UTF8.GetByteCount(envelope.ForRecipients(envelope.Chunk, [envelope.UserIds[0]]).Serialize()) > MaxMessageBytes)
        {
            envelope = envelope with { Data = null, DataRef = await payloads.SaveAsync(envelope, data, cancellationToken) };
        }

        foreach (var message in SplitToFit(envelope))
        {
            await _queue.SendMessageAsync(message.Serialize(), cancellationToken: cancellationToken);
        }

        activity.NotifyEnqueued(StorageNames.EventsQueue);
    }

    internal static IEnumerable<EventEnvelope> SplitToFit(EventEnvelope envelope)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(envelope.Serialize()) <= MaxMessageBytes || envelope.UserIds.Count <= 1)
        {
            yield return envelope;
            yield break;
        }

        var half = envelope.UserIds.Count / 2;
        var parts = new[]
        {
            envelope.ForRecipients(envelope.Chunk + ".0", envelope.UserIds.Take(half).ToArray()),
            envelope.ForRecipients(envelope.Chunk + ".1", envelope.UserIds.Skip(half).ToArray()),
        };
        foreach (var part in parts)
        {
            foreach (var piece in SplitToFit(part))
            {
                yield return piece;
            }
        }
    }

    /// <summary>recipients.emails: an address per recipient for the email channel (else the one recorded from their token).</summary>
    private static Dictionary<string, string>? ValidateEmails(IReadOnlyDictionary<string, string>? emails, HashSet<string> recipients)
    {
        if (emails is null || emails.Count == 0)
        {
            return null;
        }

        foreach (var (userId, address) in emails)
        {
            if (!recipients.Contains(userId))
            {
                throw ApiException.BadRequest("VALIDATION_ERROR", "'recipients.emails' may only name users in 'recipients.userIds'.");
            }

            if (address is not { Length: > 0 and <= 254 } || !MimeKit.MailboxAddress.TryParse(address, out var mailbox) || mailbox.Address != address)
            {
                throw ApiException.BadRequest("VALIDATION_ERROR", "Every 'recipients.emails' value must be a plain email address.");
            }
        }

        return new Dictionary<string, string>(emails, StringComparer.Ordinal);
    }

    private async Task MarkEnqueuedAsync(string pk, string rk, CancellationToken cancellationToken) =>
        await _idempotency.UpsertEntityAsync(new TableEntity(pk, rk) { ["Enqueued"] = true }, TableUpdateMode.Merge, cancellationToken);

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100];
}
