using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Core.Realtime;

/// <summary>
/// HS256 tokens signed with a SignalR AccessKey, as the data-plane REST reference describes: for a REST call the
/// audience is the request URL without its query; for a client the audience is the client URL and the user id is "nameid".
/// </summary>
public static class SignalRAccessTokens
{
    /// <summary>The claim Azure SignalR Service reads as the connection's user id.</summary>
    public const string UserIdClaim = "nameid";

    /// <summary>REST tokens are minted per request, so they only need to outlive the request and its retries.</summary>
    public static readonly TimeSpan RestTokenLifetime = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan ClientTokenLifetime = TimeSpan.FromHours(1);

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>A token for one REST call: audience is <paramref name="requestUrl"/> without query or fragment.</summary>
    public static string ForRequest(string accessKey, string requestUrl, DateTimeOffset now) =>
        Create(accessKey, AudienceOf(requestUrl), now, RestTokenLifetime, userId: null);

    /// <summary>A client access token for <paramref name="clientUrl"/> ({endpoint}/client/?hub=...), carrying the user id.</summary>
    public static string ForClient(string accessKey, string clientUrl, string userId, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return Create(accessKey, clientUrl, now, lifetime, userId);
    }

    /// <summary>The request URL as the audience: everything before '?' or '#'.</summary>
    public static string AudienceOf(string requestUrl)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestUrl);
        var end = requestUrl.IndexOfAny(['?', '#']);
        return end < 0 ? requestUrl : requestUrl[..end];
    }

    public static SymmetricSecurityKey SigningKey(string accessKey) => new(Encoding.UTF8.GetBytes(accessKey));

    private static string Create(string accessKey, string audience, DateTimeOffset now, TimeSpan lifetime, string? userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKey);
        var descriptor = new SecurityTokenDescriptor
        {
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            Expires = now.Add(lifetime).UtcDateTime,

            // No nbf: a service clock slightly behind ours would otherwise see a token from the future.
            SigningCredentials = new SigningCredentials(SigningKey(accessKey), SecurityAlgorithms.HmacSha256),
        };
        if (userId is not null)
        {
            descriptor.Claims = new Dictionary<string, object> { [UserIdClaim] = userId };
        }

        return Handler.CreateToken(descriptor);
    }
}
