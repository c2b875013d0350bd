using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Core.DeadLetters;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Hardening;

[Collection(AzuriteCollection.Name)]
public sealed class PushFlushDeadLetterTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_push_flush_failing_five_times_lands_in_its_tenants_dead_letters_and_leaves_the_poison_queue_empty()
    {
        await using var host = await TestHost.StartAsync(azurite);
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..8];
        var account = host.Services.GetRequiredService<StorageAccount>();

        // A user id that is not a string: every flush attempt fails to read it, the tenant is still readable.
        var body = $"{{\"tenantId\":\"{tenant}\",\"userId\":5}}";
        await account.GetQueueClient(StorageNames.PushFlushQueue).SendMessageAsync(body);
        host.Services.GetRequiredService<QueueActivity>().NotifyEnqueued(StorageNames.PushFlushQueue);

        using var admin = host.ClientFor("admin1", tenant, Roles.Admin);
        var listed = await ApiAssertions.EventuallyAsync(
            () => admin.GetAsync("api/v1/admin/dead-letters").ExpectJsonAsync(),
            b => b.GetProperty("items").GetArrayLength() > 0,
            TimeSpan.FromSeconds(60));

        var deadLetter = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(StorageNames.PushFlushQueue, deadLetter.GetProperty("queue").GetString());
        Assert.Equal(body, deadLetter.GetProperty("body").GetString());
        var poison = await ApiAssertions.EventuallyAsync(
            async () => (await account.GetQueueClient(StorageNames.PushFlushPoisonQueue).PeekMessagesAsync(32)).Value.Count(m => m.Body.ToString() == body),
            n => n == 0);
        Assert.Equal(0, poison);
    }

    [Fact]
    public async Task A_poison_flush_without_a_usable_tenant_goes_to_the_operators_bucket()
    {
        await using var host = await TestHost.StartAsync(azurite);
        var store = host.Services.GetRequiredService<DeadLetterStore>();

        await store.MoveFromPoisonAsync(StorageNames.PushFlushQueue, new QueueMessageContext("m1", "{\"tenantId\":\"_unknown\",\"userId\":\"x\"}", 1, DateTimeOffset.UtcNow), default);
        await store.MoveFromPoisonAsync(StorageNames.PushFlushQueue, new QueueMessageContext("m2", "not json", 1, DateTimeOffset.UtcNow), default);

        var (items, _) = await store.ListAsync(DeadLetterStore.UnknownTenant, null, 100, default);
        Assert.Contains(items, d => d.Id.EndsWith("_m1", StringComparison.Ordinal));
        Assert.Contains(items, d => d.Id.EndsWith("_m2", StringComparison.Ordinal));
    }
}
