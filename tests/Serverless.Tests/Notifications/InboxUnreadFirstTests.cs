using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>GET /api/v1/notifications?order=unread_first: unread newest first, then read newest first, with phase cursors and bounded pages.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxUnreadFirstTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageRequestCounter _requests = new();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, configureServices: services => services.AddSingleton(new StoragePipelinePolicies { PerRetry = { _requests } }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    [Fact]
    public async Task Paging_lists_every_unread_item_newest_first_then_every_read_one_each_once_at_a_bounded_cost_per_page()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        long[] unread = [2450, 2400, 1800, 700, 5];
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 2500, (seq, row) =>
        {
            row["IsRead"] = !unread.Contains(seq);
            return seq % 7 == 3 ? null : row; // a few deleted rows
        });
        using var api = _host.ClientFor(user, tenant);
        var walk = new InboxListWalk(api, _requests);

        var (items, sizes, requests) = await walk.WalkAsync("api/v1/notifications?order=unread_first&limit=50");

        var present = Enumerable.Range(1, 2500).Select(i => (long)i).Where(seq => seq % 7 != 3).ToList();
        var expected = unread.Where(present.Contains).Concat(present.Where(seq => !unread.Contains(seq)).OrderDescending()).ToList();
        Assert.Equal(expected, items.Select(i => i.Seq));
        Assert.Equal(unread.Where(present.Contains).Select(_ => false), items.Take(unread.Count(present.Contains)).Select(i => i.IsRead));
        Assert.All(items.Skip(unread.Count(present.Contains)), i => Assert.True(i.IsRead));

        // Membership check, counter, at most two range queries (the end of the unread phase goes on into the read phase).
        Assert.All(requests, r => Assert.InRange(r, 2, 5));
        Assert.InRange(sizes.Count, expected.Count / 50, expected.Count / 50 + 5);
    }

    [Fact]
    public async Task Once_the_counters_unread_items_are_listed_the_same_page_goes_on_with_the_read_ones_without_scanning_further()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 3000, (seq, row) =>
        {
            row["IsRead"] = seq <= 2989;
            return row;
        });
        using var api = _host.ClientFor(user, tenant);
        var walk = new InboxListWalk(api, _requests);

        var (first, firstRequests) = await walk.GetAsync("api/v1/notifications?order=unread_first&limit=20");
        var seqs = first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToList();

        // 11 unread (3000..2990), then the newest 9 read: the unread phase stopped at the counter's 11, not at seq 1.
        Assert.Equal(Enumerable.Range(2990, 11).Reverse().Concat(Enumerable.Range(2981, 9).Reverse()).Select(i => (long)i), seqs);
        Assert.InRange(firstRequests, 2, 4);
        Assert.Equal(11, first.GetProperty("unreadCount").GetInt32());

        var (second, _) = await walk.GetAsync("api/v1/notifications?order=unread_first&limit=20&cursor=" + Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!));
        Assert.Equal(Enumerable.Range(2961, 20).Reverse().Select(i => (long)i), second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Unread_first_combines_with_type_channel_and_archived_and_with_unread_true_is_the_unread_list()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 40, (seq, row) =>
        {
            row["IsRead"] = seq % 2 == 0;
            row["Type"] = seq % 4 < 2 ? "meeting.reminder" : "task.assigned";
            row["Channel"] = seq % 5 == 0 ? "email" : "web";
            row["Archived"] = seq > 36;
            return row;
        });
        using var api = _host.ClientFor(user, tenant);
        var walk = new InboxListWalk(api, _requests);

        async Task<List<long>> SeqsAsync(string query) =>
            (await walk.WalkAsync("api/v1/notifications?order=unread_first&limit=3&" + query)).Items.Select(i => i.Seq).ToList();

        IEnumerable<long> UnreadFirst(Func<long, bool> where)
        {
            var rows = Enumerable.Range(1, 40).Select(i => (long)i).Where(where).OrderDescending().ToList();
            return rows.Where(s => s % 2 == 1).Concat(rows.Where(s => s % 2 == 0));
        }

        Assert.Equal(UnreadFirst(s => s <= 36 && s % 4 < 2), await SeqsAsync("type=meeting.reminder"));
        Assert.Equal(UnreadFirst(s => s <= 36 && s % 5 == 0), await SeqsAsync("channel=email"));
        Assert.Equal(UnreadFirst(s => s > 36), await SeqsAsync("archived=true"));
        Assert.Equal(UnreadFirst(s => s <= 36 && s % 2 == 1), await SeqsAsync("unread=true"));
        Assert.Equal(UnreadFirst(s => s <= 36 && s % 4 < 2 && s % 5 == 0), await SeqsAsync("type=meeting.reminder&channel=email"));
    }

    [Fact]
    public async Task A_tampered_foreign_or_other_kind_cursor_is_refused()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 30, (seq, row) =>
        {
            row["IsRead"] = seq % 3 == 0;
            return row;
        });
        using var api = _host.ClientFor(user, tenant);
        using var other = _host.ClientFor("someone-else", tenant);
        var page = await api.GetAsync("api/v1/notifications?order=unread_first&limit=5").ExpectJsonAsync();
        var cursor = page.GetProperty("nextCursor").GetString()!;
        var tampered = cursor[..^3] + (cursor[^3] == 'A' ? 'B' : 'A') + cursor[^2..];
        var plain = await api.GetAsync("api/v1/notifications?limit=5").ExpectJsonAsync();

        (await api.GetAsync("api/v1/notifications?order=unread_first&limit=5&cursor=" + Uri.EscapeDataString(cursor))).EnsureSuccessStatusCode();
        await (await api.GetAsync("api/v1/notifications?order=unread_first&limit=5&cursor=" + Uri.EscapeDataString(tampered))).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        await (await other.GetAsync("api/v1/notifications?order=unread_first&limit=5&cursor=" + Uri.EscapeDataString(cursor))).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        await (await api.GetAsync("api/v1/notifications?limit=5&cursor=" + Uri.EscapeDataString(cursor))).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        await (await api.GetAsync("api/v1/notifications?order=unread_first&limit=5&cursor=" + Uri.EscapeDataString(plain.GetProperty("nextCursor").GetString()!)))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
    }

    [Theory]
    [InlineData("order=unread_first&afterSeq=0")]
    [InlineData("order=unread_first&q=report")]
    [InlineData("order=oldest")]
    [InlineData("order=UNREAD_FIRST")]
    public async Task Unread_first_with_afterSeq_or_q_or_an_unknown_order_is_a_validation_error(string query)
    {
        using var api = _host.ClientFor("orderer");
        await (await api.GetAsync("api/v1/notifications?" + query)).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Order_newest_is_the_default_list()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 10, (seq, row) =>
        {
            row["IsRead"] = seq > 5;
            return row;
        });
        using var api = _host.ClientFor(user, tenant);

        var newest = await api.GetAsync("api/v1/notifications?order=newest").ExpectJsonAsync();
        var unreadFirst = await api.GetAsync("api/v1/notifications?order=unread_first").ExpectJsonAsync();

        Assert.Equal(Enumerable.Range(1, 10).Reverse().Select(i => (long)i), newest.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal([5L, 4, 3, 2, 1, 10, 9, 8, 7, 6], unreadFirst.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal(5, unreadFirst.GetProperty("unreadCount").GetInt32());
    }
}
