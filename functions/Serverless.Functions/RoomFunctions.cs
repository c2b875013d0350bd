using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Rooms;
using Serverless.Functions.Http;
using Serverless.Functions.Realtime;

namespace Serverless.Functions;

/// <summary>Rooms and members. Membership changes return their SignalR group changes (room:{roomId}) through the SignalR output.</summary>
public sealed class RoomFunctions(RoomsApi rooms, CollectingRealtimeSender realtime)
{
    [Function(nameof(CreateRoom))]
    public Task<HttpOutput> CreateRoom([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/rooms")] HttpRequest req) =>
        HttpOutput.From(rooms.CreateAsync(req.HttpContext), realtime);

    [Function(nameof(ListRooms))]
    public Task<IResult> ListRooms([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms")] HttpRequest req) =>
        rooms.ListAsync(req.HttpContext);

    [Function(nameof(GetRoom))]
    public Task<IResult> GetRoom([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/rooms/{roomId}")] HttpRequest req, string roomId) =>
        rooms.GetAsync(req.HttpContext, roomId);

    [Function(nameof(SetRoomMember))]
    public Task<HttpOutput> SetRoomMember([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/rooms/{roomId}/members/{userId}")] HttpRequest req, string roomId, string userId) =>
        HttpOutput.From(rooms.SetMemberAsync(req.HttpContext, roomId, userId), realtime);

    [Function(nameof(RemoveRoomMember))]
    public Task<HttpOutput> RemoveRoomMember([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/rooms/{roomId}/members/{userId}")] HttpRequest req, string roomId, string userId) =>
        HttpOutput.From(rooms.RemoveMemberAsync(req.HttpContext, roomId, userId), realtime);
}
