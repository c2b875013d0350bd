using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary>
/// <see cref="TableStorage.SubmitValidatedTransactionAsync"/> against Azurite: the local guard (Azurite accepts transactions
/// Azure refuses), commit results, and the failed-action index the inbox's exactly-once logic relies on.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableTransactionTests : IAsyncLifetime
{
    private readonly StorageRequestCounter _counter = new();
    private readonly TableClient _table;

    public TableTransactionTests(AzuriteFixture azurite)
    {
        var policies = new StoragePipelinePolicies();
        policies.PerRetry.Add(_counter);
        _table = azurite.CreateStorageAccount(policies).GetTableClient(AzuriteFixture.UniqueName("tx"));
    }

    public async Task InitializeAsync()
    {
        await _table.CreateAsync();
        _counter.Reset();
    }

    public async Task DisposeAsync() => await _table.DeleteAsync();

    [Fact]
    public async Task A_transaction_spanning_two_partitions_is_refused_before_anything_is_sent()
    {
        await AssertRefusedBeforeSendingAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p1", "r1")),
            new(TableTransactionActionType.Add, new TableEntity("p2", "r2")),
        ]);
    }

    [Fact]
    public async Task A_transaction_of_101_actions_is_refused_before_anything_is_sent()
    {
        await AssertRefusedBeforeSendingAsync(Adds("p", 101));
    }

    [Fact]
    public async Task A_transaction_naming_one_row_key_twice_is_refused_before_anything_is_sent()
    {
        await AssertRefusedBeforeSendingAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "r1")),
            new(TableTransactionActionType.Add, new TableEntity("p", "r2")),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "r1") { ["Again"] = true }),
        ]);
    }

    [Fact]
    public async Task A_row_key_differing_only_in_case_is_a_different_row_and_is_accepted()
    {
        var etags = await _table.SubmitValidatedTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "row")),
            new(TableTransactionActionType.Add, new TableEntity("p", "ROW")),
        ]);

        Assert.Equal(2, etags.Count);
        Assert.Equal(["ROW", "row"], (await RowsAsync()).Select(e => e.RowKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_empty_transaction_is_refused_before_anything_is_sent()
    {
        await AssertRefusedBeforeSendingAsync([]);
    }

    [Fact]
    public async Task A_transaction_of_100_actions_commits_in_one_request_and_returns_each_etag_with_default_for_the_delete()
    {
        var updated = await _table.AddEntityAsync(new TableEntity("p", "r-update") { ["Value"] = "before" });
        var deleted = await _table.AddEntityAsync(new TableEntity("p", "r-delete"));
        _counter.Reset();
        var actions = Adds("p", 98);
        actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "r-update") { ["Value"] = "after" }, updated.NewETag()));
        actions.Add(new(TableTransactionActionType.Delete, new TableEntity("p", "r-delete"), deleted.NewETag()));

        var etags = await _table.SubmitValidatedTransactionAsync(actions);

        Assert.Equal(1, _counter.Table);
        Assert.Equal(100, etags.Count);
        Assert.Equal(default, etags[99]);
        Assert.All(etags.Take(99), etag => Assert.NotEqual(default, etag));
        Assert.NotEqual(updated.NewETag(), etags[98]);

        var rows = (await RowsAsync()).ToDictionary(e => e.RowKey, StringComparer.Ordinal);
        Assert.Equal(99, rows.Count);
        Assert.DoesNotContain("r-delete", rows.Keys);
        Assert.Equal("after", rows["r-update"].GetString("Value"));
        for (var i = 0; i < 99; i++)
        {
            Assert.Equal(rows[actions[i].Entity.RowKey].ETag, etags[i]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Adding_an_existing_row_rolls_back_the_whole_transaction_and_reports_the_index_of_that_add(int failingIndex)
    {
        await _table.AddEntityAsync(new TableEntity("p", "existing") { ["Value"] = "before" });
        var actions = Enumerable.Range(0, 3)
            .Select(i => i == failingIndex
                ? new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "existing") { ["Value"] = "after" })
                : new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"new{i}")))
            .ToList();

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitValidatedTransactionAsync(actions));

        // InboxStore: index 0 is the dedupe marker (already delivered), index 1 the counter (the user was not new).
        Assert.Equal(failingIndex, error.FailedTransactionActionIndex);
        Assert.Equal(409, error.Status);
        Assert.True(error.IsEntityAlreadyExists(), $"Error code was {error.ErrorCode}.");
        var rows = await RowsAsync();
        var row = Assert.Single(rows);
        Assert.Equal("existing", row.RowKey);
        Assert.Equal("before", row.GetString("Value"));
    }

    [Fact]
    public async Task An_update_with_a_stale_etag_fails_the_transaction_with_412_at_its_index_and_rolls_back()
    {
        var first = await _table.AddEntityAsync(new TableEntity("p", "counter") { ["Seq"] = 1 });
        await _table.UpdateEntityAsync(new TableEntity("p", "counter") { ["Seq"] = 2 }, first.NewETag(), TableUpdateMode.Merge);

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitValidatedTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "marker")),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "counter") { ["Seq"] = 3 }, first.NewETag()),
            new(TableTransactionActionType.Add, new TableEntity("p", "item")),
        ]));

        Assert.Equal(1, error.FailedTransactionActionIndex);
        Assert.True(error.IsConcurrencyConflict(), $"Status was {error.Status}.");
        var row = Assert.Single(await RowsAsync());
        Assert.Equal(2, row.GetInt32("Seq"));
    }

    private async Task AssertRefusedBeforeSendingAsync(List<TableTransactionAction> actions)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitValidatedTransactionAsync(actions));

        Assert.Equal(0, _counter.Table);
        Assert.Empty(await RowsAsync());
    }

    private async Task<List<TableEntity>> RowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in _table.QueryAsync<TableEntity>())
        {
            rows.Add(entity);
        }

        return rows;
    }

    private static List<TableTransactionAction> Adds(string partitionKey, int count) =>
        Enumerable.Range(0, count).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partitionKey, $"r{i:D3}") { ["N"] = i })).ToList();
}
