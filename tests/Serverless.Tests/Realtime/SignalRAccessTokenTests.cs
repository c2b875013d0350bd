using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Core.Realtime;

namespace Serverless.Tests.Realtime;

/// <summary>The AccessKey JWTs, checked by validating them with Microsoft.IdentityModel as the service would; and path escaping.</summary>
public sealed class SignalRAccessTokenTests
{
    private const string Key = "token-test-access-key-0123456789abcdefghijklmn";

    [Fact]
    public async Task ARestToken_IsSignedWithTheAccessKey_ForTheRequestUrlWithoutItsQuery_AndExpiresWithinMinutes()
    {
        var now = DateTimeOffset.UtcNow;
        var token = SignalRAccessTokens.ForRequest(Key, "https://demo.service.signalr.net/api/hubs/notifications/users/t1%7Calice/:send?api-version=2022-11-01", now);

        var result = await ValidateAsync(token, Key, "https://demo.service.signalr.net/api/hubs/notifications/users/t1%7Calice/:send");

        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("HS256", jwt.Alg);
        Assert.InRange(jwt.ValidTo, now.UtcDateTime.AddMinutes(4), now.UtcDateTime.AddMinutes(5).AddSeconds(1));
        Assert.False(result.Claims.ContainsKey("nameid"));
    }

    [Fact]
    public async Task ARestToken_DoesNotValidateWithAnotherKey_OrForAnotherUrl()
    {
        var token = SignalRAccessTokens.ForRequest(Key, "https://demo.service.signalr.net/api/hubs/notifications/:send?api-version=2022-11-01", DateTimeOffset.UtcNow);

        Assert.False((await ValidateAsync(token, "another-access-key-0123456789abcdefghijklmnop", "https://demo.service.signalr.net/api/hubs/notifications/:send")).IsValid);
        Assert.False((await ValidateAsync(token, Key, "https://demo.service.signalr.net/api/hubs/notifications/groups/g/:send")).IsValid);
    }

    [Fact]
    public async Task AnExpiredRestToken_DoesNotValidate()
    {
        var token = SignalRAccessTokens.ForRequest(Key, "https://demo.service.signalr.net/api/hubs/notifications/:send", DateTimeOffset.UtcNow.AddMinutes(-10));

        var result = await ValidateAsync(token, Key, "https://demo.service.signalr.net/api/hubs/notifications/:send");

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task AClientToken_CarriesTheUserIdAsNameid_ForTheClientUrl_AndLastsAnHour()
    {
        var now = DateTimeOffset.UtcNow;
        var negotiated = SignalRNegotiator.ForAccessKey("https://demo.service.signalr.net/", Key, "t1|alice", now);

        Assert.Equal("https://demo.service.signalr.net/client/?hub=notifications", negotiated.Url);
        var result = await ValidateAsync(negotiated.AccessToken, Key, negotiated.Url);
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("t1|alice", result.Claims["nameid"]);
        Assert.InRange(((JsonWebToken)result.SecurityToken).ValidTo, now.UtcDateTime.AddMinutes(59), now.UtcDateTime.AddMinutes(60).AddSeconds(1));
    }

    [Fact]
    public void TheAudienceOfARequest_IsItsUrlWithoutQueryOrFragment()
    {
        Assert.Equal("https://x/api/hubs/h/:send", SignalRAccessTokens.AudienceOf("https://x/api/hubs/h/:send?api-version=2022-11-01"));
        Assert.Equal("https://x/api/hubs/h/:send", SignalRAccessTokens.AudienceOf("https://x/api/hubs/h/:send#f"));
        Assert.Equal("https://x/api/hubs/h/:send", SignalRAccessTokens.AudienceOf("https://x/api/hubs/h/:send"));
    }

    [Fact]
    public void UserIdsAndGroupNames_AreEscapedInPaths_SoTheTenantSeparatorSurvives()
    {
        Assert.Equal("/users/t1%7Calice/groups/room%3Ar1", SignalRRestClient.UserGroupPath("t1|alice", "room:r1"));
        Assert.Equal("t1%7Ca%2Fb%20c%3Fd%23e", SignalRRestClient.Escape("t1|a/b c?d#e"));
    }

    private static Task<TokenValidationResult> ValidateAsync(string token, string key, string audience) =>
        new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = audience,
            ValidateIssuer = false,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
        });
}
