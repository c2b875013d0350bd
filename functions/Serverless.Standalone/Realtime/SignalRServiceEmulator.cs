using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
using Serverless.Core.Http;
using Serverless.Core.Realtime;

namespace Serverless.Standalone.Realtime;

/// <summary>
/// The Azure SignalR Service data-plane REST calls the product uses, served at this host's own origin and delivered
/// through its hub: send to the hub, a user or a group (202), add (200) and remove (204) a user in a group, close a user's
/// connections (204), and
/// :generateToken (200 {"token"}). Authenticated like the service: an HS256 AccessKey token whose audience is the
/// request URL; otherwise 401 {"code","message"}. Paths are read escaped, as signed, so ids like "t1|alice" round-trip.
/// </summary>
public sealed partial class SignalRServiceEmulator(
    SignalRServiceKey serviceKey, HubRealtimeSender groups, IHubContext<NotificationsHub> hub, TimeProvider time)
{
    public const string RestPrefix = "/api/hubs";

    /// <summary>REST request bodies are capped at 1 MB by the service.</summary>
    private const long MaxBodyBytes = 1024 * 1024;

    private static readonly DateOnly FirstApiVersion = new(2022, 6, 1);
    private static readonly DateOnly FirstGenerateTokenApiVersion = new(2022, 11, 1);

    /// <summary>Maps /api/hubs/...; no Functions route starts with "hubs", so nothing collides.</summary>
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapMethods(RestPrefix + "/{**operation}", ["POST", "PUT", "DELETE"], (HttpContext c, SignalRServiceEmulator e) => e.HandleAsync(c));

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !await serviceKey.ValidateRestTokenAsync(request, header[7..].Trim()))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiError.Result(401, "UNAUTHORIZED", "A bearer token signed with the AccessKey, whose audience is the request URL, is required.");
        }

        var segments = Segments(SignalRServiceKey.RawPath(context));
        if (segments.Length < 2 || !HubName().IsMatch(segments[0]))
        {
            return ApiError.Result(404, "NOT_FOUND", "No such SignalR REST operation.");
        }

        if (!string.Equals(segments[0], RealtimeUser.HubName, StringComparison.OrdinalIgnoreCase))
        {
            return ApiError.Result(404, "HUB_NOT_FOUND", $"This host serves only hub '{RealtimeUser.HubName}'.");
        }

        var isGenerateToken = segments is [_, ":generateToken"];
        if (!IsSupportedApiVersion(request.Query["api-version"].ToString(), isGenerateToken ? FirstGenerateTokenApiVersion : FirstApiVersion))
        {
            return ApiError.Result(400, "INVALID_API_VERSION", "The api-version query parameter is missing or not supported for this operation.");
        }

        var method = request.Method;
        return segments switch
        {
            [_, ":send"] when HttpMethods.IsPost(method) => await SendAsync(context, hub.Clients.All),
            [_, ":generateToken"] when HttpMethods.IsPost(method) => GenerateToken(request),
            [_, "users", var user, ":send"] when HttpMethods.IsPost(method) => await SendAsync(context, hub.Clients.User(user)),
            [_, "groups", var group, ":send"] when HttpMethods.IsPost(method) => await SendAsync(context, hub.Clients.Group(group)),
            [_, "users", var user, "groups", var group] when HttpMethods.IsPut(method) => await AddToGroupAsync(user, group, context.RequestAborted),
            [_, "users", var user, "groups", var group] when HttpMethods.IsDelete(method) => await RemoveFromGroupAsync(user, group, context.RequestAborted),
            [_, "users", var user, ":closeConnections"] when HttpMethods.IsPost(method) => await CloseUserConnectionsAsync(user, request.Query["reason"].ToString(), context.RequestAborted),
            [_, ":send" or ":generateToken"] or [_, "users" or "groups", _, ":send"] or [_, "users", _, "groups", _] or [_, "users", _, ":closeConnections"] =>
                ApiError.Result(405, "METHOD_NOT_ALLOWED", "This operation does not accept that method."),
            _ => ApiError.Result(404, "NOT_FOUND", "No such SignalR REST operation."),
        };
    }

    private static async Task<IResult> SendAsync(HttpContext context, IClientProxy clients)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return ApiError.Result(413, "PAYLOAD_TOO_LARGE", "The message body is larger than 1 MB.");
        }

        string? target;
        object?[] arguments;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = document.RootElement;
            target = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var args = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("arguments", out var a) ? a : default;
            if (string.IsNullOrEmpty(target) || args.ValueKind is not (JsonValueKind.Array or JsonValueKind.Undefined or JsonValueKind.Null))
            {
                return ApiError.Result(400, "INVALID_PAYLOAD", "The body must be {\"target\": \"...\", \"arguments\": [...]}.");
            }

            // Cloned so the elements outlive the document; the hub's JSON protocol writes them as they came.
            arguments = args.ValueKind == JsonValueKind.Array ? args.EnumerateArray().Select(e => (object?)e.Clone()).ToArray() : [];
        }
        catch (JsonException)
        {
            return ApiError.Result(400, "INVALID_PAYLOAD", "The body is not valid JSON.");
        }

        await clients.SendCoreAsync(target, arguments, context.RequestAborted);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private async Task<IResult> AddToGroupAsync(string user, string group, CancellationToken cancellationToken)
    {
        await groups.AddUserToGroupAsync(user, group, cancellationToken);
        return Results.Ok();
    }

    private async Task<IResult> RemoveFromGroupAsync(string user, string group, CancellationToken cancellationToken)
    {
        await groups.RemoveUserFromGroupAsync(user, group, cancellationToken);
        return Results.NoContent();
    }

    private async Task<IResult> CloseUserConnectionsAsync(string user, string reason, CancellationToken cancellationToken)
    {
        await groups.CloseUserConnectionsAsync(user, reason, cancellationToken);
        return Results.NoContent();
    }

    private IResult GenerateToken(HttpRequest request)
    {
        var userId = request.Query["userId"].ToString();
        if (userId.Length == 0)
        {
            return ApiError.Result(400, "USER_ID_REQUIRED", $"Hub '{RealtimeUser.HubName}' accepts only connections with a user id.");
        }

        var minutes = 60;
        var minutesText = request.Query["minutesToExpire"].ToString();
        if (minutesText.Length > 0 && (!int.TryParse(minutesText, NumberStyles.None, CultureInfo.InvariantCulture, out minutes) || minutes < 1))
        {
            return ApiError.Result(400, "INVALID_MINUTES_TO_EXPIRE", "minutesToExpire must be a whole number of at least 1.");
        }

        var clientUrl = $"{request.Scheme}://{request.Host}{request.PathBase}/client/?hub={RealtimeUser.HubName}";
        var token = SignalRAccessTokens.ForClient(serviceKey.AccessKey, clientUrl, userId, time.GetUtcNow(), TimeSpan.FromMinutes(minutes));
        return Results.Json(new { token }, ApiJson.Options);
    }

    /// <summary>The unescaped segments after /api/hubs/ of a raw (escaped) path.</summary>
    private static string[] Segments(string rawPath)
    {
        var rest = rawPath.Length > RestPrefix.Length + 1 ? rawPath[(RestPrefix.Length + 1)..] : "";
        return rest.Split('/').Select(Uri.UnescapeDataString).ToArray();
    }

    private static bool IsSupportedApiVersion(string value, DateOnly first) =>
        value.Length >= 10
        && DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
        && (value.Length == 10 || value[10] == '-')
        && date >= first;

    /// <summary>The swagger's hub name rule: a letter, then letters, digits or underscores.</summary>
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex HubName();
}
