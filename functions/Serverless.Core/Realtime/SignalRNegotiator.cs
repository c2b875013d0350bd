using System.Text.Json.Serialization;

namespace Serverless.Core.Realtime;

/// <summary>Answers negotiate: where a user's client connects for hub "notifications", with a token scoped to that user.</summary>
public interface IRealtimeNegotiator
{
    Task<NegotiateResponse> NegotiateAsync(string tenantId, string userId, CancellationToken cancellationToken = default);
}

/// <summary>The serverless negotiate answer: where the client connects and with which token.</summary>
public sealed record NegotiateResponse(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("accessToken")] string AccessToken);

/// <summary>
/// Answers POST /api/negotiate for hub "notifications" in both hosts: url = {endpoint}/client/?hub=notifications and a
/// client token for the caller, minted locally with the AccessKey or, with an Entra identity, issued by the service
/// (:generateToken). The user id comes only from the caller's validated bearer token.
/// </summary>
public sealed class SignalRNegotiator(SignalRConnection connection, SignalRRestClient client, TimeProvider time) : IRealtimeNegotiator
{
    public Task<NegotiateResponse> NegotiateAsync(string tenantId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var hubUser = RealtimeUser.Id(tenantId, userId);
        return connection.AccessKey is { } accessKey
            ? Task.FromResult(ForAccessKey(connection.BaseUrl, accessKey, hubUser, time.GetUtcNow()))
            : GenerateAsync(hubUser, cancellationToken);
    }

    /// <summary>A negotiate answer for an endpoint whose AccessKey this process holds (also the standalone host's own hub).</summary>
    public static NegotiateResponse ForAccessKey(string endpoint, string accessKey, string hubUserId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        var url = $"{endpoint.TrimEnd('/')}/client/?hub={RealtimeUser.HubName}";
        return new NegotiateResponse(url, SignalRAccessTokens.ForClient(accessKey, url, hubUserId, now, SignalRAccessTokens.ClientTokenLifetime));
    }

    private async Task<NegotiateResponse> GenerateAsync(string hubUser, CancellationToken cancellationToken)
    {
        var token = await client.GenerateClientTokenAsync(hubUser, SignalRAccessTokens.ClientTokenLifetime, cancellationToken);
        return new NegotiateResponse(connection.ClientUrl(RealtimeUser.HubName), token);
    }
}
