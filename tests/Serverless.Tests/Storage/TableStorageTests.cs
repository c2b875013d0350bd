using System.Text;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary>The <see cref="TableStorage"/> extensions other than transactions, against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableStorageTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly TableClient _table = azurite.CreateStorageAccount().GetTableClient(AzuriteFixture.UniqueName("ts"));

    public Task InitializeAsync() => _table.CreateAsync();

    public Task DisposeAsync() => _table.DeleteAsync();

    [Fact]
    public async Task Text_of_100000_characters_round_trips_split_across_properties_of_at_most_32K_characters()
    {
        var text = Pattern(100_000);
        var entity = new TableEntity("p", "r");
        entity.SetLongString("Body", text);
        await _table.AddEntityAsync(entity);

        var read = await _table.GetEntityOrDefaultAsync("p", "r");

        Assert.NotNull(read);
        Assert.Equal(text, read.GetLongString("Body"));
        var parts = read.Keys.Where(k => k.StartsWith("Body", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["Body", "Body1", "Body2", "Body3"], parts);
        Assert.All(parts, name => Assert.InRange(read.GetString(name)!.Length, 1, 32 * 1024));
    }

    [Fact]
    public async Task Text_with_a_surrogate_pair_across_a_part_boundary_round_trips_unchanged()
    {
        // A UTF-16 split inside a surrogate pair would leave each part with a lone surrogate, which JSON cannot carry intact.
        var text = new string('a', 29_999) + "\U0001F600" + new string('b', 40_000) + "\U0001F389";
        var entity = new TableEntity("p", "emoji");
        entity.SetLongString("Body", text);
        await _table.AddEntityAsync(entity);

        var read = await _table.GetEntityOrDefaultAsync("p", "emoji");

        Assert.NotNull(read);
        Assert.Equal(text, read.GetLongString("Body"));
        Assert.EndsWith("\U0001F600", read.GetString("Body"), StringComparison.Ordinal);
        Assert.StartsWith("b", read.GetString("Body1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Short_text_stays_in_one_property()
    {
        var entity = new TableEntity("p", "short");
        entity.SetLongString("Body", "hello");
        await _table.AddEntityAsync(entity);

        var read = await _table.GetEntityOrDefaultAsync("p", "short");

        Assert.NotNull(read);
        Assert.Equal("hello", read.GetLongString("Body"));
        Assert.Equal(["Body"], read.Keys.Where(k => k.StartsWith("Body", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Empty_text_is_stored_as_one_empty_property_and_read_back_empty()
    {
        var entity = new TableEntity("p", "empty");
        entity.SetLongString("Body", "");
        await _table.AddEntityAsync(entity);

        var read = await _table.GetEntityOrDefaultAsync("p", "empty");

        Assert.NotNull(read);
        Assert.Equal("", read.GetLongString("Body"));
        Assert.Null(read.GetLongString("Missing"));
    }

    [Fact]
    public async Task A_page_holds_at_most_top_rows_and_its_continuation_reads_the_rest_in_key_order()
    {
        await AddRowsAsync("p", 25);
        var seen = new List<string>();
        var pages = new List<int>();
        string? continuation = null;
        do
        {
            var page = await _table.QueryPageAsync("PartitionKey eq 'p'", null, 10, continuation);
            pages.Add(page.Items.Count);
            seen.AddRange(page.Items.Select(e => e.RowKey));
            continuation = page.ContinuationToken;
        }
        while (continuation is not null && pages.Count < 10);

        Assert.Equal([10, 10, 5], pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(RowKey), seen);
    }

    [Fact]
    public async Task A_page_asked_for_more_than_1000_rows_returns_1000_and_a_continuation()
    {
        for (var batch = 0; batch < 11; batch++)
        {
            await _table.SubmitValidatedTransactionAsync(
                Enumerable.Range(batch * 100, 100).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("big", RowKey(i)))).ToList());
        }

        var page = await _table.QueryPageAsync(null, ["RowKey"], 5000, null);
        var rest = await _table.QueryPageAsync(null, ["RowKey"], 5000, page.ContinuationToken);

        Assert.Equal(1000, page.Items.Count);
        Assert.NotNull(page.ContinuationToken);
        Assert.Equal(100, rest.Items.Count);
        Assert.Null(rest.ContinuationToken);
    }

    [Fact]
    public async Task A_page_size_below_one_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _table.QueryPageAsync(null, null, 0, null));
    }

    [Fact]
    public async Task The_last_page_has_no_continuation()
    {
        await AddRowsAsync("p", 3);

        var page = await _table.QueryPageAsync(null, null, 10, null);

        Assert.Equal(3, page.Items.Count);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task QueryLimit_returns_the_first_rows_in_key_order_and_says_more_exist()
    {
        await AddRowsAsync("p", 6);

        var (items, more) = await _table.QueryLimitAsync("PartitionKey eq 'p'", null, 5);

        Assert.True(more);
        Assert.Equal(Enumerable.Range(0, 5).Select(RowKey), items.Select(e => e.RowKey));
    }

    [Fact]
    public async Task QueryLimit_with_exactly_limit_rows_says_no_more()
    {
        await AddRowsAsync("p", 5);

        var (items, more) = await _table.QueryLimitAsync("PartitionKey eq 'p'", null, 5);

        Assert.False(more);
        Assert.Equal(5, items.Count);
    }

    [Fact]
    public async Task QueryLimit_applies_the_filter_and_select()
    {
        await AddRowsAsync("p", 10);

        var (items, more) = await _table.QueryLimitAsync(TableClient.CreateQueryFilter($"PartitionKey eq {"p"} and N ge {7}"), ["N"], 5);

        Assert.False(more);
        Assert.Equal([7, 8, 9], items.Select(e => e.GetInt32("N")!.Value));
        Assert.All(items, e => Assert.False(e.ContainsKey("Text")));
    }

    [Fact]
    public async Task A_row_key_crafted_to_widen_the_filter_matches_nothing_when_the_filter_is_built_with_CreateQueryFilter()
    {
        await AddRowsAsync("p", 3);
        var hostile = "x' or PartitionKey ne '";

        var (items, more) = await _table.QueryLimitAsync(TableClient.CreateQueryFilter($"PartitionKey eq {"p"} and RowKey eq {hostile}"), null, 10);
        var (unsafeItems, _) = await _table.QueryLimitAsync($"PartitionKey eq 'p' and RowKey eq '{hostile}'", null, 10);

        Assert.Empty(items);
        Assert.False(more);

        // The same text pasted into the filter unescaped does widen it: the escaping is what stops it.
        Assert.Equal(3, unsafeItems.Count);
    }

    [Fact]
    public async Task GetEntityOrDefault_answers_null_for_a_missing_row_and_the_selected_properties_for_an_existing_one()
    {
        await _table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = "a", ["B"] = "b" });

        var missing = await _table.GetEntityOrDefaultAsync("p", "missing");
        var read = await _table.GetEntityOrDefaultAsync("p", "r", ["A"]);

        Assert.Null(missing);
        Assert.NotNull(read);
        Assert.Equal("a", read.GetString("A"));
        Assert.False(read.ContainsKey("B"));
    }

    [Fact]
    public async Task DeleteEntityIfExists_answers_true_when_it_deleted_the_row_then_false()
    {
        await _table.AddEntityAsync(new TableEntity("p", "r"));

        Assert.True(await _table.DeleteEntityIfExistsAsync("p", "r", ETag.All));
        Assert.False(await _table.DeleteEntityIfExistsAsync("p", "r", ETag.All));
        Assert.Null(await _table.GetEntityOrDefaultAsync("p", "r"));
    }

    [Fact]
    public async Task DeleteEntityIfExists_with_the_current_etag_deletes_and_with_a_stale_one_fails_with_412_leaving_the_row()
    {
        var first = await _table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        var second = await _table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 2 }, first.NewETag(), TableUpdateMode.Replace);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _table.DeleteEntityIfExistsAsync("p", "r", first.NewETag()));

        Assert.Equal(412, error.Status);
        Assert.True(error.IsConcurrencyConflict());
        Assert.NotNull(await _table.GetEntityOrDefaultAsync("p", "r"));
        Assert.True(await _table.DeleteEntityIfExistsAsync("p", "r", second.NewETag()));
    }

    [Fact]
    public async Task NewETag_is_the_etag_the_service_stored()
    {
        var response = await _table.AddEntityAsync(new TableEntity("p", "r"));

        var read = await _table.GetEntityOrDefaultAsync("p", "r");

        Assert.Equal(read!.ETag, response.NewETag());
    }

    [Fact]
    public async Task Adding_an_existing_row_is_recognised_as_already_exists_and_reading_a_missing_one_as_not_found()
    {
        await _table.AddEntityAsync(new TableEntity("p", "r"));

        var exists = await Assert.ThrowsAsync<RequestFailedException>(() => _table.AddEntityAsync(new TableEntity("p", "r")));
        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => _table.GetEntityAsync<TableEntity>("p", "missing"));

        Assert.True(exists.IsEntityAlreadyExists(), $"{exists.Status} {exists.ErrorCode}");
        Assert.False(exists.IsNotFound());
        Assert.True(missing.IsNotFound());
        Assert.False(missing.IsEntityAlreadyExists());
    }

    private async Task AddRowsAsync(string partitionKey, int count) =>
        await _table.SubmitValidatedTransactionAsync(
            Enumerable.Range(0, count)
                .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partitionKey, RowKey(i)) { ["N"] = i, ["Text"] = "t" }))
                .ToList());

    private static string RowKey(int i) => $"r{i:D4}";

    private static string Pattern(int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; builder.Length < length; i++)
        {
            builder.Append((char)('a' + (i % 26)));
            if (i % 997 == 0 && builder.Length < length)
            {
                builder.Append('é');
            }
        }

        return builder.ToString(0, length);
    }
}
