using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Core.Audit;
using Serverless.Core.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Files;

/// <summary>
/// Timer work: removes the blobs and rows of files soft-deleted longer than Files:RetentionDays ago, and of direct uploads never
/// completed within a day. Bounded per run; safe to run twice or concurrently: the blob delete is idempotent and the row delete is
/// ETag-guarded, so only the run that removes the row writes the file.purged audit entry.
/// It also gives ready files written before the room listing existed their listing row (a bounded, resumable scan that
/// finds nothing once they all have one).
/// </summary>
public sealed class RoomFilePurge(
    RoomFileStore files, AuditLog audit, ResumableScan scan, IOptions<FilesOptions> options, TimeProvider time, ILogger<RoomFilePurge> logger)
{
    public const int PageSize = 100;
    public const int MaxPagesPerRun = 5;
    public const string SystemActor = "system";

    /// <summary>Returns how many rows (purged files and abandoned uploads) were removed.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = TableClient.CreateQueryFilter($"IsDeleted eq {true} and DeletedAt lt {now.AddDays(-options.Value.RetentionDays)}");
        var abandoned = TableClient.CreateQueryFilter($"Status eq {"pending"} and CreatedAt lt {now - RoomFilesApi.PendingUploadLifetime}");
        var removed = await PurgeAsync("roomfiles-expired", expired, audited: true, cancellationToken);
        removed += await PurgeAsync("roomfiles-abandoned", abandoned, audited: false, cancellationToken);
        await ListUnlistedAsync(cancellationToken);
        if (removed > 0)
        {
            logger.LogInformation("Room file purge removed {Count} files", removed);
        }

        return removed;
    }

    /// <summary>Ready, not deleted file rows without a listing row: replaced under their ETag, which writes it (see RoomFileStore).</summary>
    private Task<int> ListUnlistedAsync(CancellationToken cancellationToken) =>
        scan.RunAsync("roomfiles-unlisted", MaxPagesPerRun, async (continuation, ct) =>
        {
            var unlisted = TableClient.CreateQueryFilter($"Status eq {"ready"} and IsDeleted eq {false} and not (Listed eq {true})");
            var (batch, next) = await files.ScanAsync(unlisted, PageSize, continuation, ct);
            var listed = 0;
            foreach (var file in batch.Where(f => f.IsListable))
            {
                // Null when the file changed meanwhile: that change wrote the listing row already.
                if (await files.TryReplaceAsync(file, ct) is not null)
                {
                    listed++;
                }
            }

            return (listed, next);
        }, cancellationToken);

    private Task<int> PurgeAsync(string scanName, string filter, bool audited, CancellationToken cancellationToken) =>
        scan.RunAsync(scanName, MaxPagesPerRun, async (continuation, ct) =>
        {
            var (batch, next) = await files.ScanAsync(filter, PageSize, continuation, ct);
            var removed = 0;
            foreach (var file in batch)
            {
                // Blob first: a run that stops in between leaves a row that the next run finds and finishes.
                await files.Blob(file).DeleteIfExistsAsync(cancellationToken: ct);
                if (!await files.TryDeleteRowAsync(file, ct))
                {
                    continue;
                }

                removed++;
                if (audited)
                {
                    await audit.AppendAsync(file.TenantId, SystemActor, "file.purged", $"room:{file.RoomId}/file:{file.FileId}",
                        RoomFilesApi.Snapshot(file), null, AuditSensitivity.Normal, null, ct);
                }
            }

            return (removed, next);
        }, cancellationToken);
}
