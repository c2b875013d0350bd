using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Rooms.Chat;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Rooms;

/// <summary>Every storage request of the host counted: a page of a room's stream costs the same few requests wherever it is.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RoomChatStorageWorkTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageRequestCounter _requests = new();
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        var policies = new StoragePipelinePolicies { PerRetry = { _requests } };
        _host = await TestHost.StartAsync(azurite, configureServices: services => services.AddSingleton(policies));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ReadingAPage_CostsTheSameFewTableRequests_AtTheStartOrDeepInALongStream()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var store = _host.Services.GetRequiredService<RoomMessageStore>();
        for (var i = 0; i < 250; i++)
        {
            await store.PostAsync(tenant, roomId, new NewRoomMessage("owner", RoomMessage.TextKind, "m" + i, null, null, [], null), CancellationToken.None);
        }

        string? cursor = null;
        for (var page = 0; page < 10; page++)
        {
            cursor = (await owner.ListMessagesAsync(roomId, "?limit=20" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)))).GetProperty("nextCursor").GetString();
        }

        var newest = await CountAsync(() => owner.ListMessagesAsync(roomId, "?limit=20"));
        var deep = await CountAsync(() => owner.ListMessagesAsync(roomId, "?limit=20&cursor=" + Uri.EscapeDataString(cursor!)));
        var fromStart = await CountAsync(() => owner.ListMessagesAsync(roomId, "?afterSeq=0&limit=20"));
        var nearEnd = await CountAsync(() => owner.ListMessagesAsync(roomId, "?afterSeq=220&limit=20"));

        // Membership (room row, member row), the counter, one range query.
        Assert.All(new[] { newest, deep, fromStart, nearEnd }, count => Assert.Equal(4, count.Requests));
        Assert.Equal(Enumerable.Range(31, 20).Reverse().Select(i => (long)i), deep.Page.Seqs());
        Assert.Equal(Enumerable.Range(221, 20).Select(i => (long)i), nearEnd.Page.Seqs());
    }

    private async Task<(long Requests, System.Text.Json.JsonElement Page)> CountAsync(Func<Task<System.Text.Json.JsonElement>> call)
    {
        _requests.Reset();
        var page = await call();
        return (_requests.Table, page);
    }
}
