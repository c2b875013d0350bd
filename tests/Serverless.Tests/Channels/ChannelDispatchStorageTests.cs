using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Channels;
using Serverless.Core.Hosting;
using Serverless.Core.Inbox;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Channels;

/// <summary>A dispatch message that carries its inbox seq (written by the delivery that just committed) skips the marker read; one without it, or with a seq that is not its event's row, still finds the event through the marker.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChannelDispatchStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_dispatch_with_its_seq_reads_one_row_less_and_a_wrong_or_missing_seq_falls_back_to_the_marker()
    {
        var requests = new StorageRequestCounter();
        await using var smtp = await SmtpTestServer.StartAsync();
        var settings = ChannelTestKit.Merge(smtp.Settings(), new Dictionary<string, string?>
        {
            // Nothing else may touch storage while the dispatches are counted.
            ["AzureWebJobs.DispatchChannels.Disabled"] = "true",
            ["AzureWebJobs.SendEmail.Disabled"] = "true",
        });
        await using var host = await TestHost.StartAsync(azurite, settings, configureServices: s => s.AddSingleton(new StoragePipelinePolicies { PerRetry = { requests } }));
        var inbox = host.Services.GetRequiredService<InboxStore>();
        var dispatcher = host.Services.GetRequiredService<ChannelDispatcher>();
        var (tenant, user) = (ChannelTestKit.NewTenant(), "alice");
        var first = await inbox.DeliverAsync(tenant, user, Notification("evt_first"), default);
        var second = await inbox.DeliverAsync(tenant, user, Notification("evt_second"), default);

        async Task<long> CostAsync(string eventId, long seq)
        {
            var message = new ChannelMessage { TenantId = tenant, UserId = user, EventId = eventId, Type = "task.overdue", Priority = "high", Email = "alice@example.test", Seq = seq };
            var before = requests.Table;
            await dispatcher.DispatchAsync(new QueueMessageContext("m-" + eventId + seq, message.Serialize(), 1), default);
            return requests.Table - before;
        }

        var withSeq = await CostAsync("evt_first", first.Item!.Seq);
        var withoutSeq = await CostAsync("evt_first", 0);
        Assert.Equal(withoutSeq - 1, withSeq);

        // A seq that names another event's row is not trusted: the marker finds the right one.
        await CostAsync("evt_second", first.Item!.Seq);
        var row = await inbox.GetAsync(tenant, user, second.Item!.Seq, default);
        Assert.Contains(row!.Deliveries!, d => d.Channel == ChannelNames.Email);
    }

    private static NewNotification Notification(string eventId) =>
        new(eventId, "task.overdue", "Overdue", "It is late.", "high", "email", null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), null, false);
}
