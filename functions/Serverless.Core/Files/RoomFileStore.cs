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

    /// <summary>Inserts a new row (409 from storage if the id exists, which a fresh Guid v7 never does).</summary>
    public async Task<RoomFile> AddAsync(RoomFile file, CancellationToken cancellationToken)
    {
        var etag = (await Table.AddEntityAsync(ToEntity(file), cancellationToken)).NewETag();
        return file with { ETag = etag };
    }

    /// <summary>Replaces the row if it has not changed since it was read; false when someone else changed or removed it first.</summary>
    public async Task<RoomFile?> TryReplaceAsync(RoomFile file, CancellationToken cancellationToken)
    {
        try
        {
            var etag = (await Table.UpdateEntityAsync(ToEntity(file), file.ETag ?? ETag.All, TableUpdateMode.Replace, cancellationToken)).NewETag();
            return file with { ETag = etag };
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>Deletes the row if unchanged since read; false when it changed or is already gone.</summary>
    public async Task<bool> TryDeleteRowAsync(RoomFile file, CancellationToken cancellationToken)
    {
        try
        {
            return await Table.DeleteEntityIfExistsAsync(Partition(file.TenantId, file.RoomId), file.FileId, file.ETag ?? ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    /// <summary>The room's registered, not deleted files, optionally of one kind, newest first.</summary>
    public async Task<IReadOnlyList<RoomFile>> ListAsync(string tenantId, string roomId, FileKind? kind, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition(tenantId, roomId)} and Status eq {"ready"} and IsDeleted eq {false}");
        if (kind is { } k)
        {
            filter += TableClient.CreateQueryFilter($" and FileType eq {FileKindWireNames.ToWire(k)}");
        }

        var files = new List<RoomFile>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            files.Add(FromEntity(row));
        }

        // File ids are Guid v7, so the id breaks ties in upload time the same way.
        return files.OrderByDescending(f => f.UploadedAt).ThenByDescending(f => f.FileId, StringComparer.Ordinal).ToList();
    }

    /// <summary>One page of rows across all rooms matching <paramref name="filter"/>, for the purge timer.</summary>
    public async Task<(IReadOnlyList<RoomFile> Files, string? Continuation)> ScanAsync(string filter, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var page = await Table.QueryPageAsync(filter, null, pageSize, continuation, cancellationToken);
        return (page.Items.Select(FromEntity).ToList(), page.ContinuationToken);
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
    };
}
