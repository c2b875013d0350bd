using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Hosting;

/// <summary>
/// Bounded, resumable scans for timer work. Each run reads at most a few pages and stores where it stopped (in the
/// cleanup-state table, under the scan's name), so a large table is covered over several runs instead of each run
/// starting again at the top. Two runs at once may read the same pages; callers make their work idempotent.
/// </summary>
public sealed class ResumableScan(StorageAccount account, TimeProvider time)
{
    private const string StatePartition = "scan";
    private const string TokenFormat = "azure-data-tables-12";
    private readonly TableClient _state = account.GetTableClient(StorageNames.CleanupStateTable);

    /// <summary>
    /// Runs up to <paramref name="maxPages"/> steps of <paramref name="page"/>, each given the continuation to start from and
    /// returning how much it did and the continuation after it (null at the end of the table). Returns the total done.
    /// </summary>
    public async Task<int> RunAsync(
        string name, int maxPages, Func<string?, CancellationToken, Task<(int Done, string? Next)>> page, CancellationToken cancellationToken)
    {
        var state = await _state.GetEntityOrDefaultAsync(StatePartition, name, cancellationToken: cancellationToken);

        // Tokens are the SDK's and are stored with their format; one saved in another format (the hand-written client's,
        // before the SDK) cannot be read, which means "start the scan over", never an error.
        var continuation = state?.GetString("Continuation") is { Length: > 0 } saved && state.GetString("Format") == TokenFormat ? saved : null;
        var done = 0;
        for (var step = 0; step < maxPages; step++)
        {
            var (count, next) = await page(continuation, cancellationToken);
            done += count;
            continuation = next;
            if (continuation is null)
            {
                break;
            }
        }

        await _state.UpsertEntityAsync(
            new TableEntity(StatePartition, name) { ["Continuation"] = continuation ?? "", ["Format"] = TokenFormat, ["LastRunAt"] = time.GetUtcNow() },
            TableUpdateMode.Replace,
            cancellationToken);
        return done;
    }
}
