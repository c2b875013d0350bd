using Serverless.Core.Files.Validation;
using Serverless.Core.Hosting;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace Serverless.Core.Files;

/// <summary>
/// File rows in Table storage, one partition per room ({tenant}|{roomId}, RowKey fileId), and the blobs in the files container.
/// Every change of an existing row is ETag-guarded, so concurrent deletes, restores, completes and purges cannot both win.
/// </summary>
/// <remarks>
/// The room's file list is a second row per listable (ready, not deleted) file in the same partition, keyed
/// <c>l|{inverted upload time}|{fileId}</c> so that the service's own key order is newest first: a page is one range
/// query with <c>$top</c>, whatever the room holds. The listing row is written, replaced or deleted in the same entity
/// group transaction as the file row (whose <c>Listed</c> flag says whether it exists), so the two never disagree.
/// File ids start with "file_", which sorts before "l|": scans over file rows bound their keys to that prefix.
/// </remarks>
public sealed class RoomFileStore(StorageAccount account)
{
    public TableClient Table { get; } = account.GetTableClient(StorageNames.RoomFilesTable);

    public BlobContainerClient Container { get; } = account.GetBlobContainerClient(StorageNames.FilesContainer);

    public static string Partition(string tenantId, string roomId) => tenantId + "|" + roomId;

    public BlobClient Blob(RoomFile file) => Container.GetBlobClient(file.BlobName);

    /// <summary>A SAS link to the file's blob (service SAS with a key, user delegation SAS with an identity).</summary>
    public Task<Uri> CreateSasUriAsync(
        RoomFile file, BlobSasPermissions permissions, DateTimeOffset now, DateTimeOffset expiresOn, string? contentDisposition, string? contentType,
        CancellationToken cancellationToken) =>
        Blob(file).CreateSasUriAsync(account, permissions, now, expiresOn, contentDisposition, contentType, cancellationToken);

    public async Task<RoomFile?> GetAsync(string tenantId, string roomId, string fileId, CancellationToken cancellationToken)
    {
        if (!RoomFile.IsFileId(fileId))
        {
            return null;
        }

        var row = await Table.GetEntityOrDefaultAsync(Partition(tenantId, roomId), fileId, cancellationToken: cancellationToken);
        return row is null ? null : FromEntity(row);
    }

    private const string ListingPrefix = "l|";
    private const string ListingUpperBound = "l}";

    /// <summary>Newest first by upload time; the file id (Guid v7) breaks ties in the same direction.</summary>
    internal static string ListingRowKey(RoomFile file) =>
        ListingPrefix + (DateTimeOffset.MaxValue.UtcTicks - file.UploadedAt!.Value.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture)
        + "|" + InvertHex(file.FileId);

