using Azure.Storage.Queues.Models;

namespace Serverless.Core.Hosting;

/// <summary>What a queue-triggered function receives, independent of the host: the decoded body, delivery count and insertion time.</summary>
public sealed record QueueMessageContext(string MessageId, string Body, long DequeueCount, DateTimeOffset? InsertedOn = null)
{
    /// <summary>From the SDK message both hosts hand to a queue-triggered function (the body already base64-decoded).</summary>
    public static QueueMessageContext From(QueueMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn);
    }
}
