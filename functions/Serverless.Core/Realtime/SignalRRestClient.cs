using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Serverless.Core.Realtime;

/// <summary>
/// The realtime adapter: Azure SignalR Service's data-plane REST API (api-version 2022-11-01) on Azure.Core's
/// HttpPipeline (retries, one shared connection pool). Sends to a user, a group or the hub, manages user-level group
/// membership and generates client tokens. Every call is bounded by <see cref="SignalROptions.MaxConcurrentSends"/>;
/// a failed call is logged without URLs or tokens, counted, and thrown to the caller, which treats realtime as a hint.
/// </summary>
public sealed class SignalRRestClient : IRealtimeSender, IDisposable
{
    public const string ApiVersion = "2022-11-01";

    /// <summary>The Entra scope of the SignalR data plane.</summary>
    public const string EntraScope = "https://signalr.azure.com/.default";

    /// <summary>Like SignalR's JSON hub protocol: camelCase, nulls written, so clients see the same payload as from an in-process hub.</summary>
    internal static readonly JsonSerializerOptions PayloadJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly ResponseClassifier Classifier = new();
    private readonly HttpPipeline _pipeline;
    private readonly SemaphoreSlim _gate;
    private readonly SignalRMetrics _metrics;
    private readonly ILogger<SignalRRestClient> _logger;
    private readonly string _hubBase;

    public SignalRRestClient(
        SignalRConnection connection, IOptions<SignalROptions> options, SignalRMetrics metrics, TimeProvider time, ILogger<SignalRRestClient> logger)
        : this(connection, options, metrics, time, logger, clientOptions: null)
    {
    }

    /// <param name="clientOptions">Transport and retry overrides (tests); production uses the defaults below.</param>
    internal SignalRRestClient(
        SignalRConnection connection,
        IOptions<SignalROptions> options,
        SignalRMetrics metrics,
        TimeProvider time,
        ILogger<SignalRRestClient> logger,
        SignalRRestClientOptions? clientOptions)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        Connection = connection;
        _metrics = metrics;
        _logger = logger;
        _gate = new SemaphoreSlim(options.Value.MaxConcurrentSends, options.Value.MaxConcurrentSends);
        _hubBase = $"{connection.BaseUrl}/api/hubs/{Uri.EscapeDataString(RealtimeUser.HubName)}";

