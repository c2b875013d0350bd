using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Rooms;

namespace Serverless.Functions;

/// <summary>Rooms and members. Membership changes add and remove the user in the SignalR group room:{roomId}.</summary>
public sealed class RoomFunctions(RoomsApi rooms)
{
    [Function(nameof(CreateRoom))]
    public Task<IResult> CreateRoom([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms")] HttpRequest req) =>
        rooms.CreateAsync(req.HttpContext);

    [Function(nameof(ListRooms))]
    public Task<IResult> ListRooms([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms")] HttpRequest req) =>
        rooms.ListAsync(req.HttpContext);

    [Function(nameof(GetRoom))]
    public Task<IResult> GetRoom([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms/{roomId}")] HttpRequest req, string roomId) =>
        rooms.GetAsync(req.HttpContext, roomId);

    [Function(nameof(SetRoomMember))]
    public Task<IResult> SetRoomMember([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/rooms/{roomId}/members/{userId}")] HttpRequest req, string roomId, string userId) =>
        rooms.SetMemberAsync(req.HttpContext, roomId, userId);

    [Function(nameof(RemoveRoomMember))]
    public Task<IResult> RemoveRoomMember([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/rooms/{roomId}/members/{userId}")] HttpRequest req, string roomId, string userId) =>
        rooms.RemoveMemberAsync(req.HttpContext, roomId, userId);

    [Function(nameof(MuteRoom))]
    public Task<IResult> MuteRoom([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/rooms/{roomId}/mute")] HttpRequest req, string roomId) =>
        rooms.SetMutedAsync(req.HttpContext, roomId, muted: true);

    [Function(nameof(UnmuteRoom))]
    public Task<IResult> UnmuteRoom([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/rooms/{roomId}/mute")] HttpRequest req, string roomId) =>
        rooms.SetMutedAsync(req.HttpContext, roomId, muted: false);
}