    /// <summary>The hex of the id with every digit inverted (0↔f), so later ids sort first.</summary>
    private static string InvertHex(string fileId) =>
        string.Create(fileId.Length - 5, fileId, (span, id) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = "fedcba9876543210"[HexValue(id[i + 5])];
            }
        });

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'a' + 10;

    /// <summary>Inserts a new row (409 from storage if the id exists, which a fresh Guid v7 never does), and its listing row when listable.</summary>
    public async Task<RoomFile> AddAsync(RoomFile file, CancellationToken cancellationToken)
    {
        file = file with { Listed = file.IsListable };
        List<TableTransactionAction> actions = [new(TableTransactionActionType.Add, ToEntity(file))];
        if (file.Listed)
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, ListingEntity(file)));
        }

        var etags = await Table.SubmitValidatedTransactionAsync(actions, cancellationToken);
        return file with { ETag = etags[0] };
    }

    /// <summary>
    /// Replaces the row if it has not changed since it was read, and adds, replaces or removes its listing row in the same
    /// transaction; null when someone else changed or removed the file first.
    /// </summary>
    public async Task<RoomFile?> TryReplaceAsync(RoomFile file, CancellationToken cancellationToken)
    {
        var had = file.Listed;
        var next = file with { Listed = file.IsListable };
        List<TableTransactionAction> actions = [new(TableTransactionActionType.UpdateReplace, ToEntity(next), file.ETag ?? ETag.All)];
        if (next.Listed)
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, ListingEntity(next)));
        }
        else if (had)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(Partition(file.TenantId, file.RoomId), ListingRowKey(file)), ETag.All));
        }

        var etag = await TrySubmitAsync(actions, cancellationToken);
        return etag is null ? null : next with { ETag = etag };
    }

    /// <summary>Deletes the row (and its listing row) if unchanged since read; false when it changed or is already gone.</summary>
    public async Task<bool> TryDeleteRowAsync(RoomFile file, CancellationToken cancellationToken)
    {
        var pk = Partition(file.TenantId, file.RoomId);
        List<TableTransactionAction> actions = [new(TableTransactionActionType.Delete, new TableEntity(pk, file.FileId), file.ETag ?? ETag.All)];
        if (file.Listed)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(pk, ListingRowKey(file)), ETag.All));
        }

        return await TrySubmitAsync(actions, cancellationToken) is not null;
    }

    /// <summary>
    /// Submits a file-row change (first, under the row's ETag) with its listing action; the file row's new ETag, or null
    /// when someone else changed or removed the file first. A listing row that is already gone (a delete finding 404 at
    /// index 1) must not block the change: it goes again without that action, still guarded by the file row's ETag.
    /// </summary>
    private async Task<ETag?> TrySubmitAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            return (await Table.SubmitValidatedTransactionAsync(actions, cancellationToken))[0];
        }
        catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex == 1 && ex.Status == 404 && actions[1].ActionType == TableTransactionActionType.Delete)
        {
            return await TrySubmitAsync(actions.GetRange(0, 1), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>
    /// One page of the room's listable files, newest first, optionally of one kind: a single range query over the listing
    /// rows with <c>$top</c> = limit + 1. <paramref name="after"/> is the last listing key of the previous page.
    /// </summary>
    public async Task<(IReadOnlyList<RoomFile> Files, string? LastKey)> ListPageAsync(
        string tenantId, string roomId, FileKind? kind, int limit, string? after, CancellationToken cancellationToken)
    {
        var pk = Partition(tenantId, roomId);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {ListingPrefix} and RowKey lt {ListingUpperBound}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {after} and RowKey lt {ListingUpperBound}");
        if (kind is { } k)
        {
            filter += TableClient.CreateQueryFilter($" and FileType eq {FileKindWireNames.ToWire(k)}");
        }

        var (rows, more) = await Table.QueryLimitAsync(filter, null, limit, cancellationToken);
        // A listing row is a copy: its ETag is not the file row's, so none is carried (a write must read the file row first).
        var files = rows.Select(r => FromEntity(r) with { FileId = r.GetString("FileId") ?? "", ETag = null, Listed = true }).ToList();
        return (files, more ? rows[^1].RowKey : null);
    }

    /// <summary>One page of file rows across all rooms matching <paramref name="filter"/>, for the purge timer (listing rows excluded by key).</summary>
    public async Task<(IReadOnlyList<RoomFile> Files, string? Continuation)> ScanAsync(string filter, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var fileRows = TableClient.CreateQueryFilter($"RowKey ge {"file_"} and RowKey lt {"file`"} and ") + "(" + filter + ")";
        var page = await Table.QueryPageAsync(fileRows, null, pageSize, continuation, cancellationToken);
        return (page.Items.Select(FromEntity).ToList(), page.ContinuationToken);
    }

    /// <summary>The listing row: the file's properties under the listing key, plus the file id (its RowKey is not the id).</summary>
    private static TableEntity ListingEntity(RoomFile file)
    {
        var entity = ToEntity(file);
        entity.RowKey = ListingRowKey(file);
        entity["FileId"] = file.FileId;
        entity.Remove("Listed");
        return entity;
    }

    private static TableEntity ToEntity(RoomFile file)
    {
        var entity = new TableEntity(Partition(file.TenantId, file.RoomId), file.FileId)
        {
            ["TenantId"] = file.TenantId,
            ["RoomId"] = file.RoomId,
            ["Status"] = file.Status == RoomFileStatus.Ready ? "ready" : "pending",
            ["FileName"] = file.FileName,
            ["Size"] = file.Size,
            ["UploaderId"] = file.UploaderId,
            ["CreatedAt"] = file.CreatedAt,
            ["IsDeleted"] = file.IsDeleted,
            ["Listed"] = file.Listed,
        };
        Set(entity, "FileType", file.Kind is { } kind ? FileKindWireNames.ToWire(kind) : null);
        Set(entity, "MimeType", file.MimeType);
        Set(entity, "Description", file.Description);
        Set(entity, "UploadedAt", file.UploadedAt);
        Set(entity, "DeletedAt", file.DeletedAt);
        Set(entity, "DeletedBy", file.DeletedBy);
        return entity;
    }

    private static void Set(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }

    private static RoomFile FromEntity(TableEntity e) => new(
        e.GetString("TenantId") ?? "",
        e.GetString("RoomId") ?? "",
        e.RowKey,
        e.GetString("Status") == "ready" ? RoomFileStatus.Ready : RoomFileStatus.Pending,
        e.GetString("FileName") ?? FileNameSanitizer.Fallback,
        FileKindWireNames.TryParse(e.GetString("FileType"), out var kind) ? kind : null,
        e.GetString("MimeType"),
        e.GetInt64("Size") ?? 0,
        e.GetString("Description"),
        e.GetString("UploaderId") ?? "",
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("UploadedAt"),
        e.GetDateTimeOffset("DeletedAt"),
        e.GetString("DeletedBy"))
    {
        ETag = e.ETag,
        Listed = e.GetBoolean("Listed") ?? false,
    };
}
