using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;

namespace Serverless.Standalone.Hosting;

/// <summary>Queue-trigger semantics of the Functions host (host.json "extensions.queues"), mirrored for the standalone process.</summary>
public sealed class QueueTriggerOptions
{
    public const string SectionName = "Standalone:Queues";

    /// <summary>Messages fetched per poll (Functions default 16; the service caps at 32).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Fetch another batch once in-flight messages drop to this many.</summary>
    public int NewBatchThreshold { get; set; } = 8;

    /// <summary>Deliveries before a message moves to &lt;queue&gt;-poison.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a failed message stays invisible before its next attempt.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a received message stays leased while its handler runs.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long shutdown waits for in-flight handlers before releasing their messages.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A queue-triggered function: the queue it listens to, what runs per message, and optionally a longer idle polling
/// ceiling for queues where a few seconds of delay cost nothing (every idle poll is a billed storage transaction).
/// </summary>
public sealed record QueueTrigger(
    string QueueName,
    Func<IServiceProvider, QueueMessage, CancellationToken, Task> Handler,
    TimeSpan? MaxPollingInterval = null);

/// <summary>
/// Runs one queue trigger: polls with back-off, processes up to BatchSize + NewBatchThreshold messages at once,
/// deletes on success, retries after VisibilityTimeout on failure, and moves a message to &lt;queue&gt;-poison after MaxDequeueCount deliveries.
/// Polls at once when this process enqueues to the queue.
/// </summary>
public sealed class QueueTriggerRunner(
    QueueTrigger trigger,
    StorageAccount account,
    QueueActivity activity,
    IServiceScopeFactory scopes,
    QueueTriggerOptions options,
    ILogger<QueueTriggerRunner> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = account.GetQueueClient(trigger.QueueName);
        var poison = account.GetQueueClient(trigger.QueueName + "-poison");
        await CreateWithRetryAsync(queue, stoppingToken);
        await CreateWithRetryAsync(poison, stoppingToken);

        void OnEnqueued(string name)
        {
            if (name == trigger.QueueName)
            {
                _wake.Release();
            }
        }

        activity.Enqueued += OnEnqueued;
        using var handlerCancellation = new CancellationTokenSource();
        var delay = options.MinPollingInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_inFlight.Count > options.NewBatchThreshold)
                {
                    await WaitAsync(options.MinPollingInterval, stoppingToken);
                    continue;
                }

                QueueMessage[] messages;
                try
                {
                    messages = (await queue.ReceiveMessagesAsync(Math.Clamp(options.BatchSize, 1, 32), options.LeaseDuration, stoppingToken)).Value;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Receiving from queue {Queue} failed; backing off", trigger.QueueName);
                    messages = [];
                }

                foreach (var message in messages)
                {
                    var task = ProcessAsync(queue, poison, message, handlerCancellation.Token);
                    _inFlight.TryAdd(task, 0);
                    _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
                }

                if (messages.Length > 0)
                {
                    delay = options.MinPollingInterval;
                    continue;
                }

                await WaitAsync(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, (trigger.MaxPollingInterval ?? options.MaxPollingInterval).Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            activity.Enqueued -= OnEnqueued;
            var pending = _inFlight.Keys.ToArray();
            if (pending.Length > 0)
            {
                logger.LogInformation("Waiting for {Count} in-flight messages on {Queue}", pending.Length, trigger.QueueName);
                var all = Task.WhenAll(pending);
                if (await Task.WhenAny(all, Task.Delay(options.ShutdownGracePeriod, CancellationToken.None)) != all)
                {
                    // Handlers see cancellation; their messages are released below so another instance picks them up.
                    await handlerCancellation.CancelAsync();
                    await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
                }
            }
        }
    }

    private async Task ProcessAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                await trigger.Handler(scope.ServiceProvider, message, cancellationToken);
            }

            await DeleteAsync(queue, message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReleaseAsync(queue, message, TimeSpan.Zero);
        }
        catch (Exception ex)
        {
            if (message.DequeueCount >= options.MaxDequeueCount)
            {
                logger.LogError(ex, "Message {MessageId} on {Queue} failed {Count} times; moving it to {Poison}",
                    message.MessageId, trigger.QueueName, message.DequeueCount, poison.Name);
                try
                {
                    await poison.SendMessageAsync(message.MessageText, cancellationToken: CancellationToken.None);
                    await DeleteAsync(queue, message);
                    activity.NotifyEnqueued(poison.Name); // the poison runner polls slowly when idle; wake it
                }
                catch (Exception poisonError)
                {
                    // Leave it on the main queue: it reappears and is tried again rather than being lost.
                    logger.LogError(poisonError, "Could not move message {MessageId} to {Poison}", message.MessageId, poison.Name);
                }
            }
            else
            {
                logger.LogWarning(ex, "Message {MessageId} on {Queue} failed (delivery {Count}); retrying after {Delay}",
                    message.MessageId, trigger.QueueName, message.DequeueCount, options.VisibilityTimeout);
                await ReleaseAsync(queue, message, options.VisibilityTimeout);
            }
        }
    }

    private async Task DeleteAsync(QueueClient queue, QueueMessage message)
    {
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The lease ran out and another receiver took it; processing is idempotent, so this is harmless.
            logger.LogWarning("Message {MessageId} on {Queue} was already gone when deleting", message.MessageId, trigger.QueueName);
        }
    }

    private async Task ReleaseAsync(QueueClient queue, QueueMessage message, TimeSpan visibility)
    {
        try
        {
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: visibility, cancellationToken: CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The lease expiry releases it anyway.
            logger.LogWarning(ex, "Could not release message {MessageId} on {Queue}", message.MessageId, trigger.QueueName);
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        await _wake.WaitAsync(delay, cancellationToken);

        // Collapse a burst of wake-ups into one poll.
        while (_wake.CurrentCount > 0 && _wake.Wait(0, CancellationToken.None))
        {
        }
    }

    private async Task CreateWithRetryAsync(QueueClient queue, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Queue {Queue} is not reachable yet (attempt {Attempt})", queue.Name, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), cancellationToken);
            }
        }
    }
}
