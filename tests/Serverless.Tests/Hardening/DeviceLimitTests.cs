using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Devices;
using Serverless.Tests.Infrastructure;
using Serverless.Tests.MemberChannel;

namespace Serverless.Tests.Hardening;

[Collection(AzuriteCollection.Name)]
public sealed class DeviceLimitTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_user_cannot_register_more_devices_than_the_cap_and_unregistering_frees_a_slot()
    {
        await using var host = await StartAsync(maxDevices: 3, perUserPerMinute: 100);
        var tenant = MemberChannelCalls.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        var devices = Enumerable.Range(0, 3).Select(_ => MemberChannelCalls.NewId("dev")).ToList();
        foreach (var device in devices)
        {
            await alice.RegisterAsync(device).ExpectJsonAsync();
        }

        using (var fourth = await alice.RegisterAsync(MemberChannelCalls.NewId("dev")))
        {
            await fourth.AssertErrorAsync(HttpStatusCode.Conflict, "DEVICE_LIMIT_REACHED");
        }

        await alice.RegisterAsync(devices[0], token: "refreshed").ExpectJsonAsync(); // a known device still refreshes at the cap
        using (var otherUser = host.ClientFor("bob", tenant))
        {
            await otherUser.RegisterAsync(MemberChannelCalls.NewId("dev")).ExpectJsonAsync();
        }

        using (var unregister = await alice.PostJsonAsync("api/member/channel/device/unregister", new { deviceId = devices[1] }))
        {
            Assert.Equal(HttpStatusCode.NoContent, unregister.StatusCode);
        }

        await alice.RegisterAsync(MemberChannelCalls.NewId("dev")).ExpectJsonAsync();
    }

    [Fact]
    public async Task A_device_removed_behind_the_apis_back_no_longer_counts_against_the_cap()
    {
        await using var host = await StartAsync(maxDevices: 2, perUserPerMinute: 100);
        var tenant = MemberChannelCalls.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        var first = MemberChannelCalls.NewId("dev");
        await alice.RegisterAsync(first).ExpectJsonAsync();
        await alice.RegisterAsync(MemberChannelCalls.NewId("dev")).ExpectJsonAsync();

        // As the inactivity cleanup does: the binding goes, the index row stays.
        await host.Services.GetRequiredService<DeviceStore>().Table.DeleteEntityAsync(tenant, first);

        await alice.RegisterAsync(MemberChannelCalls.NewId("dev")).ExpectJsonAsync();
    }

    [Fact]
    public async Task Concurrent_registrations_never_exceed_the_cap()
    {
        await using var host = await StartAsync(maxDevices: 3, perUserPerMinute: 100);
        var tenant = MemberChannelCalls.NewTenant();
        using var alice = host.ClientFor("alice", tenant);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => alice.RegisterAsync(MemberChannelCalls.NewId("dev"))));

        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict, $"unexpected {s}"));
        // Never above the cap, and never all refused: in-flight reservations are ranked, so the first ones get the slots.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 1, 3);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Registration_is_rate_limited_per_user_across_fresh_device_ids()
    {
        await using var host = await StartAsync(maxDevices: 100, perUserPerMinute: 3);
        var tenant = MemberChannelCalls.NewTenant();
        using var alice = host.ClientFor("alice", tenant);
        for (var i = 0; i < 3; i++)
        {
            await alice.RegisterAsync(MemberChannelCalls.NewId("dev")).ExpectJsonAsync();
        }

        using var limited = await alice.RegisterAsync(MemberChannelCalls.NewId("dev"));

        await limited.AssertErrorAsync(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.NotNull(limited.Headers.RetryAfter);
        using var bob = host.ClientFor("bob", tenant);
        await bob.RegisterAsync(MemberChannelCalls.NewId("dev")).ExpectJsonAsync();
    }

    private Task<TestHost> StartAsync(int maxDevices, int perUserPerMinute) => TestHost.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["MemberChannel:MaxDevicesPerUser"] = maxDevices.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MemberChannel:RegisterPermitsPerUserPerMinute"] = perUserPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });
}
