using System.Text.Json.Serialization;
using Azure;
using Serverless.Core.Files.Validation;

namespace Serverless.Core.Files;

/// <summary>Whether a file row is a registered file or a direct upload still waiting for /complete.</summary>
public enum RoomFileStatus
{
    Pending,
    Ready,
}

/// <summary>A file row of a room. Kind, MIME type and size are what the content was validated as (unset while pending).</summary>
public sealed record RoomFile(
    string TenantId,
    string RoomId,
    string FileId,
    RoomFileStatus Status,
    string FileName,
    FileKind? Kind,
    string? MimeType,
    long Size,
    string? Description,
    string UploaderId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UploadedAt,
    DateTimeOffset? DeletedAt,
    string? DeletedBy)
{
    /// <summary>The row's ETag when read from storage, for conditional updates.</summary>
    public ETag? ETag { get; init; }

    /// <summary>Whether the room's listing has a row for this file (as stored; the store keeps it in step on every write).</summary>
    public bool Listed { get; init; }

    /// <summary>Ready, not deleted files are what the room's file list shows.</summary>
    public bool IsListable => Status == RoomFileStatus.Ready && !IsDeleted && UploadedAt is not null;

    public bool IsDeleted => DeletedAt is not null;

    /// <summary>Never from user input: tenant, room and a server-made id.</summary>
    public string BlobName => BlobNameFor(TenantId, RoomId, FileId);

    public static string BlobNameFor(string tenantId, string roomId, string fileId) => $"{tenantId}/{roomId}/{fileId}";

    public static string NewId() => "file_" + Guid.CreateVersion7().ToString("N");

    public static bool IsFileId(string? fileId) =>
        fileId is { Length: 37 } && fileId.StartsWith("file_", StringComparison.Ordinal) && fileId[5..].All(char.IsAsciiHexDigitLower);
}

/// <summary>
/// A file's metadata on the wire. <see cref="DownloadUrl"/> (a short-lived read-only link) is present when one file is
/// returned to a member, and left out of lists and of the fileUploaded real-time message.
/// </summary>
public sealed record RoomFileMetadata(
    string FileId,
    string RoomId,
    string Filename,
    string FileType,
    string MimeType,
    long Size,
    string? Description,
    string UploaderId,
    DateTimeOffset UploadedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DownloadUrl = null)
{
    public static RoomFileMetadata From(RoomFile file) => new(
        file.FileId,
        file.RoomId,
        file.FileName,
        file.Kind is { } kind ? FileKindWireNames.ToWire(kind) : "",
        file.MimeType ?? "application/octet-stream",
        file.Size,
        file.Description,
        file.UploaderId,
        file.UploadedAt ?? file.CreatedAt);
}