        // Authentication runs per retry, so every attempt carries a fresh, short-lived token for its own URL.
        HttpPipelinePolicy authentication = connection.AccessKey is { } accessKey
            ? new AccessKeyAuthenticationPolicy(accessKey, time)
            : new BearerTokenAuthenticationPolicy(connection.Credential!, EntraScope);
        _pipeline = HttpPipelineBuilder.Build(clientOptions ?? new SignalRRestClientOptions(), [], [authentication], Classifier);
    }

    public SignalRConnection Connection { get; }

    public Task SendAsync(RealtimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new PayloadMessage(message.Target, [message.Payload]), PayloadJson));
        return message switch
        {
            { UserId: { } user } => CallAsync("send_to_user", RequestMethod.Post, $"/users/{Escape(user)}/:send", null, body, cancellationToken),
            { GroupName: { } group } => CallAsync("send_to_group", RequestMethod.Post, $"/groups/{Escape(group)}/:send", null, body, cancellationToken),
            _ => CallAsync("broadcast", RequestMethod.Post, "/:send", null, body, cancellationToken),
        };
    }

    /// <summary>User-level membership: the service keeps it for the user's later connections too.</summary>
    public Task AddUserToGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default) =>
        CallAsync("add_user_to_group", RequestMethod.Put, UserGroupPath(userId, groupName), null, null, cancellationToken);

    public Task RemoveUserFromGroupAsync(string userId, string groupName, CancellationToken cancellationToken = default) =>
        CallAsync("remove_user_from_group", RequestMethod.Delete, UserGroupPath(userId, groupName), null, null, cancellationToken);

    /// <summary>POST /api/hubs/{hub}/users/{user}/:closeConnections (204): every connection of the user, with a reason the client sees.</summary>
    public Task CloseUserConnectionsAsync(string userId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return CallAsync("close_user_connections", RequestMethod.Post, $"/users/{Escape(userId)}/:closeConnections", $"&reason={Escape(reason)}", null, cancellationToken);
    }

    /// <summary>POST /api/hubs/{hub}/:generateToken: a client access token for <paramref name="userId"/>, issued by the service.</summary>
    public async Task<string> GenerateClientTokenAsync(string userId, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var minutes = Math.Max(1, (int)Math.Ceiling(lifetime.TotalMinutes));
        var query = $"&userId={Escape(userId)}&minutesToExpire={minutes.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var content = await CallAsync("generate_token", RequestMethod.Post, "/:generateToken", query, null, cancellationToken);
        ClientTokenResponse? token;
        try
        {
            token = content.ToObjectFromJson<ClientTokenResponse>(PayloadJson);
        }
        catch (JsonException)
        {
            token = null;
        }

        if (string.IsNullOrEmpty(token?.Token))
        {
            _metrics.Failed("generate_token", "invalid_body");
            throw new SignalRRequestFailedException("generate_token", 200, "NO_TOKEN_IN_RESPONSE");
        }

        return token.Token;
    }

    public void Dispose() => _gate.Dispose();

    internal static string Escape(string value) => Uri.EscapeDataString(value);

    internal static string UserGroupPath(string userId, string groupName)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        return $"/users/{Escape(userId)}/groups/{Escape(groupName)}";
    }

    /// <summary>The request URL for a path under the hub (already escaped) and an optional extra query ("&amp;k=v").</summary>
    internal string RequestUrl(string pathAfterHub, string? extraQuery) => $"{_hubBase}{pathAfterHub}?api-version={ApiVersion}{extraQuery}";

    /// <summary>Sends one call through the gate and the pipeline; returns the (buffered) response body of a success.</summary>
    private async Task<BinaryData> CallAsync(
        string operation, RequestMethod method, string path, string? query, BinaryData? body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var message = _pipeline.CreateMessage();
            var request = message.Request;
            request.Method = method;
            request.Uri.Reset(new Uri(RequestUrl(path, query)));
            request.Headers.SetValue("Accept", "application/json");
            if (body is not null)
            {
                request.Headers.SetValue("Content-Type", "application/json");
                request.Content = RequestContent.Create(body);
            }
            else if (method != RequestMethod.Delete)
            {
                request.Content = RequestContent.Create(BinaryData.Empty);
            }

            try
            {
                await _pipeline.SendAsync(message, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // No response at all (network, timeout after retries). The exception text has no token; the URL stays out of the log.
                _metrics.Failed(operation, "error");
                _logger.LogWarning("SignalR REST {Operation} failed without a response: {Error}", operation, ex.GetType().Name);
                throw;
            }

            var response = message.Response;
            if (IsSuccess(method, response.Status))
            {
                _metrics.Succeeded(operation);
                return BinaryData.FromBytes(response.Content.ToArray());
            }

            var code = ErrorCode(response);
            _metrics.Failed(operation, response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _logger.LogWarning("SignalR REST {Operation} failed with {Status} {ErrorCode}", operation, response.Status, code);
            throw new SignalRRequestFailedException(operation, response.Status, code);
        }
        finally
        {
            _gate.Release();
        }
    }

    // 2xx per the swagger (202 sends, 200 add and token, 204 remove). Removing a user who is not in the group is no failure.
    private static bool IsSuccess(RequestMethod method, int status) =>
        status is >= 200 and < 300 || (method == RequestMethod.Delete && status == 404);

    /// <summary>The service's error code (x-ms-error-code or the body's "code"), never its free text, which may echo input.</summary>
    private static string? ErrorCode(Response response)
    {
        if (response.Headers.TryGetValue("x-ms-error-code", out var header) && !string.IsNullOrEmpty(header))
        {
            return header;
        }

        try
        {
            using var document = JsonDocument.Parse(response.Content.ToMemory());
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record PayloadMessage(string Target, object?[] Arguments);

    private sealed record ClientTokenResponse(string? Token);

    /// <summary>Signs each attempt with an AccessKey JWT whose audience is that attempt's URL without the query.</summary>
    private sealed class AccessKeyAuthenticationPolicy(string accessKey, TimeProvider time) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            var token = SignalRAccessTokens.ForRequest(accessKey, message.Request.Uri.ToString(), time.GetUtcNow());
            message.Request.Headers.SetValue("Authorization", "Bearer " + token);
        }
    }
}

/// <summary>Pipeline options of <see cref="SignalRRestClient"/>: a few quick retries, a short network timeout.</summary>
public sealed class SignalRRestClientOptions : ClientOptions
{
    public SignalRRestClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 2;
        Retry.Delay = TimeSpan.FromMilliseconds(200);
        Retry.MaxDelay = TimeSpan.FromSeconds(2);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        Diagnostics.IsLoggingContentEnabled = false;
        Diagnostics.ApplicationId = "serverless-notifications";
    }
}

/// <summary>A SignalR REST call was answered with an error status. Carries the status and the service's error code only.</summary>
public sealed class SignalRRequestFailedException : Exception
{
    public SignalRRequestFailedException(string operation, int status, string? errorCode)
        : base($"SignalR REST {operation} failed with status {status}{(errorCode is null ? "" : " (" + errorCode + ")")}.")
    {
        Operation = operation;
        Status = status;
        ErrorCode = errorCode;
    }

    public SignalRRequestFailedException()
    {
        Operation = "";
    }

    public SignalRRequestFailedException(string message)
        : base(message)
    {
        Operation = "";
    }

    public SignalRRequestFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "";
    }

    public string Operation { get; }

    public int Status { get; }

    public string? ErrorCode { get; }
}
