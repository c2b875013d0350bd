using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Serverless.Tests.Hosting;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Hardening;

/// <summary>
/// Security by default, checked over the whole route table rather than route by route: every HTTP function the SDK
/// generated (so a new route is covered the day it is added) answers 401 UNAUTHORIZED without a token and with a
/// forged one, before it looks at the body or the ids. Only the health probe is open.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class EveryRouteAuthenticatesTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly HashSet<string> Open = new(StringComparer.Ordinal) { "GET health" };

    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Every_route_but_health_refuses_a_missing_or_forged_token_with_401()
    {
        var operations = FunctionsMetadataTests.HttpOperations();
        Assert.True(operations.Count >= 40, $"expected the whole API, found {operations.Count} operations");
        var forged = _host.Token("alice", "t1")[..^4] + "AAAA"; // right shape, wrong signature
        var failures = new List<string>();
        foreach (var (method, route) in operations.Where(o => !Open.Contains($"{o.Method} {o.Route}")))
        {
            var path = "api/" + RouteParameter().Replace(route, "x1");
            foreach (var token in new[] { null, forged })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = method is "GET" or "DELETE" ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
                };
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                using var response = await _host.Http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.Unauthorized || !body.Contains("\"UNAUTHORIZED\"", StringComparison.Ordinal))
                {
                    failures.Add($"{method} /{path} ({(token is null ? "no token" : "forged")}): {(int)response.StatusCode} {body}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
