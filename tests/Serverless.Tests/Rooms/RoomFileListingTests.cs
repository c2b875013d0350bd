using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Files;
using Serverless.Core.Files.Validation;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Rooms;

/// <summary>
/// The room's file list is read from listing rows kept in step with the file rows, so a page costs the same whatever the
/// room holds, and deletes, restores and purges never leave the list and the files disagreeing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RoomFileListingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageRequestCounter _requests = new();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(azurite, configureServices: s => s.AddSingleton(new StoragePipelinePolicies { PerRetry = { _requests } }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private RoomFileStore Files => _host.Services.GetRequiredService<RoomFileStore>();

    [Fact]
    public async Task A_page_of_a_room_with_more_files_than_one_storage_page_costs_the_same_few_requests_and_paging_visits_each_file_once_newest_first()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        var seeded = Enumerable.Range(0, 1_100).Select(i => NewFile(tenant, roomId, start.AddSeconds(i))).ToList();
        await Parallel.ForEachAsync(seeded, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (file, ct) => await Files.AddAsync(file, ct));

        var smallRoom = await CreateRoomAsync(owner);
        await Files.AddAsync(NewFile(tenant, smallRoom, start), default);
        var before = _requests.Table;
        (await owner.GetAsync($"api/v1/rooms/{smallRoom}/files?limit=10")).EnsureSuccessStatusCode();
        var smallCost = _requests.Table - before;

        before = _requests.Table;
        var first = await owner.GetAsync($"api/v1/rooms/{roomId}/files?limit=10").ExpectJsonAsync();
        var cost = _requests.Table - before;

        // The access checks and one range query over the listing rows, as for a room with one file; before the
        // listing, this read every one of the 1,100 rows (two storage pages) to sort them.
        Assert.Equal(smallCost, cost);
        Assert.True(cost <= 4, $"a page cost {cost} table requests");
        Assert.Equal(
            seeded.OrderByDescending(f => f.UploadedAt).Take(10).Select(f => f.FileId),
            first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("fileId").GetString()));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await owner.GetAsync($"api/v1/rooms/{roomId}/files?limit=200" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))).ExpectJsonAsync();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("fileId").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(seeded.OrderByDescending(f => f.UploadedAt).Select(f => f.FileId), seen);
    }

    [Fact]
    public async Task Delete_restore_and_purge_keep_the_list_in_step_with_the_files()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var ids = new List<string>();
        foreach (var name in new[] { "a.png", "b.png", "c.png" })
        {
            ids.Add((await UploadAsync(owner, roomId, Png(), name).ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString()!);
        }

        (await owner.DeleteAsync($"api/v1/rooms/{roomId}/files/{ids[1]}")).EnsureSuccessStatusCode();
        Assert.Equal([ids[2], ids[0]], await ListedAsync(owner, roomId));

        (await owner.PostAsync($"api/v1/rooms/{roomId}/files/{ids[1]}/restore", null)).EnsureSuccessStatusCode();
        Assert.Equal([ids[2], ids[1], ids[0]], await ListedAsync(owner, roomId));

        // Purging a deleted file removes its row; its listing row went with the delete, so nothing of it remains.
        (await owner.DeleteAsync($"api/v1/rooms/{roomId}/files/{ids[0]}")).EnsureSuccessStatusCode();
        var deleted = await Files.GetAsync(tenant, roomId, ids[0], default);
        Assert.True(await Files.TryDeleteRowAsync(deleted!, default));
        var rows = new List<TableEntity>();
        await foreach (var row in Files.Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RoomFileStore.Partition(tenant, roomId)}")))
        {
            rows.Add(row);
        }

        Assert.Equal(4, rows.Count); // two file rows and their two listing rows
        Assert.DoesNotContain(rows, r => r.RowKey == ids[0] || r.GetString("FileId") == ids[0]);
        Assert.Equal([ids[2], ids[1]], await ListedAsync(owner, roomId));
    }

    [Fact]
    public async Task A_ready_file_written_before_the_listing_existed_is_listed_after_the_purge_timer_runs()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var legacy = NewFile(tenant, roomId, DateTimeOffset.UtcNow.AddMinutes(-5));

        // A row as the store wrote it before: no Listed flag and no listing row.
        await Files.Table.AddEntityAsync(new TableEntity(RoomFileStore.Partition(tenant, roomId), legacy.FileId)
        {
            ["TenantId"] = tenant, ["RoomId"] = roomId, ["Status"] = "ready", ["FileName"] = "old.png", ["Size"] = 10L, ["UploaderId"] = "owner",
            ["CreatedAt"] = legacy.CreatedAt, ["UploadedAt"] = legacy.UploadedAt, ["IsDeleted"] = false, ["FileType"] = "image", ["MimeType"] = "image/png",
        });
        Assert.Empty(await ListedAsync(owner, roomId));

        await _host.Services.GetRequiredService<RoomFilePurge>().RunAsync(default);

        Assert.Equal([legacy.FileId], await ListedAsync(owner, roomId));
        Assert.True((await Files.GetAsync(tenant, roomId, legacy.FileId, default))!.Listed);
    }

    [Fact]
    public async Task A_file_whose_listing_row_is_already_gone_can_still_be_deleted_restored_and_purged()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var file = await Files.AddAsync(NewFile(tenant, roomId, DateTimeOffset.UtcNow.AddMinutes(-1)), default);
        await Files.Table.DeleteEntityAsync(RoomFileStore.Partition(tenant, roomId), RoomFileStore.ListingRowKey(file));

        var deleted = await Files.TryReplaceAsync(file with { DeletedAt = DateTimeOffset.UtcNow, DeletedBy = "owner" }, default);
        Assert.NotNull(deleted);
        Assert.False(deleted.Listed);
        var restored = await Files.TryReplaceAsync(deleted with { DeletedAt = null, DeletedBy = null }, default);
        Assert.Equal([file.FileId], await ListedAsync(owner, roomId));

        await Files.Table.DeleteEntityAsync(RoomFileStore.Partition(tenant, roomId), RoomFileStore.ListingRowKey(file));
        Assert.True(await Files.TryDeleteRowAsync(restored!, default));
        Assert.Null(await Files.GetAsync(tenant, roomId, file.FileId, default));

        // A stale copy (its ETag no longer the row's) still loses, listing row or not.
        Assert.Null(await Files.TryReplaceAsync(file, default));
    }

    private static async Task<List<string>> ListedAsync(HttpClient client, string roomId) =>
        (await client.GetAsync($"api/v1/rooms/{roomId}/files").ExpectJsonAsync()).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("fileId").GetString()!).ToList();

    private static RoomFile NewFile(string tenant, string roomId, DateTimeOffset uploadedAt) =>
        new(tenant, roomId, RoomFile.NewId(), RoomFileStatus.Ready, "seed.png", FileKind.Image, "image/png", 10, null, "owner", uploadedAt, uploadedAt, null, null);
}
