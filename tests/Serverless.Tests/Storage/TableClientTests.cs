using Serverless.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableClientTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly TableClient _table = StorageTestAccounts.Create(azurite).GetTableClient(AzuriteFixture.UniqueName("t"));

    public Task InitializeAsync() => _table.CreateIfNotExistsAsync();

    public Task DisposeAsync() => _table.DeleteTableAsync();

    [Fact]
    public async Task CreateIfNotExists_CalledTwice_DoesNotThrow()
    {
        await _table.CreateIfNotExistsAsync();

        Assert.Null(await _table.GetEntityAsync("p", "missing"));
    }

    [Fact]
    public async Task AddEntity_EveryPropertyType_RoundTripsWithItsType()
    {
        var when = new DateTimeOffset(2024, 2, 29, 13, 14, 15, 123, TimeSpan.Zero);
        var id = Guid.NewGuid();
        var entity = new TableEntity("p'1", "r 1 é's")
        {
            ["Text"] = "hello",
            ["Flag"] = true,
            ["Small"] = 42,
            ["Big"] = long.MaxValue - 1,
            ["Ratio"] = 2.0,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = new byte[] { 1, 2, 3 },
        };

        var etag = await _table.AddEntityAsync(entity);
        var read = await _table.GetEntityAsync("p'1", "r 1 é's");

        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal("p'1", read.PartitionKey);
        Assert.Equal("r 1 é's", read.RowKey);
        Assert.Equal("hello", read.GetString("Text"));
        Assert.True(read.GetBoolean("Flag"));
        Assert.Equal(42, read.GetInt32("Small"));
        Assert.Equal(long.MaxValue - 1, read.GetInt64("Big"));
        Assert.IsType<long>(read["Big"]);
        Assert.Equal(2.0, read.GetDouble("Ratio"));
        Assert.IsType<double>(read["Ratio"]);
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(id, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 1, 2, 3 }, read.GetBinary("Bytes"));
    }

    [Fact]
    public async Task AddEntity_RowAlreadyExists_FailsWith409EntityAlreadyExists()
    {
        await _table.AddEntityAsync(new TableEntity("p", "r"));

        var error = await Assert.ThrowsAsync<StorageRequestFailedException>(() => _table.AddEntityAsync(new TableEntity("p", "r")));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
    }

    [Fact]
    public async Task GetEntity_WithSelect_ReturnsOnlyTheSelectedProperties()
    {
        await _table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = "a", ["B"] = "b" });

        var read = await _table.GetEntityAsync("p", "r", ["A"]);

        Assert.NotNull(read);
        Assert.Equal("a", read.GetString("A"));
        Assert.False(read.ContainsKey("B"));
    }

    [Fact]
    public async Task UpsertEntity_MergeThenReplace_KeepsThenDropsUnsentProperties()
    {
        await _table.UpsertEntityAsync(new TableEntity("p", "r") { ["A"] = "a" });
        await _table.UpsertEntityAsync(new TableEntity("p", "r") { ["B"] = "b" }, TableUpdateMode.Merge);
        var merged = await _table.GetEntityAsync("p", "r");
        await _table.UpsertEntityAsync(new TableEntity("p", "r") { ["C"] = "c" }, TableUpdateMode.Replace);
        var replaced = await _table.GetEntityAsync("p", "r");

        Assert.Equal("a", merged!.GetString("A"));
        Assert.Equal("b", merged.GetString("B"));
        Assert.False(replaced!.ContainsKey("A"));
        Assert.Equal("c", replaced.GetString("C"));
    }

    [Fact]
    public async Task UpdateEntity_StaleETag_ThrowsConcurrencyException()
    {
        var first = await _table.AddEntityAsync(new TableEntity("p", "r") { ["N"] = 1 });
        var second = await _table.UpdateEntityAsync(new TableEntity("p", "r") { ["N"] = 2 }, first);

        var error = await Assert.ThrowsAsync<StorageConcurrencyException>(() => _table.UpdateEntityAsync(new TableEntity("p", "r") { ["N"] = 3 }, first));

        Assert.Equal(412, error.Status);
        Assert.NotEqual(first, second);
        Assert.Equal(2, (await _table.GetEntityAsync("p", "r"))!.GetInt32("N"));
    }

    [Fact]
    public async Task UpdateEntity_MissingRow_Throws404()
    {
        var error = await Assert.ThrowsAsync<StorageRequestFailedException>(() => _table.UpdateEntityAsync(new TableEntity("p", "nope"), "*"));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task DeleteEntity_ExistingThenMissing_ReturnsTrueThenFalse()
    {
        await _table.AddEntityAsync(new TableEntity("p", "r"));

        Assert.True(await _table.DeleteEntityAsync("p", "r"));
        Assert.False(await _table.DeleteEntityAsync("p", "r"));
    }

    [Fact]
    public async Task DeleteEntity_StaleETag_ThrowsConcurrencyAndKeepsTheRow()
    {
        var first = await _table.AddEntityAsync(new TableEntity("p", "r"));
        await _table.UpsertEntityAsync(new TableEntity("p", "r") { ["X"] = 1 });

        await Assert.ThrowsAsync<StorageConcurrencyException>(() => _table.DeleteEntityAsync("p", "r", first));

        Assert.NotNull(await _table.GetEntityAsync("p", "r"));
    }

    [Fact]
    public async Task QueryAsync_MorePagesThanOne_FollowsContinuationAndReturnsEverything()
    {
        for (var i = 0; i < 7; i++)
        {
            await _table.AddEntityAsync(new TableEntity("p", $"r{i}") { ["N"] = i });
        }

        var firstPage = await _table.QueryPageAsync(null, null, 3, null);
        var all = new List<TableEntity>();
        await foreach (var entity in _table.QueryAsync(maxPerPage: 3))
        {
            all.Add(entity);
        }

        Assert.Equal(3, firstPage.Items.Count);
        Assert.NotNull(firstPage.ContinuationToken);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"r{i}"), all.Select(e => e.RowKey));
    }

    [Fact]
    public async Task QueryAsync_FilterWithTypedLiterals_ReturnsOnlyMatchingRows()
    {
        await _table.AddEntityAsync(new TableEntity("p", "a") { ["Count"] = 5L, ["Active"] = true });
        await _table.AddEntityAsync(new TableEntity("p", "b") { ["Count"] = 50L, ["Active"] = true });
        await _table.AddEntityAsync(new TableEntity("p", "c") { ["Count"] = 500L, ["Active"] = false });

        var rows = new List<string>();
        await foreach (var e in _table.QueryAsync(TableFilter.Create($"PartitionKey eq {"p"} and Count gt {10L} and Active eq {true}")))
        {
            rows.Add(e.RowKey);
        }

        Assert.Equal(["b"], rows);
    }

    [Fact]
    public async Task QueryAsync_InjectionAttemptAsValue_MatchesNothing()
    {
        await _table.AddEntityAsync(new TableEntity("secret", "r"));
        await _table.AddEntityAsync(new TableEntity("x' or PartitionKey ne '", "literal"));

        var rows = new List<TableEntity>();
        await foreach (var e in _table.QueryAsync(TableFilter.Create($"PartitionKey eq {"x' or PartitionKey ne '"}")))
        {
            rows.Add(e);
        }

        var row = Assert.Single(rows);
        Assert.Equal("literal", row.RowKey);
    }

    [Fact]
    public async Task SubmitTransaction_MixedActions_AppliesAllAndReturnsETagsExceptForDeletes()
    {
        var existingETag = await _table.AddEntityAsync(new TableEntity("p", "update") { ["V"] = 1 });
        await _table.AddEntityAsync(new TableEntity("p", "delete"));

        var etags = await _table.SubmitTransactionAsync([
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "add") { ["V"] = 1 }),
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity("p", "update") { ["W"] = 2 }, existingETag),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upsert") { ["V"] = 3 }),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "delete")),
        ]);

        Assert.Equal(4, etags.Count);
        Assert.NotNull(etags[0]);
        Assert.NotNull(etags[1]);
        Assert.NotNull(etags[2]);
        Assert.Null(etags[3]);
        Assert.NotNull(await _table.GetEntityAsync("p", "add"));
        var updated = await _table.GetEntityAsync("p", "update");
        Assert.Equal(1, updated!.GetInt32("V"));
        Assert.Equal(2, updated.GetInt32("W"));
        Assert.Equal(etags[1], updated.ETag);
        Assert.Null(await _table.GetEntityAsync("p", "delete"));
    }

    [Fact]
    public async Task SubmitTransaction_OneFailingOperation_RollsBackTheWholeBatch()
    {
        await _table.AddEntityAsync(new TableEntity("p", "taken"));

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitTransactionAsync([
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "one")),
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("p", "two")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "taken")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "four")),
        ]));

        Assert.Equal(2, error.FailedIndex);
        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Null(await _table.GetEntityAsync("p", "one"));
        Assert.Null(await _table.GetEntityAsync("p", "two"));
        Assert.Null(await _table.GetEntityAsync("p", "four"));
    }

    [Fact]
    public async Task SubmitTransaction_UpdateWithStaleETag_FailsTheBatchWith412()
    {
        var stale = await _table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        await _table.UpsertEntityAsync(new TableEntity("p", "r") { ["V"] = 2 });

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitTransactionAsync([
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "other")),
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "r") { ["V"] = 3 }, stale),
        ]));

        Assert.Equal(412, error.Status);
        Assert.Equal(1, error.FailedIndex);
        Assert.Null(await _table.GetEntityAsync("p", "other"));
        Assert.Equal(2, (await _table.GetEntityAsync("p", "r"))!.GetInt32("V"));
    }
}
