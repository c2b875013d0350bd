namespace Serverless.Tests.Browser;

/// <summary>The web app's own Vitest suite (store and component tests), run as part of the .NET test command.</summary>
public sealed class WebAppVitestTests
{
    [Fact]
    public async Task TheWebAppsVitestSuitePasses()
    {
        var web = Path.Combine(NodeScript.RepositoryRoot, "web");
        Assert.True(Directory.Exists(Path.Combine(web, "node_modules", "vitest")), "web/node_modules is missing: building functions/Serverless.Standalone runs npm ci in web/.");

        var result = await NodeScript.RunAsync("npm", ["test", "--", "--reporter=default", "--no-color"], web, new Dictionary<string, string> { ["CI"] = "true", ["NO_COLOR"] = "1" }, TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Matches(@"Tests\s+\d+ passed", result.Output);
        Assert.DoesNotContain("failed", result.Output.Split('\n').Where(l => l.Contains("Tests ", StringComparison.Ordinal)).FirstOrDefault() ?? "failed", StringComparison.Ordinal);
    }
}
