using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.MemberChannel;

[Collection(AzuriteCollection.Name)]
public sealed class DeviceRegistrationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Registering_the_same_device_twice_keeps_one_binding_with_the_new_token_and_a_second_user_gets_409()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var alice = _host.ClientFor("alice", tenant);

        var first = await alice.RegisterAsync(deviceId, token: "token-a").ExpectJsonAsync();
        var second = await alice.RegisterAsync(deviceId, "android", "fcm", "token-b").ExpectJsonAsync();

        Assert.Equal(deviceId, second.GetProperty("deviceId").GetString());
        Assert.Equal(first.GetProperty("registeredAt").GetDateTimeOffset(), second.GetProperty("registeredAt").GetDateTimeOffset());
        Assert.True(second.GetProperty("lastSeenAt").GetDateTimeOffset() >= first.GetProperty("lastSeenAt").GetDateTimeOffset());

        var table = _host.Services.GetRequiredService<StorageAccount>().GetTableClient(StorageNames.DevicesTable);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenant}")))
        {
            rows.Add(row);
        }

        var binding = Assert.Single(rows);
        Assert.Equal("token-b", binding.GetString("PushToken"));
        Assert.Equal("android", binding.GetString("Platform"));

        using var bob = _host.ClientFor("bob", tenant);
        using var conflict = await bob.RegisterAsync(deviceId);
        await conflict.AssertErrorAsync(HttpStatusCode.Conflict, "DEVICE_BOUND_TO_OTHER_USER");
        Assert.DoesNotContain("alice", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unregistering_removes_the_device_so_a_second_unregister_and_a_poll_are_404()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var alice = _host.ClientFor("alice", tenant);
        using var bob = _host.ClientFor("bob", tenant);
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();

        using (var othersDevice = await bob.PostJsonAsync("api/member/channel/device/unregister", new { deviceId }))
        {
            await othersDevice.AssertErrorAsync(HttpStatusCode.NotFound, "DEVICE_NOT_FOUND");
        }

        using (var removed = await alice.PostJsonAsync("api/member/channel/device/unregister", new { deviceId }))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var again = await alice.PostJsonAsync("api/member/channel/device/unregister", new { deviceId }))
        {
            await again.AssertErrorAsync(HttpStatusCode.NotFound, "DEVICE_NOT_FOUND");
        }

        using var poll = await alice.PollAsync(deviceId);
        await poll.AssertErrorAsync(HttpStatusCode.NotFound, "DEVICE_NOT_FOUND");

        // Once freed, the id can be bound by someone else.
        (await bob.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("{\"platform\":\"ios\",\"pushProvider\":\"apns\",\"pushToken\":\"x\"}", "deviceId")]
    [InlineData("{\"deviceId\":\"a/b\",\"platform\":\"ios\",\"pushProvider\":\"apns\",\"pushToken\":\"x\"}", "deviceId")]
    [InlineData("{\"deviceId\":\"d1\",\"platform\":\"symbian\",\"pushProvider\":\"apns\",\"pushToken\":\"x\"}", "platform")]
    [InlineData("{\"deviceId\":\"d1\",\"platform\":\"ios\",\"pushProvider\":\"pigeon\",\"pushToken\":\"x\"}", "pushProvider")]
    [InlineData("{\"deviceId\":\"d1\",\"platform\":\"ios\",\"pushProvider\":\"apns\"}", "pushToken")]
    public async Task Registering_with_an_invalid_field_is_400_naming_the_field(string body, string field)
    {
        using var alice = _host.ClientFor("alice", MemberChannelCalls.NewTenant());
        using var response = await alice.PostAsync("api/member/channel/device/register", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.Contains($"'{field}'", (await response.ReadJsonAsync()).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registering_without_a_push_provider_needs_no_token()
    {
        using var alice = _host.ClientFor("alice", MemberChannelCalls.NewTenant());
        var body = await alice.RegisterAsync(MemberChannelCalls.NewId("dev"), "web", "none", null).ExpectJsonAsync();

        Assert.True(body.GetProperty("registeredAt").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
    }
}
