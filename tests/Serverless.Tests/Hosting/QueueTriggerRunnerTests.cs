using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Core.Hosting;
using Serverless.Standalone.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Hosting;

/// <summary>The standalone queue-trigger runner against Azurite: immediate polling, retries, poison, graceful shutdown.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueTriggerRunnerTests(AzuriteFixture azurite)
{
    private readonly StorageAccount _account = azurite.CreateStorageAccount();

    [Fact]
    public async Task EnqueueInThisProcess_IsPickedUpAtOnce_EvenWithALongPollingInterval()
    {
        var queue = AzuriteFixture.UniqueName("q");
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var activity = new QueueActivity();
        var options = new QueueTriggerOptions { MinPollingInterval = TimeSpan.FromSeconds(30), MaxPollingInterval = TimeSpan.FromSeconds(30) };
        using var runner = Runner(queue, activity, options, (m, _) => { handled.TrySetResult(m.Body); return Task.CompletedTask; });
        await runner.StartAsync(default);
        await WaitUntilCreatedAsync(queue);
        await Task.Delay(300); // the runner is now waiting out its 30 s interval

        await _account.GetQueueClient(queue).SendMessageAsync("hello");
        activity.NotifyEnqueued(queue);

        Assert.Equal("hello", await handled.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await runner.StopAsync(default);
    }

    [Fact]
    public async Task FailingMessage_IsRetried_ThenMovedToPoisonAfterFiveDeliveries()
    {
        var queue = AzuriteFixture.UniqueName("q");
        var attempts = new ConcurrentBag<long>();
        var options = new QueueTriggerOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(200), MinPollingInterval = TimeSpan.FromMilliseconds(50), MaxPollingInterval = TimeSpan.FromMilliseconds(200) };
        using var runner = Runner(queue, new QueueActivity(), options, (m, _) => { attempts.Add(m.DequeueCount); throw new InvalidOperationException("boom"); });
        await runner.StartAsync(default);
        await WaitUntilCreatedAsync(queue);

        await _account.GetQueueClient(queue).SendMessageAsync("bad");

        var poison = _account.GetQueueClient(queue + "-poison");
        var peeked = await ApiAssertions.EventuallyAsync(async () => (await poison.PeekMessagesAsync(1)).Value, p => p.Length > 0, TimeSpan.FromSeconds(30));
        await runner.StopAsync(default);
        Assert.Equal("bad", Assert.Single(peeked).MessageText);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, attempts.Order().ToArray());
        Assert.Equal(0, await _account.GetQueueClient(queue).ApproximateMessageCountAsync());
    }

    [Fact]
    public async Task Shutdown_LetsAShortHandlerFinish_AndDeletesItsMessage()
    {
        var queue = AzuriteFixture.UniqueName("q");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        var options = new QueueTriggerOptions { ShutdownGracePeriod = TimeSpan.FromSeconds(10), MinPollingInterval = TimeSpan.FromMilliseconds(50) };
        using var runner = Runner(queue, new QueueActivity(), options, async (_, _) =>
        {
            started.TrySetResult();
            await Task.Delay(500, CancellationToken.None);
            finished = true;
        });
        await runner.StartAsync(default);
        await WaitUntilCreatedAsync(queue);
        await _account.GetQueueClient(queue).SendMessageAsync("work");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await runner.StopAsync(default);

        Assert.True(finished);
        Assert.Equal(0, await _account.GetQueueClient(queue).ApproximateMessageCountAsync());
    }

    [Fact]
    public async Task Shutdown_CancelsAHandlerThatOutlivesTheGracePeriod_AndReleasesItsMessageAtOnce()
    {
        var queue = AzuriteFixture.UniqueName("q");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new QueueTriggerOptions
        {
            ShutdownGracePeriod = TimeSpan.FromMilliseconds(300),
            LeaseDuration = TimeSpan.FromMinutes(5),
            MinPollingInterval = TimeSpan.FromMilliseconds(50),
        };
        using var runner = Runner(queue, new QueueActivity(), options, async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        await runner.StartAsync(default);
        await WaitUntilCreatedAsync(queue);
        await _account.GetQueueClient(queue).SendMessageAsync("long work");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await runner.StopAsync(default);

        // Released rather than left invisible for the 5-minute lease: another instance can take it now.
        var visible = (await _account.GetQueueClient(queue).ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value;
        Assert.Equal("long work", Assert.Single(visible).MessageText);
    }

    private QueueTriggerRunner Runner(string queue, QueueActivity activity, QueueTriggerOptions options, Func<QueueMessageContext, CancellationToken, Task> handler)
    {
        var services = new ServiceCollection().BuildServiceProvider();
        return new QueueTriggerRunner(
            new QueueTrigger(queue, (_, message, ct) => handler(QueueMessageContext.From(message), ct)),
            _account,
            activity,
            services.GetRequiredService<IServiceScopeFactory>(),
            options,
            NullLogger<QueueTriggerRunner>.Instance);
    }

    private async Task WaitUntilCreatedAsync(string queue) =>
        await ApiAssertions.EventuallyAsync(
            async () =>
            {
                try
                {
                    await _account.GetQueueClient(queue + "-poison").ApproximateMessageCountAsync();
                    return true;
                }
                catch (RequestFailedException)
                {
                    return false;
                }
            },
            created => created);
}
