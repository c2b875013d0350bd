using Serverless.Core.Audit;
using Serverless.Core.DeadLetters;
using Serverless.Core.Devices;
using Serverless.Core.Health;
using Serverless.Core.Inbox;
using Serverless.Core.Members;
using Serverless.Core.Notifications;
using Serverless.Core.Support;
using Serverless.Core.Rooms;
using Serverless.Core.Files;
using Microsoft.AspNetCore.Mvc;
using Serverless.Standalone.Realtime;

namespace Serverless.Standalone;

/// <summary>
/// The HTTP route table of the standalone host. It must list the same operations as the [HttpTrigger] attributes in
/// Serverless.Functions and the OpenAPI document; a test keeps the three in step.
/// </summary>
public static class StandaloneRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("health", (HttpContext c, HealthApi h) => h.GetAsync(c));
        api.MapPost("negotiate", (HttpContext c, NegotiateApi h) => h.NegotiateAsync(c));

        api.MapPost("v1/events", (HttpContext c, EventsApi h) => h.PublishAsync(c));

        api.MapGet("v1/notifications", (HttpContext c, InboxApi h) => h.ListAsync(c));
        api.MapGet("v1/notifications/unread", (HttpContext c, InboxApi h) => h.UnreadAsync(c));
        api.MapPost("v1/notifications/mark-all-read", (HttpContext c, InboxApi h) => h.MarkAllReadAsync(c));
        api.MapGet("v1/notifications/{id}", (HttpContext c, string id, InboxApi h) => h.GetAsync(c, id));
        api.MapMethods("v1/notifications/{id}/read", ["PATCH"], (HttpContext c, string id, InboxApi h) => h.MarkReadAsync(c, id));
        api.MapDelete("v1/notifications/{id}", (HttpContext c, string id, InboxApi h) => h.DeleteAsync(c, id));

        api.MapGet("v1/admin/dead-letters", (HttpContext c, DeadLetterApi h) => h.ListAsync(c));
        api.MapPost("v1/admin/dead-letters/{id}/replay", (HttpContext c, string id, DeadLetterApi h) => h.ReplayAsync(c, id));
        api.MapGet("v1/admin/audit", (HttpContext c, AuditApi h) => h.ListAsync(c));

        // Member channel (mobile apps poll; the paths are fixed by shipped clients).
        api.MapPost("member/channel/device/register", (HttpContext c, MemberChannelApi h) => h.RegisterAsync(c));
        api.MapPost("member/channel/device/unregister", (HttpContext c, MemberChannelApi h) => h.UnregisterAsync(c));
        api.MapGet("member/channel/events", (HttpContext c, MemberChannelApi h) => h.EventsAsync(c));
        api.MapPost("member/channel/events/{eventId}/ack", (HttpContext c, string eventId, MemberChannelApi h) => h.AckAsync(c, eventId));
        api.MapPost("member/channel/support/ticket", (HttpContext c, SupportTicketApi h) => h.CreateAsync(c));
        api.MapPut("v1/admin/members/{userId}", (HttpContext c, string userId, MembersApi h) => h.PutAsync(c, userId));

        api.MapPost("v1/rooms", (HttpContext c, RoomsApi h) => h.CreateAsync(c));
        api.MapGet("v1/rooms", (HttpContext c, RoomsApi h) => h.ListAsync(c));
        api.MapGet("v1/rooms/{roomId}", (HttpContext c, string roomId, RoomsApi h) => h.GetAsync(c, roomId));
        api.MapPut("v1/rooms/{roomId}/members/{userId}", (HttpContext c, string roomId, string userId, RoomsApi h) => h.SetMemberAsync(c, roomId, userId));
        api.MapDelete("v1/rooms/{roomId}/members/{userId}", (HttpContext c, string roomId, string userId, RoomsApi h) => h.RemoveMemberAsync(c, roomId, userId));
        api.MapPost("v1/rooms/{roomId}/files", (HttpContext c, string roomId, RoomFilesApi h) => h.UploadAsync(c, roomId))
            .WithMetadata(new RequestSizeLimitAttribute(RoomFilesApi.MaxUploadRequestBytes));
        api.MapPost("v1/rooms/{roomId}/files/upload-url", (HttpContext c, string roomId, RoomFilesApi h) => h.CreateUploadUrlAsync(c, roomId));
        api.MapPost("v1/rooms/{roomId}/files/{fileId}/complete", (HttpContext c, string roomId, string fileId, RoomFilesApi h) => h.CompleteUploadAsync(c, roomId, fileId));
        api.MapGet("v1/rooms/{roomId}/files", (HttpContext c, string roomId, RoomFilesApi h) => h.ListAsync(c, roomId));
        api.MapGet("v1/rooms/{roomId}/files/{fileId}", (HttpContext c, string roomId, string fileId, RoomFilesApi h) => h.GetAsync(c, roomId, fileId));
        api.MapDelete("v1/rooms/{roomId}/files/{fileId}", (HttpContext c, string roomId, string fileId, RoomFilesApi h) => h.DeleteAsync(c, roomId, fileId));
        api.MapPost("v1/rooms/{roomId}/files/{fileId}/restore", (HttpContext c, string roomId, string fileId, RoomFilesApi h) => h.RestoreAsync(c, roomId, fileId));
    }
}
