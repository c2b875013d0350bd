using System.Net;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Hardening;

[Collection(AzuriteCollection.Name)]
public sealed class CorsAndNegotiateTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Outside_development_no_origin_is_allowed_by_default()
    {
        await using var host = await TestHost.StartAsync(azurite, args: ["--environment", "Production"]);

        using var response = await PreflightAsync(host, "https://evil.example");

        // Refused by policy, not by a broken host: an answer, just without CORS headers.
        Assert.True((int)response.StatusCode < 500, $"preflight answered {(int)response.StatusCode}");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task In_development_any_origin_is_allowed_by_default_but_never_with_credentials()
    {
        await using var host = await TestHost.StartAsync(azurite, args: ["--environment", "Development"]);

        using var response = await PreflightAsync(host, "https://spa.example");

        Assert.Equal("*", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task A_configured_wildcard_is_never_combined_with_credentials()
    {
        await using var host = await TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["Standalone:AllowedOrigins"] = "*" });

        using var response = await PreflightAsync(host, "https://evil.example");

        Assert.Equal("*", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Listed_origins_are_allowed_with_credentials_and_others_are_not()
    {
        await using var host = await TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["Standalone:AllowedOrigins"] = "https://app.example, http://localhost:5173" });

        using (var listed = await PreflightAsync(host, "https://app.example"))
        {
            Assert.Equal("https://app.example", string.Join(",", listed.Headers.GetValues("Access-Control-Allow-Origin")));
            Assert.Equal("true", string.Join(",", listed.Headers.GetValues("Access-Control-Allow-Credentials")));
        }

        using var other = await PreflightAsync(host, "https://evil.example");
        Assert.True((int)other.StatusCode < 500, $"preflight answered {(int)other.StatusCode}");
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_malformed_origin_setting_fails_the_host_at_start_naming_it()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["Standalone:AllowedOrigins"] = "https://app.example/path" }));

        Assert.Contains("Standalone:AllowedOrigins", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Negotiate_does_not_echo_the_requests_host_header_in_its_url()
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var alice = host.ClientFor("alice");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/negotiate");
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");

        using var response = await alice.SendAsync(request);

        var url = (await response.ReadJsonAsync()).GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("evil.example", url, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith(host.BaseAddress.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PreflightAsync(TestHost host, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "api/negotiate");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        return await host.Http.SendAsync(request);
    }
}
