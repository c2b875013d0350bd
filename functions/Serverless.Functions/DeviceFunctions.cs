using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Devices;
using Serverless.Core.Support;

namespace Serverless.Functions;

/// <summary>The mobile member channel: device registration, event polling, acks and support tickets.</summary>
public sealed class DeviceFunctions(MemberChannelApi channel, SupportTicketApi support)
{
    [Function(nameof(RegisterDevice))]
    public Task<IResult> RegisterDevice([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "member/channel/device/register")] HttpRequest req) =>
        channel.RegisterAsync(req.HttpContext);

    [Function(nameof(UnregisterDevice))]
    public Task<IResult> UnregisterDevice([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "member/channel/device/unregister")] HttpRequest req) =>
        channel.UnregisterAsync(req.HttpContext);

    [Function(nameof(ListMemberEvents))]
    public Task<IResult> ListMemberEvents([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "member/channel/events")] HttpRequest req) =>
        channel.EventsAsync(req.HttpContext);

    [Function(nameof(AckMemberEvent))]
    public Task<IResult> AckMemberEvent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "member/channel/events/{eventId}/ack")] HttpRequest req, string eventId) =>
        channel.AckAsync(req.HttpContext, eventId);

    [Function(nameof(CreateSupportTicket))]
    public Task<IResult> CreateSupportTicket([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "member/channel/support/ticket")] HttpRequest req) =>
        support.CreateAsync(req.HttpContext);
}
