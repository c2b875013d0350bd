using Serverless.Core.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Notifications;

/// <summary>The last error of each event chunk, so a message that reaches the poison queue is dead-lettered with its cause.</summary>
public sealed class ProcessingErrorStore(StorageAccount account, TimeProvider time)
{
    private readonly TableClient _table = account.GetTableClient(StorageNames.ProcessingErrorTable);

    public async Task RecordAsync(EventEnvelope envelope, Exception error, long dequeueCount, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpsertEntityAsync(
                new TableEntity(envelope.EventId, envelope.Chunk)
                {
                    ["Error"] = Describe(error),
                    ["DequeueCount"] = dequeueCount,
                    ["At"] = time.GetUtcNow(),
                },
                TableUpdateMode.Replace,
                cancellationToken);
        }
        catch (Exception)
        {
            // Recording the cause must never mask the failure itself.
        }
    }

    public async Task<string?> GetAsync(string eventId, string chunk, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(eventId, chunk, ["Error"], cancellationToken);
        return entity?.GetString("Error");
    }

    // Type and message only: stack traces and inner details stay in the logs, not in a table admins can read.
    private static string Describe(Exception error)
    {
        var root = error is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : error;
        var text = $"{root.GetType().Name}: {root.Message}";
        if (error is AggregateException)
        {
            text = error.Message + " First: " + text;
        }

        return text.Length <= 2000 ? text : text[..2000];
    }
}
