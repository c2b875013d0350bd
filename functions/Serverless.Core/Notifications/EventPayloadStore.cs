using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Core.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Serverless.Core.Notifications;

/// <summary>
/// Claim check for event data too large to travel in every queue message: the data is stored once as a blob and the
/// chunk messages carry its name. Blobs are grouped by day so cleanup deletes whole days past the longest TTL.
/// </summary>
public sealed class EventPayloadStore(StorageAccount account, TimeProvider time)
{
    /// <summary>Longest notification TTL plus a margin for retries and replays.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(91);

    private readonly BlobContainerClient _container = account.GetBlobContainerClient(StorageNames.EventPayloadsContainer);

    public static string BlobName(EventEnvelope envelope) =>
        envelope.CreatedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "/" + envelope.EventId + ".json";

    /// <summary>Stores the data (idempotent: the name derives from the event) and returns the blob name.</summary>
    public async Task<string> SaveAsync(EventEnvelope envelope, JsonElement data, CancellationToken cancellationToken)
    {
        var name = BlobName(envelope);
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(data.GetRawText()));
        await _container.GetBlobClient(name).UploadAsync(content, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);
        return name;
    }

    public async Task<JsonElement> LoadAsync(string name, CancellationToken cancellationToken)
    {
        using var download = (await _container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        using var document = await JsonDocument.ParseAsync(download.Content, cancellationToken: cancellationToken);
        return document.RootElement.Clone();
    }

    /// <summary>Deletes the payloads of a bounded window of days past retention; returns how many blobs went.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        var newestExpiredDay = time.GetUtcNow().UtcDateTime.Date - Retention;
        for (var day = newestExpiredDay.AddDays(-30); day <= newestExpiredDay; day = day.AddDays(1))
        {
            await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, day.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "/", cancellationToken: cancellationToken))
            {
                if (await _container.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken))
                {
                    deleted++;
                }
            }
        }

        return deleted;
    }
}
