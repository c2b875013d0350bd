using System.Net;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Notifications;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>
/// Small events delivered by the publish function itself, and several events for one user in one transaction: exactly
/// once under retries, storage failures, redelivery and racing processors.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DirectAndCoalescedDeliveryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageRequestCounter _requests = new();
    private readonly QueuePutCounter _queuePuts = new();
    private readonly FailOneBatch _failOneBatch = new();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, configureServices: services =>
            services.AddSingleton(new StoragePipelinePolicies { PerRetry = { _requests, _queuePuts, _failOneBatch } }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private InboxStore Inbox => _host.Services.GetRequiredService<InboxStore>();

    [Fact]
    public async Task A_one_recipient_publish_with_an_app_token_is_in_the_inbox_when_the_202_arrives_at_one_table_transaction_and_no_queue_message()
    {
        var (tenant, user) = NewUser();
        using var producer = _host.ApplicationClientFor("svc", tenant, Roles.Publish);

        var tableBefore = _requests.Table;
        var putsBefore = _queuePuts.Count;
        var accepted = await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } })
            .ExpectJsonAsync(HttpStatusCode.Accepted);
        var tableRequests = _requests.Table - tableBefore;

        // The one delivery transaction: a service publishing with an app-only token has no membership to read.
        Assert.Equal(1, tableRequests);
        Assert.Equal(0, _queuePuts.Count - putsBefore);
        using var api = _host.ClientFor(user, tenant);
        var inbox = await api.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(accepted.GetProperty("eventId").GetString(), Assert.Single(inbox.GetProperty("items").EnumerateArray()).GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task More_recipients_than_the_direct_limit_still_go_through_the_queue()
    {
        var tenant = NewUser().Tenant;
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var users = Enumerable.Range(0, 11).Select(i => "many-" + i).ToArray();

        var putsBefore = _queuePuts.Count;
        await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = users } }).ExpectJsonAsync(HttpStatusCode.Accepted);

        Assert.Equal(1, _queuePuts.Count - putsBefore);
        foreach (var user in users)
        {
            using var recipient = _host.ClientFor(user, tenant);
            var page = await ApiAssertions.EventuallyAsync(() => recipient.GetAsync("api/v1/notifications").ExpectJsonAsync(), b => b.GetProperty("items").GetArrayLength() == 1);
            Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        }
    }

    [Fact]
    public async Task A_direct_publish_retried_with_the_same_Idempotency_Key_is_a_no_op_and_a_different_body_is_409()
    {
        var (tenant, user) = NewUser();
        string[] users = [user, user + "-b", user + "-c"];
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var body = JsonBody("task.completed", users);

        var first = await PublishWithKeyAsync(producer, body, "order-7").ExpectJsonAsync(HttpStatusCode.Accepted);
        var again = await PublishWithKeyAsync(producer, body, "order-7").ExpectJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(first.GetProperty("eventId").GetString(), again.GetProperty("eventId").GetString());
        await (await PublishWithKeyAsync(producer, JsonBody("task.overdue", users), "order-7")).AssertErrorAsync(HttpStatusCode.Conflict, "IDEMPOTENCY_KEY_REUSED");

        foreach (var recipient in users)
        {
            using var api = _host.ClientFor(recipient, tenant);
            var inbox = await api.GetAsync("api/v1/notifications").ExpectJsonAsync();
            Assert.Equal(first.GetProperty("eventId").GetString(), Assert.Single(inbox.GetProperty("items").EnumerateArray()).GetProperty("eventId").GetString());
        }
    }

    [Fact]
    public async Task A_storage_failure_midway_through_a_direct_delivery_falls_back_to_the_queue_and_every_recipient_gets_the_event_once()
    {
        var (tenant, user) = NewUser();
        string[] users = [user, user + "-b", user + "-c"];
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);
        var body = JsonBody("task.assigned", users);

        var putsBefore = _queuePuts.Count;
        _failOneBatch.Arm(failingBatchNumber: 2);
        var accepted = await PublishWithKeyAsync(producer, body, "midway").ExpectJsonAsync(HttpStatusCode.Accepted);
        Assert.True(_failOneBatch.Failed, "The injected failure did not happen.");
        Assert.Equal(1, _queuePuts.Count - putsBefore);
        var eventId = accepted.GetProperty("eventId").GetString();

        foreach (var recipient in users)
        {
            using var api = _host.ClientFor(recipient, tenant);
            await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications").ExpectJsonAsync(), b => b.GetProperty("items").GetArrayLength() > 0);
        }

        // The retry the producer might send after all: the same event, nobody gets it twice.
        var retried = await PublishWithKeyAsync(producer, body, "midway").ExpectJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(eventId, retried.GetProperty("eventId").GetString());
        await Task.Delay(1000);
        foreach (var recipient in users)
        {
            using var api = _host.ClientFor(recipient, tenant);
            var inbox = await api.GetAsync("api/v1/notifications").ExpectJsonAsync();
            Assert.Equal(eventId, Assert.Single(inbox.GetProperty("items").EnumerateArray()).GetProperty("eventId").GetString());
        }
    }

    [Fact]
    public async Task Many_events_for_one_user_commit_in_transactions_of_49_in_event_order()
    {
        var (tenant, user) = NewUser();
        var events = Enumerable.Range(0, 100).Select(i => Notification("e" + i)).ToArray();

        var before = _requests.Table;
        var results = await Inbox.DeliverManyAsync(tenant, user, events, CancellationToken.None);

        Assert.Equal(3, _requests.Table - before);
        Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), results.Select(r => r.Item!.Seq));
        Assert.Equal(events.Select(e => e.EventId), results.Select(r => r.Item!.EventId));
        AssertInbox(tenant, user, events.Select(e => e.EventId).ToArray());
    }

    [Fact]
    public async Task Redelivered_events_inside_a_coalesced_batch_are_skipped_and_the_new_ones_still_commit()
    {
        var (tenant, user) = NewUser();
        var old = Enumerable.Range(0, 30).Select(i => Notification("old" + i)).ToArray();
        await Inbox.DeliverManyAsync(tenant, user, old, CancellationToken.None);

        // A redelivered batch of the same events with new ones in between.
        var fresh = Enumerable.Range(0, 10).Select(i => Notification("new" + i)).ToArray();
        var mixed = old.Take(15).Concat(fresh.Take(5)).Concat(old.Skip(15)).Concat(fresh.Skip(5)).ToArray();
        var results = await Inbox.DeliverManyAsync(tenant, user, mixed, CancellationToken.None);

        Assert.Equal(30, results.Count(r => r.Status == DeliveryStatus.AlreadyDelivered));
        var delivered = results.Where(r => r.Status == DeliveryStatus.Delivered).Select(r => r.Item!).ToArray();
        Assert.Equal(fresh.Select(e => e.EventId), delivered.Select(i => i.EventId));
        Assert.Equal(Enumerable.Range(31, 10).Select(i => (long)i), delivered.Select(i => i.Seq));
        AssertInbox(tenant, user, old.Concat(fresh).Select(e => e.EventId).ToArray());
    }

    [Fact]
    public async Task Two_processors_racing_on_the_same_events_for_one_user_deliver_each_event_exactly_once()
    {
        var (tenant, user) = NewUser();
        var events = Enumerable.Range(0, 60).Select(i => Notification("race" + i)).ToArray();
        var other = new InboxStore(azurite.CreateStorageAccount(), TimeProvider.System, Options.Create(new NotificationOptions()));

        // One processor coalesces everything; the other delivers the same events one by one, concurrently, in reverse.
        var coalesced = Inbox.DeliverManyAsync(tenant, user, events, CancellationToken.None);
        var single = Task.WhenAll(events.Reverse().Select(e => Task.Run(() => other.DeliverAsync(tenant, user, e, CancellationToken.None))));
        var results = (await coalesced).Concat(await single).ToArray();

        var delivered = results.Where(r => r.Status == DeliveryStatus.Delivered).Select(r => r.Item!.EventId).ToArray();
        Assert.Equal(60, delivered.Length);
        Assert.Equal(events.Select(e => e.EventId).Order(), delivered.Order());
        AssertInbox(tenant, user, null, events.Select(e => e.EventId).ToArray());
    }

    [Fact]
    public async Task One_event_the_service_refuses_fails_alone_and_the_rest_of_its_coalesced_batch_commits()
    {
        var (tenant, user) = NewUser();
        var events = Enumerable.Range(0, 10).Select(i => Notification("ok" + i)).ToList();

        // A title over the 64 KiB a property may hold: the service refuses that row, and only that row's event.
        events.Insert(4, Notification("too-big") with { Title = new string('x', 40_000) });
        var deliveries = events.Select(e => (e, Task: Inbox.DeliverAsync(tenant, user, e, CancellationToken.None))).ToArray();
        await Task.WhenAll(deliveries.Select(d => d.Task).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        var failed = Assert.Single(deliveries, d => d.Task.IsFaulted);
        Assert.Equal("too-big", failed.e.EventId);
        Assert.IsAssignableFrom<RequestFailedException>(failed.Task.Exception!.InnerException);
        var ok = events.Where(e => e.EventId != "too-big").Select(e => e.EventId).ToArray();
        AssertInbox(tenant, user, ok);

        // The failed event's message is retried later: it goes in then, once.
        var retried = await Inbox.DeliverAsync(tenant, user, failed.e with { Title = "fits now" }, CancellationToken.None);
        Assert.Equal(DeliveryStatus.Delivered, retried.Status);
        Assert.Equal(11, retried.Item!.Seq);
    }

    /// <summary>The inbox holds exactly these events (in this seq order when <paramref name="inOrder"/> is given), seqs dense from 1, counter agreeing.</summary>
    private void AssertInbox(string tenant, string user, string[]? inOrder, string[]? anyOrder = null)
    {
        var pk = InboxKeys.Partition(tenant, user);
        var rows = Inbox.Table.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}")).ToList();
        var notifications = rows.Where(r => r.RowKey.StartsWith(InboxKeys.NotificationPrefix, StringComparison.Ordinal))
            .OrderBy(r => InboxKeys.SeqFromRowKey(r.RowKey)).ToArray();
        var expected = inOrder ?? anyOrder!;
        Assert.Equal(Enumerable.Range(1, expected.Length).Select(i => (long)i), notifications.Select(r => InboxKeys.SeqFromRowKey(r.RowKey)));
        if (inOrder is not null)
        {
            Assert.Equal(inOrder, notifications.Select(r => r.GetString("EventId")));
        }
        else
        {
            Assert.Equal(anyOrder!.Order(), notifications.Select(r => r.GetString("EventId")!).Order());
        }

        Assert.Equal(expected.Length, rows.Count(r => r.RowKey.StartsWith(InboxKeys.MarkerPrefix, StringComparison.Ordinal)));
        var counter = rows.Single(r => r.RowKey == InboxKeys.CounterRowKey);
        Assert.Equal(expected.Length, counter.GetInt64("Seq"));
        Assert.Equal(expected.Length, counter.GetInt32("Unread"));
    }

    private static NewNotification Notification(string eventId)
    {
        var now = DateTimeOffset.UtcNow;
        return new NewNotification(eventId, "task.assigned", "Title " + eventId, "Body", "normal", "web", null, now, now.AddDays(1), null, NeverThrottle: false);
    }

    private static string JsonBody(string type, string[] users) =>
        $"{{\"type\":\"{type}\",\"recipients\":{{\"userIds\":[{string.Join(',', users.Select(u => "\"" + u + "\""))}]}}}}";

    private static Task<HttpResponseMessage> PublishWithKeyAsync(HttpClient producer, string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/events") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return producer.SendAsync(request);
    }

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Counts messages put on the events queue.</summary>
    private sealed class QueuePutCounter : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("/" + StorageNames.EventsQueue + "/messages", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }
        }
    }

    /// <summary>When armed, fails the n-th table transaction (every attempt of it) as an unreachable service would.</summary>
    private sealed class FailOneBatch : HttpPipelinePolicy
    {
        private const string Doomed = "test.doomed";
        private int _remaining = -1;

        public bool Failed { get; private set; }

        public void Arm(int failingBatchNumber) => Volatile.Write(ref _remaining, failingBatchNumber);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Check(HttpMessage message)
        {
            if (message.TryGetProperty(Doomed, out _))
            {
                throw new RequestFailedException(503, "Injected: storage unavailable.");
            }

            if (message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) && Volatile.Read(ref _remaining) > 0 && Interlocked.Decrement(ref _remaining) == 0)
            {
                message.SetProperty(Doomed, true);
                Failed = true;
                throw new RequestFailedException(503, "Injected: storage unavailable.");
            }
        }
    }
}
