using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Inbox;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Notifications;

/// <summary>GET /api/v1/notifications?channel=: applied by the service, combined with the other filters, validated.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboxChannelFilterTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TableClient Inbox => _host.Services.GetRequiredService<InboxStore>().Table;

    [Fact]
    public async Task The_channel_filter_lists_only_that_channel_and_combines_with_type_priority_unread_and_afterSeq()
    {
        var (tenant, user) = InboxListSeed.NewUser();
        string[] channels = ["web", "email", "sms", "mobile_push"];
        await InboxListSeed.WriteAsync(Inbox, tenant, user, 40, (seq, row) =>
        {
            row["Channel"] = channels[seq % 4];
            row["Type"] = seq % 3 == 0 ? "meeting.reminder" : "task.assigned";
            row["Priority"] = seq % 5 == 0 ? "high" : "normal";
            row["IsRead"] = seq % 2 == 0;
            return row;
        });
        using var api = _host.ClientFor(user, tenant);

        async Task<long[]> SeqsAsync(string query) =>
            (await api.GetAsync("api/v1/notifications?limit=100&" + query).ExpectJsonAsync())
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()).ToArray();

        long[] Expected(Func<long, bool> where, bool oldestFirst = false)
        {
            var seqs = Enumerable.Range(1, 40).Select(i => (long)i).Where(where);
            return (oldestFirst ? seqs : seqs.OrderDescending()).ToArray();
        }

        Assert.Equal(Expected(s => s % 4 == 1), await SeqsAsync("channel=email"));
        Assert.Equal(Expected(s => s % 4 == 3), await SeqsAsync("channel=mobile_push"));
        Assert.Equal(Expected(s => s % 4 == 1 && s % 3 == 0), await SeqsAsync("channel=email&type=meeting.reminder"));
        Assert.Equal(Expected(s => s % 4 == 2 && s % 5 == 0), await SeqsAsync("channel=sms&priority=high"));
        Assert.Equal(Expected(s => s % 4 == 1 && s % 2 == 1), await SeqsAsync("channel=email&unread=true"));
        Assert.Equal(Expected(s => s > 10 && s % 4 == 0, oldestFirst: true), await SeqsAsync("channel=web&afterSeq=10"));
        Assert.Empty(await SeqsAsync("channel=web&unread=true"));
    }

    [Theory]
    [InlineData("channel=fax")]
    [InlineData("channel=EMAIL")]
    [InlineData("channel=email&afterSeq=0&priority=urgent")]
    public async Task An_unknown_channel_is_a_validation_error(string query)
    {
        using var api = _host.ClientFor("filterer");
        await (await api.GetAsync("api/v1/notifications?" + query)).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }
}
