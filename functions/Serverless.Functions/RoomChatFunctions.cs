using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Rooms.Chat;

namespace Serverless.Functions;

/// <summary>Room chat. Every change pushes messageCreated/messageUpdated/messageDeleted/reactionsChanged to room:{roomId} after it commits.</summary>
public sealed class RoomChatFunctions(RoomChatApi chat)
{
    [Function(nameof(PostRoomMessage))]
    public Task<IResult> PostRoomMessage([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms/{roomId}/messages")] HttpRequest req, string roomId) =>
        chat.PostAsync(req.HttpContext, roomId);

    [Function(nameof(ListRoomMessages))]
    public Task<IResult> ListRoomMessages([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms/{roomId}/messages")] HttpRequest req, string roomId) =>
        chat.ListAsync(req.HttpContext, roomId);

    [Function(nameof(EditRoomMessage))]
    public Task<IResult> EditRoomMessage([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/rooms/{roomId}/messages/{messageId}")] HttpRequest req, string roomId, string messageId) =>
        chat.EditAsync(req.HttpContext, roomId, messageId);

    [Function(nameof(DeleteRoomMessage))]
    public Task<IResult> DeleteRoomMessage([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/rooms/{roomId}/messages/{messageId}")] HttpRequest req, string roomId, string messageId) =>
        chat.DeleteAsync(req.HttpContext, roomId, messageId);

    [Function(nameof(AddRoomMessageReaction))]
    public Task<IResult> AddRoomMessageReaction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/rooms/{roomId}/messages/{messageId}/reactions/{emoji}")] HttpRequest req, string roomId, string messageId, string emoji) =>
        chat.AddReactionAsync(req.HttpContext, roomId, messageId, emoji);

    [Function(nameof(RemoveRoomMessageReaction))]
    public Task<IResult> RemoveRoomMessageReaction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/rooms/{roomId}/messages/{messageId}/reactions/{emoji}")] HttpRequest req, string roomId, string messageId, string emoji) =>
        chat.RemoveReactionAsync(req.HttpContext, roomId, messageId, emoji);

    [Function(nameof(SendRoomTyping))]
    public Task<IResult> SendRoomTyping([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms/{roomId}/typing")] HttpRequest req, string roomId) =>
        chat.TypingAsync(req.HttpContext, roomId);

    [Function(nameof(MarkRoomRead))]
    public Task<IResult> MarkRoomRead([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms/{roomId}/read")] HttpRequest req, string roomId) =>
        chat.MarkReadAsync(req.HttpContext, roomId);
}
