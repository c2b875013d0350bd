using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Auth;
using Serverless.Core.Cursors;
using Serverless.Core.Http;
using Serverless.Core.Inbox;
using Serverless.Core.Members;

namespace Serverless.Core.Devices;

/// <summary>
/// The mobile member channel under /api/member/channel: device registration, polling the inbox as an ordered event
/// stream, and per-device acks. An event's id is the inbox item id (the user's sequence number as a string), so it is
/// stable and is also the id the REST inbox uses for the same notification.
/// </summary>
public sealed class MemberChannelApi(
    RequestAuthenticator auth,
    DeviceStore devices,
    DeviceDeliveryStore deliveries,
    InboxStore inbox,
    CursorProtector cursors,
    MemberChannelRateLimiter limiter,
    MemberChannelMetrics metrics,
    ILogger<MemberChannelApi> logger)
{
    private const string CursorPurpose = "member-events";
    private const int MaxPushTokenLength = 4096;
    private static readonly string[] Platforms = ["ios", "android", "web"];
    private static readonly string[] PushProviders = ["apns", "fcm", "none"];

    /// <summary>POST /api/member/channel/device/register.</summary>
    public Task<IResult> RegisterAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var body = await RequestBody.ReadJsonAsync<RegisterRequest>(context.Request, cancellationToken: context.RequestAborted);
        var deviceId = RequireDeviceId(body.DeviceId);
        if (body.Platform is null || !Platforms.Contains(body.Platform))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'platform' must be ios, android or web.");
        }

        if (body.PushProvider is null || !PushProviders.Contains(body.PushProvider))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'pushProvider' must be apns, fcm or none.");
        }

        var token = string.IsNullOrEmpty(body.PushToken) ? null : body.PushToken;
        if (body.PushProvider != "none" && token is null)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", "'pushToken' is required unless 'pushProvider' is none.");
        }

        if (token is not null && (token.Length > MaxPushTokenLength || token.Any(char.IsControl)))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'pushToken' must be at most {MaxPushTokenLength} printable characters.");
        }

        limiter.Acquire(MemberChannelOperation.Register, caller.TenantId, caller.UserId, deviceId);
        var binding = await devices.RegisterAsync(caller.TenantId, caller.UserId, deviceId, body.Platform, body.PushProvider, token, context.RequestAborted);
        metrics.Registered(binding.Platform);
        return Results.Json(new { deviceId = binding.DeviceId, registeredAt = binding.RegisteredAt, lastSeenAt = binding.LastSeenAt }, ApiJson.Options);
    });

    /// <summary>POST /api/member/channel/device/unregister: 204; allowed for inactive members too, so they can clean up.</summary>
    public Task<IResult> UnregisterAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireTokenAsync(context.Request);
        var body = await RequestBody.ReadJsonAsync<DeviceRequest>(context.Request, cancellationToken: context.RequestAborted);
        var deviceId = RequireDeviceId(body.DeviceId);
        var (removed, platform) = await devices.UnregisterAsync(caller.TenantId, caller.UserId, deviceId, context.RequestAborted);
        if (!removed)
        {
            throw DeviceNotFound();
        }

        metrics.Unregistered(platform ?? "", "user");
        return Results.NoContent();
    });

    /// <summary>GET /api/member/channel/events?deviceId&amp;cursor&amp;limit: the inbox in ascending seq order from the cursor.</summary>
    public Task<IResult> EventsAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        var request = context.Request;
        var deviceId = RequireDeviceId(request.Query["deviceId"].ToString());
        var limit = QueryParameters.Limit(request, 50, 100);
        var subject = Subject(caller, deviceId);
        var afterSeq = 0L;
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0)
        {
            if (!cursors.TryUnprotect(CursorPurpose, subject, cursor, out var position)
                || !long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out afterSeq))
            {
                throw ApiException.BadRequest("INVALID_CURSOR", "The cursor is not valid for this user and device.");
            }
        }

        limiter.Acquire(MemberChannelOperation.Events, caller.TenantId, caller.UserId, deviceId);
        var (member, device) = await RequireActiveDeviceAsync(caller, deviceId, context.RequestAborted);

        var (items, scannedTo, _) = await inbox.ListAfterSeqAsync(caller.TenantId, caller.UserId, InboxFilter.None, afterSeq, limit, context.RequestAborted);
        var emitted = new List<InboxItem>();
        var records = await deliveries.RecordDeliveryAsync(caller.TenantId, caller.UserId, deviceId, items, member, emitted, context.RequestAborted);
        foreach (var item in emitted)
        {
            metrics.Emitted(item.Type);
        }

        await devices.TouchAsync(caller.TenantId, device, context.RequestAborted);
        var events = items.Select(i => ToEvent(i, records[i.Seq])).ToList();
        // Always a cursor: at the end it marks the position to keep polling from.
        var next = cursors.Protect(CursorPurpose, subject, scannedTo.ToString(CultureInfo.InvariantCulture));
        return Results.Json(new { events, nextCursor = next }, ApiJson.Options);
    });

    /// <summary>POST /api/member/channel/events/{eventId}/ack {"deviceId"}: idempotent, returns the first ackedAt.</summary>
    public Task<IResult> AckAsync(HttpContext context, string eventId) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        try
        {
            var caller = await auth.RequireAsync(context.Request);
            var body = await RequestBody.ReadJsonAsync<DeviceRequest>(context.Request, cancellationToken: context.RequestAborted);
            var deviceId = RequireDeviceId(body.DeviceId);
            limiter.Acquire(MemberChannelOperation.Ack, caller.TenantId, caller.UserId, deviceId);
            if (!InboxKeys.TryParseId(eventId, out var seq))
            {
                throw EventNotFound();
            }

            var (member, _) = await RequireActiveDeviceAsync(caller, deviceId, context.RequestAborted);
            var existingRead = deliveries.GetAsync(caller.TenantId, caller.UserId, deviceId, seq, context.RequestAborted);
            var itemRead = inbox.GetAsync(caller.TenantId, caller.UserId, seq, context.RequestAborted);
            await Task.WhenAll(existingRead, itemRead); // both observed, even when one fails
            var item = await itemRead;
            DateTimeOffset ackedAt;
            if ((await existingRead)?.AckedAt is { } earlier)
            {
                // A retried ack answers the same, even if the notification has since been deleted.
                ackedAt = earlier;
            }
            else
            {
                ackedAt = item is null
                    ? throw EventNotFound()
                    : await deliveries.AckAsync(caller.TenantId, caller.UserId, deviceId, item, member, context.RequestAborted);
            }

            metrics.AckSucceeded();
            return Results.Json(new { eventId = seq.ToString(CultureInfo.InvariantCulture), deviceId, ackedAt }, ApiJson.Options);
        }
        catch (ApiException ex)
        {
            metrics.AckFailed(ex.Code);
            throw;
        }
    });

    private async Task<(Member Member, DeviceBinding Device)> RequireActiveDeviceAsync(CallerPrincipal caller, string deviceId, CancellationToken cancellationToken)
    {
        // The authenticator has already refused an inactive member and kept the row it read.
        var member = caller.Membership ?? throw new InvalidOperationException("The caller's membership was not checked.");
        var device = await devices.GetAsync(caller.TenantId, caller.UserId, deviceId, cancellationToken) ?? throw DeviceNotFound();
        return (member, device);
    }

    private static MemberEvent ToEvent(InboxItem item, DeliveryRecord record) => new(
        item.Id, item.Seq, record.Class, item.Title, item.Body, item.Data, record.PolicyHash, record.DedupeKey, item.CreatedAt, record.AckedAt);

    private static string RequireDeviceId(string? deviceId) =>
        DeviceStore.IsValidDeviceId(deviceId)
            ? deviceId!
            : throw ApiException.BadRequest("VALIDATION_ERROR", "'deviceId' is required: 1 to 128 characters of letters, digits, '-', '_', '.' or ':'.");

    private static string Subject(CallerPrincipal caller, string deviceId) => DeviceDeliveryStore.Partition(caller.TenantId, caller.UserId, deviceId);

    private static ApiException DeviceNotFound() => ApiException.NotFound("DEVICE_NOT_FOUND", "No such device is registered to you.");

    private static ApiException EventNotFound() => ApiException.NotFound("EVENT_NOT_FOUND", "No such event in your inbox.");

    private sealed record RegisterRequest(string? DeviceId, string? Platform, string? PushProvider, string? PushToken);

    private sealed record DeviceRequest(string? DeviceId);
}

/// <summary>One event of the member channel stream.</summary>
public sealed record MemberEvent(
    string EventId, long Seq, string Class, string Title, string Body, JsonElement? Payload, string PolicyHash, string DedupeKey,
    DateTimeOffset CreatedAt, DateTimeOffset? AckedAt);
