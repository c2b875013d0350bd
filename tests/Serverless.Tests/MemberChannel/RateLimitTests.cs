using System.Net;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.MemberChannel;

[Collection(AzuriteCollection.Name)]
public sealed class RateLimitTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["MemberChannel:RegisterPermitsPerMinute"] = "2",
        ["MemberChannel:EventsPermitsPerMinute"] = "2",
        ["MemberChannel:AckPermitsPerMinute"] = "2",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Register_poll_and_ack_beyond_the_per_device_limit_answer_429_with_retry_after()
    {
        var tenant = MemberChannelCalls.NewTenant();
        var deviceId = MemberChannelCalls.NewId("dev");
        using var alice = _host.ClientFor("alice", tenant);

        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
        (await alice.RegisterAsync(deviceId)).EnsureSuccessStatusCode();
        await AssertLimitedAsync(await alice.RegisterAsync(deviceId));

        await alice.PollPageAsync(deviceId);
        await alice.PollPageAsync(deviceId);
        await AssertLimitedAsync(await alice.PollAsync(deviceId));

        // Acks of an unknown event still spend permits: the limit protects storage from any ack traffic.
        (await alice.AckAsync("1", deviceId)).Dispose();
        (await alice.AckAsync("1", deviceId)).Dispose();
        await AssertLimitedAsync(await alice.AckAsync("1", deviceId));

        // The limit is per user and device: another device of the same user is not affected.
        (await alice.RegisterAsync(MemberChannelCalls.NewId("dev"))).EnsureSuccessStatusCode();
    }

    private static async Task AssertLimitedAsync(HttpResponseMessage response)
    {
        using (response)
        {
            await response.AssertErrorAsync(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
            var retryAfter = response.Headers.RetryAfter?.Delta;
            Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After should be 1..60 seconds, was {response.Headers.RetryAfter}.");
        }
    }
}
