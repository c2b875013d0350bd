using System.Text;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Cursors;
using Serverless.Core.Files.Validation;
using Serverless.Core.Http;
using Serverless.Core.Notifications;
using Serverless.Core.Realtime;
using Serverless.Core.Rooms;
using Serverless.Core.Rooms.Chat;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace Serverless.Core.Files;

/// <summary>The direct-upload request body.</summary>
public sealed record UploadUrlRequest(string? Filename, long? Size, string? Description);

/// <summary>
/// Files of a room: multipart upload streamed to Blob, direct upload through a write SAS then /complete, listing, download
/// links, soft delete and restore. The type is decided from the content (never the client's content type); a refused upload
/// leaves neither blob nor row behind.
/// </summary>
public sealed class RoomFilesApi(
    RequestAuthenticator auth,
    RoomStore rooms,
    RoomFileStore files,
    AuditLog audit,
    EventPublisher publisher,
    RoomChatPublisher chat,
    IRealtimeSender realtime,
    CursorProtector cursors,
    IOptions<FilesOptions> options,
    TimeProvider time,
    ILogger<RoomFilesApi> logger)
{
    /// <summary>
    /// Request body limit of the multipart upload route: the largest allowed file (documents, 20 MB) plus room for the
    /// multipart framing and the description. The Functions host allows 100 MB per request, so only the standalone host sets it.
    /// </summary>
    public const long MaxUploadRequestBytes = FileTypeDetector.MaxDocumentBytes + (1024 * 1024);

    public const int MaxDescriptionLength = 1000;

    private const string FilesCursorPurpose = "roomfiles";

    /// <summary>Pending direct uploads older than this are removed by the purge timer.</summary>
    public static readonly TimeSpan PendingUploadLifetime = TimeSpan.FromDays(1);

    /// <summary>POST /api/v1/rooms/{roomId}/files (multipart/form-data: file, optional description): OWNER or EDITOR; 201.</summary>
    public Task<IResult> UploadAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        RequireEditor(membership);
        var boundary = MultipartBoundary(context.Request);

        var fileId = RoomFile.NewId();
        var blob = files.Container.GetBlobClient(RoomFile.BlobNameFor(caller.TenantId, roomId, fileId));
        var committed = false;
        try
        {
            string? description = null;
            (string Name, FileTypeInfo Type, long Size)? uploaded = null;
            var reader = new MultipartReader(boundary, context.Request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFormDisposition() && !disposition.IsFileDisposition())
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file" && disposition.IsFileDisposition())
                {
                    if (uploaded is not null)
                    {
                        throw ApiException.BadRequest("VALIDATION_ERROR", "Send exactly one 'file' part.");
                    }

                    var clientName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    uploaded = await StreamToBlobAsync(section.Body, clientName ?? "", blob, cancellationToken);
                }
                else if (name == "description")
                {
                    description = await ReadDescriptionAsync(section.Body, cancellationToken);
                }
            }

            if (uploaded is not { } upload)
            {
                throw ApiException.BadRequest("VALIDATION_ERROR", "A 'file' part is required.");
            }

            var now = time.GetUtcNow();
            var file = await files.AddAsync(
                new RoomFile(caller.TenantId, roomId, fileId, RoomFileStatus.Ready, upload.Name, upload.Type.Kind, upload.Type.MimeType, upload.Size,
                    NormalizeDescription(description), caller.UserId, now, now, null, null),
                CancellationToken.None); // once the blob is written, a client hanging up must not leave a row without it (or the reverse)
            committed = true;
            await AnnounceUploadAsync(membership, file, cancellationToken);
            return Results.Json(await ViewAsync(file, cancellationToken), ApiJson.Options, statusCode: StatusCodes.Status201Created);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            // MultipartReader's answer to a malformed body (bad headers, no closing boundary): the client's fault, not a 500.
            throw ApiException.BadRequest("VALIDATION_ERROR", "The multipart body could not be read.");
        }
        finally
        {
            if (!committed)
            {
                await DeleteBlobQuietlyAsync(blob);
            }
        }
    });

    /// <summary>POST /api/v1/rooms/{roomId}/files/upload-url {"filename","size"}: OWNER or EDITOR; a write SAS for a new blob and a pending row.</summary>
    public Task<IResult> CreateUploadUrlAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        RequireEditor(membership);
        var body = await RequestBody.ReadJsonAsync<UploadUrlRequest>(context.Request, cancellationToken: cancellationToken);
        if (string.IsNullOrWhiteSpace(body.Filename))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'filename' is required.");
        }

        if (body.Size is not { } size || size < 1)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'size' must be the file's length in bytes (at least 1).");
        }

        // Only what is obviously refused is refused here; the content decides at /complete.
        var fileName = FileNameSanitizer.Sanitize(body.Filename);
        if (!FileTypeDetector.TryGetKindOfExtension(Path.GetExtension(fileName).ToLowerInvariant(), out var kind))
        {
            throw NotAllowed("This file type is not allowed.");
        }

        if (size > FileTypeDetector.MaxBytes(kind))
        {
            throw TooLarge();
        }

        var now = time.GetUtcNow();
        var file = await files.AddAsync(
            new RoomFile(caller.TenantId, roomId, RoomFile.NewId(), RoomFileStatus.Pending, fileName, null, null, 0,
                NormalizeDescription(body.Description), caller.UserId, now, null, null, null),
            cancellationToken);
        var expiresAt = now.AddMinutes(options.Value.UploadUrlMinutes);
        // Create without Write: Azure lets the client write the blob once but never overwrite it, so content swapped in
        // after /complete validated it is refused. (Azurite does not enforce this distinction.)
        var uploadUrl = await files.CreateSasUriAsync(file, BlobSasPermissions.Create, now, expiresAt, null, null, cancellationToken);
        return Results.Json(new { fileId = file.FileId, uploadUrl = uploadUrl.AbsoluteUri, expiresAt }, ApiJson.Options, statusCode: StatusCodes.Status201Created);
    });

    /// <summary>POST /api/v1/rooms/{roomId}/files/{fileId}/complete: validates the uploaded blob and registers it (201), or deletes it and refuses.</summary>
    public Task<IResult> CompleteUploadAsync(HttpContext context, string roomId, string fileId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var file = await files.GetAsync(caller.TenantId, roomId, fileId, cancellationToken);

        // A pending upload is visible to its uploader only.
        if (file is null || file.IsDeleted || (file.Status == RoomFileStatus.Pending && file.UploaderId != caller.UserId))
        {
            throw FileNotFound();
        }

        if (file.Status == RoomFileStatus.Ready)
        {
            return Results.Json(await ViewAsync(file, cancellationToken), ApiJson.Options, statusCode: StatusCodes.Status201Created);
        }

        // The role may have changed since the upload link was issued: registering a file still needs OWNER or EDITOR.
        RequireEditor(membership);

        var blob = files.Blob(file);
        var properties = await blob.GetPropertiesOrDefaultAsync(cancellationToken)
            ?? throw ApiException.Conflict("UPLOAD_NOT_FOUND", "Nothing has been uploaded to the upload URL yet.");
        var head = await ReadHeadAsync(blob, properties.ContentLength, cancellationToken);
        var detection = FileTypeDetector.Detect(head, file.FileName, properties.ContentLength);
        if (!detection.IsAccepted)
        {
            await DeleteBlobQuietlyAsync(blob);
            await files.TryDeleteRowAsync(file, cancellationToken);
            throw Refusal(detection);
        }

        var ready = await files.TryReplaceAsync(
            file with
            {
                Status = RoomFileStatus.Ready,
                Kind = detection.Type.Kind,
                MimeType = detection.Type.MimeType,
                Size = properties.ContentLength,
                UploadedAt = time.GetUtcNow(),
            },
            cancellationToken);
        if (ready is null)
        {
            // A concurrent /complete won: answer with what it registered.
            var current = await files.GetAsync(caller.TenantId, roomId, fileId, cancellationToken);
            return current is { Status: RoomFileStatus.Ready, IsDeleted: false }
                ? Results.Json(await ViewAsync(current, cancellationToken), ApiJson.Options, statusCode: StatusCodes.Status201Created)
                : throw FileNotFound();
        }

        await AnnounceUploadAsync(membership, ready, cancellationToken);
        return Results.Json(await ViewAsync(ready, cancellationToken), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    });

    /// <summary>
    /// GET /api/v1/rooms/{roomId}/files?limit&amp;cursor&amp;fileType: newest first, without deleted files; one range query
    /// over the room's listing rows per page, with a signed cursor (bound to the caller and the room) for the next.
    /// </summary>
    public Task<IResult> ListAsync(HttpContext context, string roomId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var request = context.Request;
        var limit = QueryParameters.Limit(request, 50, 200);
        if (request.Query.ContainsKey("offset"))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'offset' is not supported: pass the previous page's 'nextCursor' as 'cursor'.");
        }

        var subject = caller.TenantId + "|" + caller.UserId + "|" + roomId;
        string? after = null;
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !cursors.TryUnprotect(FilesCursorPurpose, subject, cursor, out after))
        {
            throw ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid for this room and user.");
        }

        FileKind? kind = null;
        if (QueryParameters.OptionalString(request, "fileType") is { } fileType)
        {
            kind = FileKindWireNames.TryParse(fileType, out var parsed) ? parsed
                : throw ApiException.BadRequest("VALIDATION_ERROR", "'fileType' must be image, document or log.");
        }

        await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var (page, lastKey) = await files.ListPageAsync(caller.TenantId, roomId, kind, limit, after, cancellationToken);
        // Access was checked just now, so each listed file gets a fresh short-lived link (signed locally; no storage call).
        var items = new List<RoomFileMetadata>(page.Count);
        foreach (var file in page)
        {
            items.Add(await ViewAsync(file, cancellationToken));
        }

        var nextCursor = lastKey is null ? null : cursors.Protect(FilesCursorPurpose, subject, lastKey);
        return Results.Json(new { items, nextCursor, limit }, ApiJson.Options);
    });

    /// <summary>GET /api/v1/rooms/{roomId}/files/{fileId}: metadata and a fresh download link.</summary>
    public Task<IResult> GetAsync(HttpContext context, string roomId, string fileId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        await rooms.RequireMemberAsync(caller, roomId, context.RequestAborted);
        var file = await RequireVisibleFileAsync(caller, roomId, fileId, context.RequestAborted);
        return Results.Json(await ViewAsync(file, context.RequestAborted), ApiJson.Options);
    });

    /// <summary>
    /// GET /api/v1/rooms/{roomId}/files/{fileId}/content: a stable URL for clients that keep links. Checks membership and
    /// the file at every call and answers 302 to a fresh read SAS of at most Files:DownloadUrlMinutes (≤ 5).
    /// </summary>
    public Task<IResult> ContentAsync(HttpContext context, string roomId, string fileId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        await rooms.RequireMemberAsync(caller, roomId, context.RequestAborted);
        var file = await RequireVisibleFileAsync(caller, roomId, fileId, context.RequestAborted);
        var view = await ViewAsync(file, context.RequestAborted);

        // The redirect carries a signature: no shared cache may keep it past the access check it stands for.
        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(view.DownloadUrl!, permanent: false);
    });

    /// <summary>DELETE /api/v1/rooms/{roomId}/files/{fileId}: the uploader or an OWNER; soft delete, 204.</summary>
    public Task<IResult> DeleteAsync(HttpContext context, string roomId, string fileId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        var file = await RequireVisibleFileAsync(caller, roomId, fileId, cancellationToken);
        if (file.UploaderId != caller.UserId && membership.Role != RoomRole.Owner)
        {
            throw ApiException.Forbidden("FORBIDDEN", "Only the uploader or an owner of the room can delete this file.");
        }

        var deleted = await files.TryReplaceAsync(file with { DeletedAt = time.GetUtcNow(), DeletedBy = caller.UserId }, cancellationToken)
            ?? throw ApiException.Conflict("CONCURRENT_CHANGE", "The file changed while it was being deleted; retry.");
        await AuditFileAsync(context, caller.TenantId, caller.UserId, "file.deleted", file, Snapshot(file), Snapshot(deleted));
        await PushAsync(RealtimeMessage.ToGroup(RoomGroupSource.GroupName(roomId), "fileDeleted", new { fileId, deletedBy = caller.UserId }));
        return Results.NoContent();
    });

    /// <summary>
    /// POST /api/v1/rooms/{roomId}/files/{fileId}/restore: OWNER only, within Files:RetentionDays of the delete; 200 with the file.
    /// After the retention window the file answers 404 FILE_NOT_FOUND, the same as once the purge timer has removed it, so the
    /// answer does not depend on when the timer last ran. Restoring a file that is not deleted returns it unchanged.
    /// </summary>
    public Task<IResult> RestoreAsync(HttpContext context, string roomId, string fileId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var cancellationToken = context.RequestAborted;
        var caller = await auth.RequireAsync(context.Request);
        var membership = await rooms.RequireMemberAsync(caller, roomId, cancellationToken);
        if (membership.Role != RoomRole.Owner)
        {
            throw ApiException.Forbidden("FORBIDDEN", "Only an owner of the room can restore files.");
        }

        var file = await files.GetAsync(caller.TenantId, roomId, fileId, cancellationToken);
        if (file is null || file.Status != RoomFileStatus.Ready)
        {
            throw FileNotFound();
        }

        if (file.DeletedAt is { } deletedAt)
        {
            if (deletedAt.AddDays(options.Value.RetentionDays) <= time.GetUtcNow())
            {
                throw FileNotFound();
            }

            var restored = await files.TryReplaceAsync(file with { DeletedAt = null, DeletedBy = null }, cancellationToken)
                ?? throw ApiException.Conflict("CONCURRENT_CHANGE", "The file changed while it was being restored; retry.");
            await AuditFileAsync(context, caller.TenantId, caller.UserId, "file.restored", file, Snapshot(file), Snapshot(restored));
            file = restored;
        }

        return Results.Json(await ViewAsync(file, cancellationToken), ApiJson.Options);
    });

    private static void RequireEditor(RoomMembership membership)
    {
        if (membership.Role is not (RoomRole.Owner or RoomRole.Editor))
        {
            throw ApiException.Forbidden("FORBIDDEN", "Only owners and editors of the room can upload files.");
        }
    }

    private static string MultipartBoundary(HttpRequest request)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            && HeaderUtilities.RemoveQuotes(mediaType.Boundary) is { Length: > 0 and <= 70 } boundary)
        {
            return boundary.Value!;
        }

        throw ApiException.BadRequest("VALIDATION_ERROR", "Send the file as multipart/form-data with a 'file' part.");
    }

    /// <summary>Peeks the head for detection, then streams head and rest to the blob, stopping (committing nothing) past the type's limit.</summary>
    private static async Task<(string Name, FileTypeInfo Type, long Size)> StreamToBlobAsync(Stream body, string clientName, BlobClient blob, CancellationToken cancellationToken)
    {
        var head = new byte[FileTypeDetector.HeadLength];
        var headLength = await body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var detection = FileTypeDetector.Detect(head.AsSpan(0, headLength), clientName, headLength < head.Length ? headLength : null);
        if (!detection.IsAccepted)
        {
            throw Refusal(detection);
        }

        var type = detection.Type;
        try
        {
            var content = new LengthLimitedStream(new ReplayedHeadStream(head, headLength, body), type.MaxBytes);
            await blob.UploadAsync(
                content,
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = type.MimeType, ContentDisposition = AttachmentDisposition(detection.FileName) },

                    // A new file id per upload: never overwrite.
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },

                    // One block in flight: memory per upload stays at one block whatever the file size.
                    TransferOptions = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 4 * 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 1 },
                },
                cancellationToken);
            return (detection.FileName, type, content.BytesRead);
        }
        catch (BlobTooLargeException)
        {
            throw TooLarge();
        }
    }

    private static async Task<byte[]> ReadHeadAsync(BlobClient blob, long length, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return [];
        }

        var headLength = (int)Math.Min(length, FileTypeDetector.HeadLength);
        using var download = (await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(0, headLength) }, cancellationToken)).Value;
        var head = new byte[headLength];
        var read = await download.Content.ReadAtLeastAsync(head, headLength, throwOnEndOfStream: false, cancellationToken);
        return head[..read];
    }

    private static async Task<string> ReadDescriptionAsync(Stream body, CancellationToken cancellationToken)
    {
        // 1000 UTF-16 characters are at most 3000 UTF-8 bytes; anything longer is refused without reading it all.
        var buffer = new byte[(MaxDescriptionLength * 3) + 1];
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (read == buffer.Length)
        {
            throw DescriptionTooLong();
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(buffer, 0, read);
        }
        catch (DecoderFallbackException)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'description' must be UTF-8 text.");
        }
    }

    private static string? NormalizeDescription(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return null;
        }

        return description.Length > MaxDescriptionLength ? throw DescriptionTooLong() : description;
    }

    /// <summary>attachment with the sanitised name: an ASCII fallback plus RFC 6266/5987 filename* when the name is not ASCII.</summary>
    public static string AttachmentDisposition(string fileName)
    {
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        return disposition.ToString();
    }

    private async Task<RoomFile> RequireVisibleFileAsync(CallerPrincipal caller, string roomId, string fileId, CancellationToken cancellationToken)
    {
        var file = await files.GetAsync(caller.TenantId, roomId, fileId, cancellationToken);
        return file is { Status: RoomFileStatus.Ready, IsDeleted: false } ? file : throw FileNotFound();
    }

    private async Task<RoomFileMetadata> ViewAsync(RoomFile file, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expiresOn = now.AddMinutes(options.Value.DownloadUrlMinutes);
        // The detected type, not whatever a direct upload stored on the blob.
        var url = await files.CreateSasUriAsync(
            file, BlobSasPermissions.Read, now, expiresOn, AttachmentDisposition(file.FileName), file.MimeType ?? "application/octet-stream", cancellationToken);
        return RoomFileMetadata.From(file) with { DownloadUrl = url.AbsoluteUri };
    }

    /// <summary>fileUploaded to the room, fileUploadAck to the uploader, a kind "file" chat message, document.uploaded to the other members' inboxes.</summary>
    private async Task AnnounceUploadAsync(RoomMembership membership, RoomFile file, CancellationToken cancellationToken)
    {
        var metadata = RoomFileMetadata.From(file);
        await PushAsync(RealtimeMessage.ToGroup(RoomGroupSource.GroupName(file.RoomId), "fileUploaded", metadata));
        await PushAsync(RealtimeMessage.ToUser(RealtimeUser.Id(file.TenantId, file.UploaderId), "fileUploadAck", new { fileId = file.FileId, status = "ready" }));
        await chat.PostFileAsync(membership, file, CancellationToken.None); // registered: its chat entry is written even if the client hangs up
        try
        {
            var members = await rooms.ListMembersAsync(file.TenantId, file.RoomId, cancellationToken);
            // Members who muted the room get no notification; they still see the file in the room.
            var others = members.Where(m => !m.Muted && m.UserId != file.UploaderId).Select(m => m.UserId).ToList();
            await publisher.PublishInternalAsync(
                file.TenantId,
                file.UploaderId,
                "document.uploaded",
                others,
                new { roomName = membership.Room.Name, filename = file.FileName, uploaderId = file.UploaderId, roomId = file.RoomId, fileId = file.FileId },
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The file is registered; the notification is a courtesy and must not turn a stored upload into an error.
            logger.LogWarning(ex, "Publishing document.uploaded for {FileId} failed", file.FileId);
        }
    }

    private async Task PushAsync(RealtimeMessage message)
    {
        try
        {
            await realtime.SendAsync(message);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Real-time {Target} failed", message.Target);
        }
    }

    private Task<AuditEntry> AuditFileAsync(HttpContext context, string tenantId, string actorId, string action, RoomFile file, object before, object after) =>
        audit.AppendAsync(tenantId, actorId, action, $"room:{file.RoomId}/file:{file.FileId}", before, after, AuditSensitivity.Normal,
            Correlation.GetOrCreate(context), context.RequestAborted);

    internal static object Snapshot(RoomFile file) =>
        new { fileId = file.FileId, filename = file.FileName, uploaderId = file.UploaderId, deletedAt = file.DeletedAt, deletedBy = file.DeletedBy };

    private async Task DeleteBlobQuietlyAsync(BlobClient blob)
    {
        try
        {
            // Not the request's token: the client may be gone, and the blob must not stay behind either way.
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not delete the refused blob {Blob}", blob.Name);
        }
    }

    private static ApiException Refusal(FileTypeDetection detection) => detection.Refusal switch
    {
        FileTypeRefusal.TooLarge => TooLarge(),
        FileTypeRefusal.ExtensionMismatch => NotAllowed("The file's content does not match its extension."),
        _ => NotAllowed("This file type is not allowed. Allowed: images (png, jpeg, gif, webp), documents (pdf, docx, xlsx, pptx, odt), text (txt, log, json, csv)."),
    };

    private static ApiException TooLarge() =>
        new(413, "FILE_TOO_LARGE", "The file is larger than allowed for its type (images 10 MB, documents 20 MB, text 5 MB).");

    private static ApiException NotAllowed(string message) => new(415, "FILE_TYPE_NOT_ALLOWED", message);

    private static ApiException DescriptionTooLong() =>
        ApiException.BadRequest("VALIDATION_ERROR", $"'description' must be at most {MaxDescriptionLength} characters.");

    private static ApiException FileNotFound() => ApiException.NotFound("FILE_NOT_FOUND", "File not found.");
}
