using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Serverless.Tests.Notifications;

/// <summary>Many writers on one inbox at once: every operation applied, none answered 5xx, counts exact.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxContentionTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly StorageRequestCounter _requests = new();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, configureServices: services => services.AddSingleton(new StoragePipelinePolicies { PerRetry = { _requests } }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    [Fact]
    public async Task Sixteen_concurrent_reads_and_deletes_on_one_inbox_while_deliveries_arrive_all_succeed_and_the_unread_count_is_exact()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 64);
        using var api = _host.ClientFor(user, tenant);
        using var producer = _host.ClientFor("svc", tenant, Roles.Publish);

        var deliveries = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.PostJsonAsync("api/v1/events", new { type = "task.assigned", recipients = new { userIds = new[] { user } } })
                    .ExpectJsonAsync(HttpStatusCode.Accepted);
            }
        });

        var statuses = new List<(long Seq, HttpStatusCode Status)>();
        await Parallel.ForEachAsync(Enumerable.Range(1, 64), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (seq, ct) =>
        {
            using var response = seq % 2 == 1
                ? await api.PatchAsync($"api/v1/notifications/{seq}/read", null, ct)
                : await api.DeleteAsync($"api/v1/notifications/{seq}", ct);
            lock (statuses)
            {
                statuses.Add((seq, response.StatusCode));
            }
        });
        await deliveries;

        Assert.All(statuses, s => Assert.True(s.Status == HttpStatusCode.NoContent, $"Notification {s.Seq}: {(int)s.Status}"));
        await ApiAssertions.EventuallyAsync(() => api.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync(), b => b.GetProperty("seq").GetInt64() >= 84);

        var pk = InboxKeys.Partition(tenant, user);
        var rows = Inbox.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {InboxKeys.NotificationPrefix} and RowKey lt {InboxKeys.NotificationUpperBound}")).ToList();
        var seqs = rows.Select(r => InboxKeys.SeqFromRowKey(r.RowKey)).ToHashSet();
        Assert.All(Enumerable.Range(1, 64), seq => Assert.Equal(seq % 2 == 1, seqs.Contains(seq)));
        Assert.All(rows.Where(r => InboxKeys.SeqFromRowKey(r.RowKey) <= 64), r => Assert.True(r.GetBoolean("IsRead")));
        Assert.Equal(52, rows.Count);

        var unread = await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync();
        Assert.Equal(20, unread.GetProperty("count").GetInt32());
        Assert.Equal(rows.Count(r => r.GetBoolean("IsRead") != true), unread.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Mark_all_read_over_3000_items_commits_in_100_operation_batches_with_a_bounded_number_of_requests()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 3000);
        using var api = _host.ClientFor(user, tenant);

        var before = _requests.Table;
        var started = Stopwatch.GetTimestamp();
        var result = await api.PostAsync("api/v1/notifications/mark-all-read", null).ExpectJsonAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var tableRequests = _requests.Table - before;
        output.WriteLine($"mark-all-read of 3000: {elapsed.TotalMilliseconds:F0} ms, {tableRequests} table requests");

        Assert.Equal(3000, result.GetProperty("updated").GetInt32());
        Assert.False(result.GetProperty("more").GetBoolean());

        // One counter read, 3 key-only pages of 1,000, 31 transactions of 99 rows and the counter.
        Assert.InRange(tableRequests, 31, 36);
        var unread = await api.GetAsync("api/v1/notifications/unread").ExpectJsonAsync();
        Assert.Equal(0, unread.GetProperty("count").GetInt32());
        var pk = InboxKeys.Partition(tenant, user);
        Assert.Empty(Inbox.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and IsRead eq {false}")));
    }

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);
}
