using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary>
/// <see cref="ResumableScan"/> over a real table with SDK continuation tokens, including state rows written before the SDK
/// (the hand-written client's base64 JSON tokens, stored without a Format).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ResumableScanTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly StorageAccount _account = azurite.CreateStorageAccount();
    private readonly string _scanName = AzuriteFixture.UniqueName("scan");
    private readonly TableClient _data = azurite.CreateStorageAccount().GetTableClient(AzuriteFixture.UniqueName("scandata"));

    private TableClient State => _account.GetTableClient(StorageNames.CleanupStateTable);

    public async Task InitializeAsync()
    {
        await State.CreateIfNotExistsAsync();
        await _data.CreateAsync();
        await _data.SubmitValidatedTransactionAsync(
            Enumerable.Range(0, 5).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}"))).ToList());
    }

    public async Task DisposeAsync()
    {
        await _data.DeleteAsync();
        await State.DeleteEntityIfExistsAsync("scan", _scanName, Azure.ETag.All);
    }

    [Fact]
    public async Task A_saved_token_in_the_old_format_restarts_the_scan_from_the_beginning_instead_of_failing()
    {
        // What the hand-written client stored: base64 of ["NextPartitionKey","NextRowKey"], no Format property.
        var oldToken = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new[] { "p", "r3" }));
        await State.UpsertEntityAsync(new TableEntity("scan", _scanName) { ["Continuation"] = oldToken, ["LastRunAt"] = DateTimeOffset.UtcNow });
        var (scan, seen, starts) = Scan();

        var done = await scan.RunAsync(_scanName, 1, PageOfTwo(seen, starts), CancellationToken.None);

        Assert.Equal(2, done);
        Assert.Equal([null], starts);
        Assert.Equal(["r0", "r1"], seen);
        var state = await State.GetEntityOrDefaultAsync("scan", _scanName);
        Assert.NotEqual(oldToken, state?.GetString("Continuation"));
        Assert.False(string.IsNullOrEmpty(state?.GetString("Format")));
    }

    [Fact]
    public async Task A_saved_token_tagged_with_another_format_restarts_the_scan()
    {
        await State.UpsertEntityAsync(new TableEntity("scan", _scanName) { ["Continuation"] = "p r3", ["Format"] = "hand-written-1" });
        var (scan, seen, starts) = Scan();

        await scan.RunAsync(_scanName, 1, PageOfTwo(seen, starts), CancellationToken.None);

        Assert.Equal([null], starts);
        Assert.Equal(["r0", "r1"], seen);
    }

    [Fact]
    public async Task A_saved_current_format_token_resumes_where_the_last_run_stopped_and_the_end_starts_over()
    {
        var (scan, seen, starts) = Scan();
        var page = PageOfTwo(seen, starts);

        var first = await scan.RunAsync(_scanName, 1, page, CancellationToken.None);
        var saved = (await State.GetEntityOrDefaultAsync("scan", _scanName))?.GetString("Continuation");
        var second = await scan.RunAsync(_scanName, 1, page, CancellationToken.None);
        var third = await scan.RunAsync(_scanName, 5, page, CancellationToken.None);
        var afterEnd = (await State.GetEntityOrDefaultAsync("scan", _scanName))?.GetString("Continuation");
        var fourth = await scan.RunAsync(_scanName, 1, page, CancellationToken.None);

        Assert.Equal([2, 2, 1, 2], [first, second, third, fourth]);
        Assert.False(string.IsNullOrEmpty(saved));
        Assert.Equal(saved, starts[1]);
        Assert.Equal(["r0", "r1", "r2", "r3", "r4", "r0", "r1"], seen);
        Assert.Equal("", afterEnd);
        Assert.Null(starts[3]);
    }

    private (ResumableScan Scan, List<string> Seen, List<string?> Starts) Scan() => (new ResumableScan(_account, TimeProvider.System), [], []);

    private Func<string?, CancellationToken, Task<(int Done, string? Next)>> PageOfTwo(List<string> seen, List<string?> starts) =>
        async (continuation, cancellationToken) =>
        {
            starts.Add(continuation);
            var page = await _data.QueryPageAsync(null, null, 2, continuation, cancellationToken);
            seen.AddRange(page.Items.Select(e => e.RowKey));
            return (page.Items.Count, page.ContinuationToken);
        };
}
