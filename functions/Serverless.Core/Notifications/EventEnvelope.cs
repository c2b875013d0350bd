using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Core.Notifications;

/// <summary>
/// The queue message for one event (or one chunk of its recipients). Everything the processor needs travels in it,
/// so a stopped processor loses nothing and a replay from the dead-letter table is self-contained.
/// </summary>
public sealed record EventEnvelope
{
    [JsonPropertyName("v")] public int Version { get; init; } = 1;
    [JsonPropertyName("eventId")] public required string EventId { get; init; }
    [JsonPropertyName("chunk")] public string Chunk { get; init; } = "0";
    [JsonPropertyName("tenantId")] public required string TenantId { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("userIds")] public required IReadOnlyList<string> UserIds { get; init; }
    [JsonPropertyName("data")] public JsonElement? Data { get; init; }

    /// <summary>Blob holding the data when it was too large to travel in every chunk message.</summary>
    [JsonPropertyName("dataRef")] public string? DataRef { get; init; }
    [JsonPropertyName("priority")] public required string Priority { get; init; }
    [JsonPropertyName("channel")] public required string Channel { get; init; }
    [JsonPropertyName("ttlSeconds")] public int TtlSeconds { get; init; }
    [JsonPropertyName("dedupeKey")] public string? DedupeKey { get; init; }
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("publishedBy")] public string? PublishedBy { get; init; }

    /// <summary>Producer-supplied addresses for the email channel, only for this message's recipients.</summary>
    [JsonPropertyName("emails")] public IReadOnlyDictionary<string, string>? Emails { get; init; }

    /// <summary>The envelope for a subset of its recipients, carrying only their addresses.</summary>
    public EventEnvelope ForRecipients(string chunk, IReadOnlyList<string> userIds) => this with
    {
        Chunk = chunk,
        UserIds = userIds,
        Emails = Emails is null ? null : userIds.Where(Emails.ContainsKey).ToDictionary(u => u, u => Emails[u], StringComparer.Ordinal) is { Count: > 0 } part ? part : null,
    };

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static EventEnvelope? TryParse(string body)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<EventEnvelope>(body, Json);
            return envelope is { EventId.Length: > 0, TenantId.Length: > 0, Type.Length: > 0, UserIds: not null } ? envelope : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
