using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Devices;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.MemberChannel;

[Collection(AzuriteCollection.Name)]
public sealed class DeviceCleanupTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite, configureServices: s => ManualClock.Use(s, _clock));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Cleanup_purges_ack_records_of_deleted_notifications_and_unregisters_devices_not_seen_for_the_inactive_period()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var producer = _host.Producer(tenant);
        using var alice = _host.ClientFor("alice", tenant);
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
        await producer.PublishAsync("keep", "alice");
        await producer.PublishAsync("delete", "alice");
        await alice.WaitForSeqAsync(2);
        var (events, _) = await alice.PollPageAsync(deviceId);
        Assert.Equal(2, events.Count);
        await alice.AckAsync("1", deviceId).ExpectJsonAsync();
        using (var deleted = await alice.DeleteAsync("api/v1/notifications/2"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var cleanup = _host.Services.GetRequiredService<DeviceCleanup>();
        var deliveries = _host.Services.GetRequiredService<DeviceDeliveryStore>();
        var devices = _host.Services.GetRequiredService<DeviceStore>();
        await cleanup.RunAsync(CancellationToken.None);

        Assert.Null(await deliveries.GetAsync(tenant, "alice", deviceId, 2, CancellationToken.None));
        Assert.NotNull((await deliveries.GetAsync(tenant, "alice", deviceId, 1, CancellationToken.None))?.AckedAt);
        Assert.NotNull(await devices.GetAsync(tenant, "alice", deviceId, CancellationToken.None));

        _clock.Advance(TimeSpan.FromDays(271));
        var (removedDevices, _) = await cleanup.RunAsync(CancellationToken.None);
        var (again, _) = await cleanup.RunAsync(CancellationToken.None);

        Assert.True(removedDevices >= 1);
        Assert.Null(await devices.GetAsync(tenant, "alice", deviceId, CancellationToken.None));
        Assert.Equal(0, again);
    }
}
