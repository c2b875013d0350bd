using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;
using Serverless.Tests.MemberChannel;

namespace Serverless.Tests.Notifications;

/// <summary>
/// Every inbox read costs a constant number of storage requests whatever the partition holds: thousands of rows a filter
/// leaves out, or a long run of deleted ones, never turn one request into a loop. Counted on the host's own storage clients.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxBoundedWorkTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageRequestCounter _requests = new();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, configureServices: services => services.AddSingleton(new StoragePipelinePolicies { PerRetry = { _requests } }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    [Theory]
    [InlineData("afterSeq=0&limit=1&type=nope")]
    [InlineData("afterSeq=0&limit=1&unread=true")]
    [InlineData("afterSeq=0&limit=1&priority=critical")]
    [InlineData("afterSeq=0&limit=100&type=nope")]
    [InlineData("limit=1&type=nope")]
    [InlineData("limit=1&unread=true")]
    public async Task A_filter_matching_nothing_on_a_3000_item_inbox_costs_a_constant_number_of_storage_requests_and_returns_a_continuation(string query)
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 3000, read: true);
        using var api = _host.ClientFor(user, tenant);

        var (page, tableRequests) = await CountedGetAsync(api, "api/v1/notifications?" + query);

        Assert.Empty(page.GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.String, page.GetProperty("nextCursor").ValueKind);
        Assert.Equal(3000, page.GetProperty("seq").GetInt64());
        // Membership check, counter, one range query: a constant, whatever the inbox holds.
        Assert.InRange(tableRequests, 1, 4);
    }

    [Fact]
    public async Task Following_nextCursor_through_a_sparse_filter_returns_every_match_once_in_order_at_a_bounded_cost_per_page()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 3000, type: seq => seq % 250 == 0 ? "meeting.reminder" : "task.assigned");
        using var api = _host.ClientFor(user, tenant);
        var expected = Enumerable.Range(1, 12).Select(i => i * 250L).ToArray();

        var ascending = await WalkAsync(api, "api/v1/notifications?afterSeq=0&limit=5&type=meeting.reminder");
        Assert.Equal(expected, ascending.Seqs);
        Assert.InRange(ascending.Pages, 3, 6);
        Assert.All(ascending.RequestsPerPage, r => Assert.InRange(r, 1, 4)); // + the membership check

        var newestFirst = await WalkAsync(api, "api/v1/notifications?limit=5&type=meeting.reminder");
        Assert.Equal(expected.Reverse(), newestFirst.Seqs);
        Assert.All(newestFirst.RequestsPerPage, r => Assert.InRange(r, 1, 3)); // + the membership check

        // Unfiltered afterSeq paging still returns full pages without gaps.
        var all = await WalkAsync(api, "api/v1/notifications?afterSeq=2900&limit=100");
        Assert.Equal(Enumerable.Range(2901, 100).Select(i => (long)i), all.Seqs);
    }

    [Fact]
    public async Task Polling_the_member_channel_across_thousands_of_deleted_events_costs_a_constant_number_of_requests_and_few_polls()
    {
        var (tenant, user) = NewUser();
        await InboxSeed.WriteAsync(Inbox, tenant, user, 3000, keep: seq => seq > 2997);
        var deviceId = MemberChannelCalls.NewId("dev");
        using var api = _host.ClientFor(user, tenant);
        (await api.RegisterAsync(deviceId)).EnsureSuccessStatusCode();

        var seqs = new List<long>();
        string? cursor = null;
        var polls = 0;
        while (seqs.Count < 3 && polls < 20)
        {
            var url = "api/member/channel/events?limit=2&deviceId=" + deviceId + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var (page, tableRequests) = await CountedGetAsync(api, url);
            polls++;
            seqs.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
            Assert.InRange(tableRequests, 1, 8);
        }

        // Each short poll looks 1,000 sequence numbers ahead: the 2,997 deleted events cost three empty polls, not 1,500.
        Assert.Equal([2998L, 2999L, 3000L], seqs);
        Assert.InRange(polls, 2, 5);
    }

    private async Task<(JsonElement Page, long TableRequests)> CountedGetAsync(HttpClient api, string url)
    {
        var before = _requests.Table;
        var page = await api.GetAsync(url).ExpectJsonAsync();
        return (page, _requests.Table - before);
    }

    private async Task<(List<long> Seqs, int Pages, List<long> RequestsPerPage)> WalkAsync(HttpClient api, string firstUrl)
    {
        var seqs = new List<long>();
        var requests = new List<long>();
        var url = firstUrl;
        while (requests.Count < 100)
        {
            var (page, tableRequests) = await CountedGetAsync(api, url);
            requests.Add(tableRequests);
            seqs.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
            if (page.GetProperty("nextCursor").GetString() is not { } cursor)
            {
                break;
            }

            url = firstUrl.Split('?')[0] + "?" + string.Join('&', firstUrl.Split('?')[1].Split('&').Where(p => !p.StartsWith("afterSeq=", StringComparison.Ordinal)))
                  + "&cursor=" + Uri.EscapeDataString(cursor);
        }

        return (seqs, requests.Count, requests);
    }

    private static (string Tenant, string User) NewUser() => ("t-" + Guid.NewGuid().ToString("N")[..8], "u-" + Guid.NewGuid().ToString("N")[..8]);
}
