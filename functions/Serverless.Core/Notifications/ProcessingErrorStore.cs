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
                    ["Error"] = Summarize(error),
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

    /// <summary>
    /// What a tenant admin reads in a dead letter: a short, fixed summary by kind of failure. Exception types, messages
    /// (which name blobs, tables and hosts) and stack traces stay in the logs, where the queue trigger writes the full
    /// exception for operators with every failed delivery.
    /// </summary>
    internal static string Summarize(Exception error)
    {
        var root = error is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : error;
        return root switch
        {
            RequestFailedException { Status: 0 } => "Storage could not be reached.",
            RequestFailedException failed => $"A storage request failed with status {failed.Status}.",
            TimeoutException or OperationCanceledException => "Processing timed out.",
            System.Text.Json.JsonException or FormatException or InvalidDataException => "The event could not be read.",
            _ => "Processing failed.",
        };
    }
}
