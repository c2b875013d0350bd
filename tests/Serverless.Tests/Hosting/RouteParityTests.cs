using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Standalone.Development;

namespace Serverless.Tests.Hosting;

/// <summary>
/// The standalone route table, the Functions app's [HttpTrigger] attributes (read from source: that project does not
/// build here) and openapi.yaml must list the same operations.
/// </summary>
public sealed partial class RouteParityTests
{
    [Fact]
    public void StandaloneFunctionsAndOpenApi_ListTheSameOperations()
    {
        var standalone = StandaloneOperations();
        var functions = FunctionsOperations();
        var openApi = OpenApiOperations();

        Assert.True(standalone.Count >= 10, "expected the standalone host to map the API");
        Assert.Equal(standalone, functions);
        Assert.Equal(standalone, openApi);
    }

    [Fact]
    public void EveryFunctionsHttpTrigger_IsAnonymousAtTheHost_BecauseTheApiValidatesBearerTokensItself()
    {
        var source = string.Join("\n", FunctionsSources().Select(File.ReadAllText));
        Assert.DoesNotMatch(@"AuthorizationLevel\.(Function|Admin)", source);
    }

    private static SortedSet<string> StandaloneOperations()
    {
        var app = Standalone.StandaloneHost.Build([], new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" });
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>();
        var operations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!route.StartsWith("/api/", StringComparison.Ordinal) || route.StartsWith("/api/hubs/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                operations.Add(Normalize(method, route["/api".Length..]));
            }
        }

        return operations;
    }

    private static SortedSet<string> FunctionsOperations()
    {
        var operations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in FunctionsSources())
        {
            foreach (Match match in HttpTrigger().Matches(File.ReadAllText(file)))
            {
                var route = "/" + match.Groups["route"].Value;
                foreach (Capture method in match.Groups["method"].Captures)
                {
                    operations.Add(Normalize(method.Value, route));
                }
            }
        }

        return operations;
    }

    private static SortedSet<string> OpenApiOperations()
    {
        var operations = new SortedSet<string>(StringComparer.Ordinal);
        string? path = null;
        foreach (var line in File.ReadAllLines(Path.Combine(AzuriteProcess.FindRepositoryRoot(), "openapi.yaml")))
        {
            var pathMatch = OpenApiPath().Match(line);
            if (pathMatch.Success)
            {
                path = pathMatch.Groups[1].Value;
                continue;
            }

            if (line.Length > 0 && !line.StartsWith(' '))
            {
                path = null; // left the paths section
            }

            var methodMatch = OpenApiMethod().Match(line);
            if (path is not null && methodMatch.Success)
            {
                operations.Add(Normalize(methodMatch.Groups[1].Value, path));
            }
        }

        return operations;
    }

    private static IEnumerable<string> FunctionsSources() =>
        Directory.EnumerateFiles(Path.Combine(AzuriteProcess.FindRepositoryRoot(), "functions", "Serverless.Functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Normalize(string method, string route) =>
        method.ToUpperInvariant() + " " + RouteParameter().Replace(route.TrimEnd('/'), "{}");

    [GeneratedRegex(@"HttpTrigger\(\s*AuthorizationLevel\.\w+\s*,\s*(?:""(?<method>\w+)""\s*,\s*)+Route\s*=\s*""(?<route>[^""]+)""")]
    private static partial Regex HttpTrigger();

    [GeneratedRegex(@"^  (/[^:\s]*):\s*$")]
    private static partial Regex OpenApiPath();

    [GeneratedRegex(@"^    (get|post|put|patch|delete):\s*$")]
    private static partial Regex OpenApiMethod();

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
