namespace Serverless.Core.Hosting;

/// <summary>What a queue-triggered function receives, independent of the host: the decoded body, delivery count and insertion time.</summary>
public sealed record QueueMessageContext(string MessageId, string Body, long DequeueCount, DateTimeOffset? InsertedOn = null);
