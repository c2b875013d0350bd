using System.Net;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Channels;
using Serverless.Core.Devices;
using Serverless.Core.Hosting;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Channels;

/// <summary>
/// Mobile push end to end against <see cref="PushContractServer"/>, a local server that checks every request against the
/// documented FCM HTTP v1 and APNs contracts (it is not FCM or APNs: neither has an emulator).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PushChannelTests(AzuriteFixture azurite)
{
    private static readonly object Meeting = new { meeting = new { title = "Weekly sync", startsAt = "10:00" } };

    [Fact]
    public async Task FcmAndApnsDevices_EachGetOnePush_WithTitleBodyEventIdSeqAndACollapseIdPerUser()
    {
        await using var push = await PushContractServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, push.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        await RegisterAsync(alice, "android-1", "android", "fcm", "fcm-token-alice");
        await RegisterAsync(alice, "iphone-1", "ios", "apns", "apns-token-alice");

        var eventId = await ChannelTestKit.PublishAsync(host, tenant, "meeting.reminder", ["alice"], Meeting);
        var item = await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.MobilePush, DeliveryStatuses.Sent);

        Assert.Empty(push.Violations);
        var fcm = Assert.Single(push.For("fcm-token-alice"))["message"]!;
        Assert.Equal("Reminder: Weekly sync", (string?)fcm["notification"]!["title"]);
        Assert.Equal("\"Weekly sync\" starts at 10:00.", (string?)fcm["notification"]!["body"]);
        Assert.Equal(eventId, (string?)fcm["data"]!["eventId"]);
        Assert.Equal("1", (string?)fcm["data"]!["seq"]);
        var apns = Assert.Single(push.For("apns-token-alice"));
        Assert.Equal("Reminder: Weekly sync", (string?)apns["aps"]!["alert"]!["title"]);
        Assert.Equal(eventId, (string?)apns["eventId"]);
        Assert.Equal(1, (long?)apns["seq"]);
        var apnsHeaders = push.Accepted.Single(a => a.Provider == "apns").Headers;
        Assert.Equal((string?)fcm["android"]!["collapse_key"], apnsHeaders["apns-collapse-id"].ToString());
        Assert.Equal(1, push.TokenRequests);
        Assert.Null(ChannelTestKit.DeliveryStatus(item, ChannelNames.Email, out _));

        // A second notification reuses the cached OAuth token and carries the next seq.
        await ChannelTestKit.PublishAsync(host, tenant, "meeting.reminder", ["alice"], Meeting);
        await ChannelTestKit.EventuallyStatusAsync(alice, 2, ChannelNames.MobilePush, DeliveryStatuses.Sent);
        Assert.Equal("2", (string?)push.For("fcm-token-alice")[1]["message"]!["data"]!["seq"]);
        Assert.Equal(1, push.TokenRequests);
    }

    [Fact]
    public async Task TokensTheProviderReportsInvalid_UnregisterTheirDevices()
    {
        await using var push = await PushContractServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, push.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        await RegisterAsync(alice, "android-dead", "android", "fcm", "dead-fcm-token");
        await RegisterAsync(alice, "iphone-dead", "ios", "apns", "dead-apns-token");
        await RegisterAsync(alice, "iphone-live", "ios", "apns", "apns-live");

        await ChannelTestKit.PublishAsync(host, tenant, "meeting.reminder", ["alice"], Meeting);
        await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.MobilePush, DeliveryStatuses.Sent);

        var devices = host.Services.GetRequiredService<DeviceStore>();
        Assert.Null(await devices.GetAsync(tenant, "alice", "android-dead", default)); // FCM 404 UNREGISTERED
        Assert.Null(await devices.GetAsync(tenant, "alice", "iphone-dead", default));  // APNs 410
        Assert.NotNull(await devices.GetAsync(tenant, "alice", "iphone-live", default));
        Assert.Single(push.For("apns-live"));
        Assert.Empty(push.Violations);
    }

    [Fact]
    public async Task AUserWhoseDeviceWasUnregistered_GetsNoPush()
    {
        await using var push = await PushContractServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, push.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        await RegisterAsync(alice, "android-1", "android", "fcm", "fcm-gone-soon");
        using (var unregister = await alice.PostAsync(
                   "api/member/channel/device/unregister", new StringContent("""{"deviceId":"android-1"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NoContent, unregister.StatusCode);
        }

        await ChannelTestKit.PublishAsync(host, tenant, "meeting.reminder", ["alice"], Meeting);
        var item = await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.MobilePush, DeliveryStatuses.Skipped);

        ChannelTestKit.DeliveryStatus(item, ChannelNames.MobilePush, out var reason);
        Assert.Equal("no_device", reason);
        Assert.Empty(push.Accepted);
    }

    [Fact]
    public async Task ProviderErrors_AreRetriedWithBackOff_AndEachDeviceGetsItOnce()
    {
        await using var push = await PushContractServer.StartAsync();
        push.FlakyFailures = 2;
        await using var host = await TestHost.StartAsync(azurite, push.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        await RegisterAsync(alice, "android-1", "android", "fcm", "flaky-fcm");
        await RegisterAsync(alice, "iphone-1", "ios", "apns", "apns-steady");
        await RegisterAsync(alice, "iphone-2", "ios", "apns", "flaky-apns");

        await ChannelTestKit.PublishAsync(host, tenant, "meeting.reminder", ["alice"], Meeting);
        await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.MobilePush, DeliveryStatuses.Sent);
        await ApiAssertions.EventuallyAsync(() => Task.FromResult(push.Accepted.Count), n => n >= 3);
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Single(push.For("flaky-fcm"));
        Assert.Single(push.For("flaky-apns"));
        Assert.Single(push.For("apns-steady")); // already pushed: not again on the retries
        Assert.Empty(push.Violations);
    }

    [Fact]
    public async Task ProviderDownForEveryAttempt_DeadLettersThePush()
    {
        await using var push = await PushContractServer.StartAsync();
        push.FlakyFailures = 100;
        await using var host = await TestHost.StartAsync(azurite, push.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        await RegisterAsync(alice, "android-1", "android", "fcm", "flaky-forever");

        await ChannelTestKit.PublishAsync(host, tenant, "meeting.reminder", ["alice"], Meeting);
        await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.MobilePush, DeliveryStatuses.Failed);

        var letter = Assert.Single(await ChannelTestKit.DeadLettersAsync(host, tenant));
        Assert.Equal(StorageNames.MobilePushQueue, letter.GetString("Queue"));
        Assert.Contains("FCM 503 UNAVAILABLE", letter.GetString("Error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedeliveredPushMessage_SendsNothingTwice()
    {
        await using var push = await PushContractServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, push.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        await RegisterAsync(alice, "android-1", "android", "fcm", "fcm-once");

        var eventId = await ChannelTestKit.PublishAsync(host, tenant, "meeting.reminder", ["alice"], Meeting);
        await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.MobilePush, DeliveryStatuses.Sent);
        var message = new ChannelMessage { TenantId = tenant, UserId = "alice", EventId = eventId, Seq = 1 };
        await host.Services.GetRequiredService<PushDelivery>().SendAsync(new QueueMessageContext("m", message.Serialize(), 2), default);

        Assert.Single(push.For("fcm-once"));
    }

    private static async Task RegisterAsync(HttpClient client, string deviceId, string platform, string provider, string token)
    {
        var body = $$"""{"deviceId":"{{deviceId}}","platform":"{{platform}}","pushProvider":"{{provider}}","pushToken":"{{token}}"}""";
        using var response = await client.PostAsync("api/member/channel/device/register", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
