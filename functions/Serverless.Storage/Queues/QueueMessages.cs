namespace Serverless.Storage;

/// <summary>What the service returns for a sent message.</summary>
public sealed record SendReceipt(string MessageId, string PopReceipt, DateTimeOffset InsertedOn, DateTimeOffset NextVisibleOn);

/// <summary>A received (and now invisible) message; <see cref="Body"/> is base64-decoded, or the raw text when it was not base64.</summary>
public sealed class QueueMessage
{
    public required string MessageId { get; init; }
    public required string PopReceipt { get; init; }
    public long DequeueCount { get; init; }
    public DateTimeOffset InsertedOn { get; init; }
    public DateTimeOffset ExpiresOn { get; init; }
    public DateTimeOffset NextVisibleOn { get; init; }
    public required BinaryData Body { get; init; }
    public string MessageText => Body.ToString();
}

/// <summary>A peeked message: visible to others still, so no pop receipt.</summary>
public sealed class PeekedMessage
{
    public required string MessageId { get; init; }
    public long DequeueCount { get; init; }
    public DateTimeOffset InsertedOn { get; init; }
    public DateTimeOffset ExpiresOn { get; init; }
    public required BinaryData Body { get; init; }
    public string MessageText => Body.ToString();
}
