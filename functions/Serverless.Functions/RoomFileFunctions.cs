using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Files;

namespace Serverless.Functions;

/// <summary>Files of a room. Uploads and deletes push fileUploaded/fileUploadAck/fileDeleted after their writes commit.</summary>
public sealed class RoomFileFunctions(RoomFilesApi files)
{
    // The Functions host accepts request bodies up to 100 MB (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT), above the
    // RoomFilesApi.MaxUploadRequestBytes (20 MB + 1 MB) this route needs; the per-type limits are enforced while streaming.
    [Function(nameof(UploadRoomFile))]
    public Task<IResult> UploadRoomFile([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms/{roomId}/files")] HttpRequest req, string roomId) =>
        files.UploadAsync(req.HttpContext, roomId);

    [Function(nameof(CreateRoomFileUploadUrl))]
    public Task<IResult> CreateRoomFileUploadUrl([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms/{roomId}/files/upload-url")] HttpRequest req, string roomId) =>
        files.CreateUploadUrlAsync(req.HttpContext, roomId);

    [Function(nameof(CompleteRoomFileUpload))]
    public Task<IResult> CompleteRoomFileUpload([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms/{roomId}/files/{fileId}/complete")] HttpRequest req, string roomId, string fileId) =>
        files.CompleteUploadAsync(req.HttpContext, roomId, fileId);

    [Function(nameof(ListRoomFiles))]
    public Task<IResult> ListRoomFiles([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms/{roomId}/files")] HttpRequest req, string roomId) =>
        files.ListAsync(req.HttpContext, roomId);

    [Function(nameof(GetRoomFile))]
    public Task<IResult> GetRoomFile([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms/{roomId}/files/{fileId}")] HttpRequest req, string roomId, string fileId) =>
        files.GetAsync(req.HttpContext, roomId, fileId);

    [Function(nameof(GetRoomFileContent))]
    public Task<IResult> GetRoomFileContent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms/{roomId}/files/{fileId}/content")] HttpRequest req, string roomId, string fileId) =>
        files.ContentAsync(req.HttpContext, roomId, fileId);

    [Function(nameof(DeleteRoomFile))]
    public Task<IResult> DeleteRoomFile([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/rooms/{roomId}/files/{fileId}")] HttpRequest req, string roomId, string fileId) =>
        files.DeleteAsync(req.HttpContext, roomId, fileId);

    [Function(nameof(RestoreRoomFile))]
    public Task<IResult> RestoreRoomFile([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms/{roomId}/files/{fileId}/restore")] HttpRequest req, string roomId, string fileId) =>
        files.RestoreAsync(req.HttpContext, roomId, fileId);
}
