namespace Serverless.Core.Hosting;

/// <summary>
/// Raised when this process enqueues a message, so an in-process queue runner polls at once instead of
/// waiting out its back-off. The Functions host has its own polling and ignores it.
/// </summary>
public sealed class QueueActivity
{
    public event Action<string>? Enqueued;

    public void NotifyEnqueued(string queueName) => Enqueued?.Invoke(queueName);
}
