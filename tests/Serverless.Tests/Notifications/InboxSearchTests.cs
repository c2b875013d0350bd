using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>GET /api/v1/notifications?q=: words in title or body, case- and accent-insensitive, over the latest 5,000 items, paged with signed cursors.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxSearchTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageRequestCounter _requests = new();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, configureServices: services => services.AddSingleton(new StoragePipelinePolicies { PerRetry = { _requests } }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    /// <summary>Titles and bodies to search, including old rows without a title and a title of another type.</summary>
    private static TableEntity? Shaped(long seq, TableEntity row)
    {
        (row["Title"], row["Body"]) = seq switch
        {
            1 => ("Résumé reviewed", "Your CV was read"),
            2 => ("RESUME upload", ""),
            3 => ("Weekly digest", "The résumés of the week"),
            4 => ("Invoice paid", "Payment received for invoice 42"),
            5 => ("Meeting moved", "Presumed late, invoice pending"),
            6 => ("Invoice", "was paid today"),
            _ => ("Seeded " + seq, "Nothing to see."),
        };
        switch (seq)
        {
            case 7:
                row.Remove("Title");
                row["Body"] = "resume without a title";
                break;
            case 8:
                row["Title"] = 8;
                row.Remove("Body");
                break;
            case 9:
                row["Type"] = "meeting.reminder";
                row["Title"] = "Resume the meeting";
                row["IsRead"] = false;
                break;
        }

        return row;
    }

    [Theory]
    [InlineData("resume", new long[] { 9, 7, 3, 2, 1 })]
    [InlineData("RÉSUMÉ", new long[] { 9, 7, 3, 2, 1 })]
    [InlineData("Résumés", new long[] { 3 })]
    [InlineData("invoice paid", new long[] { 6, 4 })]
    [InlineData("paid INVOICE", new long[] { 6, 4 })]
    [InlineData("invoice meeting", new long[] { 5 })]
    [InlineData("week résumé", new long[] { 3 })]
    [InlineData("nowhere", new long[0])]
    public async Task Search_finds_every_word_in_title_or_body_whatever_the_case_and_accents_newest_first(string q, long[] expected)
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 12, Shaped);
        using var api = _host.ClientFor(user, tenant);

        var page = await api.GetAsync("api/v1/notifications?q=" + Uri.EscapeDataString(q)).ExpectJsonAsync();

        Assert.Equal(expected, page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal(JsonValueKindNull, page.GetProperty("nextCursor").ValueKind);
        Assert.Equal(12, page.GetProperty("seq").GetInt64());
        if (expected.Length > 0)
        {
            // The page's items are whole rows, not the scan's projection.
            var first = page.GetProperty("items")[0];
            Assert.Equal("evt_seed_" + expected[0], first.GetProperty("eventId").GetString());
        }
    }

    [Fact]
    public async Task Search_combines_with_the_type_unread_priority_and_channel_filters()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 12, (seq, row) =>
        {
            row = Shaped(seq, row)!;
            if (seq == 2)
            {
                row["Channel"] = "email";
                row["Priority"] = "high";
            }

            return row;
        });
        using var api = _host.ClientFor(user, tenant);

        async Task<long[]> SeqsAsync(string query) =>
            (await api.GetAsync("api/v1/notifications?q=resume&" + query).ExpectJsonAsync())
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray();

        Assert.Equal(new long[] { 9 }, await SeqsAsync("type=meeting.reminder"));
        Assert.Equal(new long[] { 9 }, await SeqsAsync("unread=true"));
        Assert.Equal(new long[] { 2 }, await SeqsAsync("channel=email"));
        Assert.Equal(new long[] { 2 }, await SeqsAsync("priority=high&channel=email"));
        Assert.Empty(await SeqsAsync("channel=sms"));
    }

    [Fact]
    public async Task Search_leaves_out_archived_items_unless_asked_for_them()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 12, Shaped);
        using var api = _host.ClientFor(user, tenant);
        (await api.PostAsync("api/v1/notifications/3/archive", null)).EnsureSuccessStatusCode();

        var list = await api.GetAsync("api/v1/notifications?q=resume").ExpectJsonAsync();
        var archived = await api.GetAsync("api/v1/notifications?q=resume&archived=true").ExpectJsonAsync();

        Assert.Equal([9L, 7, 2, 1], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal([3L], archived.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Search_looks_at_the_latest_5000_items_only_and_pages_each_match_once_in_order_at_a_bounded_cost()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 6000, (seq, row) =>
        {
            if (seq % 100 == 0)
            {
                row["Title"] = "Needle " + seq;
            }

            return row;
        });
        using var api = _host.ClientFor(user, tenant);
        var walk = new InboxListWalk(api, _requests);

        var (items, sizes, requests) = await walk.WalkAsync("api/v1/notifications?q=needle&limit=20");

        // seq > 6000 - 5000: 1100..6000; the needles at 100..1000 are beyond the horizon.
        Assert.Equal(Enumerable.Range(11, 50).Reverse().Select(i => i * 100L), items.Select(i => i.Seq));
        Assert.Equal(50, sizes.Sum());
        Assert.InRange(sizes.Count, 3, 1 + (int)Math.Ceiling(InboxStore.SearchHorizon / (double)InboxStore.SearchScanBudget) + 2);

        // Membership check, counter, at most 6 scans of the 5,000 horizon (100 then 1,000-seq ranges), the page's rows in 2 fetches.
        Assert.All(requests, r => Assert.InRange(r, 2, 10));
    }

    [Fact]
    public async Task A_word_found_nowhere_scans_the_horizon_with_a_bounded_number_of_requests_and_ends_there()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 6000, (_, row) => row);
        using var api = _host.ClientFor(user, tenant);
        var walk = new InboxListWalk(api, _requests);

        var (items, _, requests) = await walk.WalkAsync("api/v1/notifications?q=absent");

        Assert.Empty(items);
        Assert.Equal((int)Math.Ceiling(InboxStore.SearchHorizon / (double)InboxStore.SearchScanBudget), requests.Count);
        Assert.All(requests, r => Assert.InRange(r, 2, 8));
    }

    [Fact]
    public async Task Deliveries_during_paging_neither_repeat_nor_shift_the_matches_of_the_first_page()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 30, (seq, row) =>
        {
            row["Title"] = "Report " + seq;
            return row;
        });
        using var api = _host.ClientFor(user, tenant);
        var first = await api.GetAsync("api/v1/notifications?q=report&limit=10").ExpectJsonAsync();
        var cursor = first.GetProperty("nextCursor").GetString()!;

        await InboxListSeed.WriteAsync(Inbox, tenant, user, 40, (seq, row) =>
        {
            if (seq <= 30)
            {
                return null;
            }

            row["Title"] = "Report " + seq;
            return row;
        });
        var second = await api.GetAsync("api/v1/notifications?q=report&limit=10&cursor=" + Uri.EscapeDataString(cursor)).ExpectJsonAsync();

        Assert.Equal(Enumerable.Range(21, 10).Reverse().Select(i => (long)i), first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal(Enumerable.Range(11, 10).Reverse().Select(i => (long)i), second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal(40, second.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task A_search_cursor_is_refused_for_another_query_another_user_or_another_kind_of_list()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 30, (seq, row) =>
        {
            row["Title"] = "Report " + seq;
            return row;
        });
        using var api = _host.ClientFor(user, tenant);
        using var other = _host.ClientFor("someone-else", tenant);
        var page = await api.GetAsync("api/v1/notifications?q=report&limit=5").ExpectJsonAsync();
        var cursor = Uri.EscapeDataString(page.GetProperty("nextCursor").GetString()!);
        var plain = await api.GetAsync("api/v1/notifications?limit=5").ExpectJsonAsync();
        var plainCursor = Uri.EscapeDataString(plain.GetProperty("nextCursor").GetString()!);

        // The same words in another spelling are the same query.
        (await api.GetAsync("api/v1/notifications?q=REPORT&limit=5&cursor=" + cursor)).EnsureSuccessStatusCode();
        await (await api.GetAsync("api/v1/notifications?q=seeded&limit=5&cursor=" + cursor)).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        await (await api.GetAsync("api/v1/notifications?q=report%20week&limit=5&cursor=" + cursor)).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        await (await other.GetAsync("api/v1/notifications?q=report&limit=5&cursor=" + cursor)).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        await (await api.GetAsync("api/v1/notifications?limit=5&cursor=" + cursor)).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        await (await api.GetAsync("api/v1/notifications?q=report&limit=5&cursor=" + plainCursor)).AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
    }

    [Theory]
    [InlineData("q=")]
    [InlineData("q=%20%20%20")]
    [InlineData("q=%21%21%21")]
    [InlineData("q=%09tab")]
    [InlineData("q=a&afterSeq=0")]
    [InlineData("q=a&order=unread_first")]
    public async Task A_blank_too_long_or_wordless_query_or_one_combined_with_afterSeq_or_unread_first_is_a_validation_error(string query)
    {
        using var api = _host.ClientFor("searcher");
        await (await api.GetAsync("api/v1/notifications?" + query)).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task A_query_of_200_characters_is_accepted_and_one_of_201_is_not()
    {
        using var api = _host.ClientFor("searcher");
        (await api.GetAsync("api/v1/notifications?q=" + new string('a', 200))).EnsureSuccessStatusCode();
        await (await api.GetAsync("api/v1/notifications?q=" + new string('a', 201))).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
