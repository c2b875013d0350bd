using System.Text.Json;
using System.Text.RegularExpressions;
using Serverless.Tests.Deployment;
using YamlDotNet.RepresentationModel;

namespace Serverless.Tests.Browser;

/// <summary>`azd up` deploys the web app: a Static Web Apps service in azure.yaml, its Bicep module, and CORS for its origin.</summary>
public sealed class WebAppDeploymentTests
{
    private static readonly string Root = DeploymentConfigurationTests.Root;

    [Fact]
    public void AzureYamlDeploysTheWebFolderToStaticWebAppsFromItsViteOutput()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Root, "azure.yaml")))
        {
            yaml.Load(reader);
        }

        var web = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"])["web"];
        Assert.Equal("staticwebapp", web["host"].ToString());
        Assert.Equal("js", web["language"].ToString());
        var project = Path.GetFullPath(Path.Combine(Root, web["project"].ToString()));
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "package.json")));
        Assert.True(package.RootElement.GetProperty("scripts").TryGetProperty("build", out _), "web/package.json has no build script for azd");
        Assert.Equal("dist", web["dist"].ToString());
        Assert.Contains("outDir: \"dist\"", File.ReadAllText(Path.Combine(project, "vite.config.ts")), StringComparison.Ordinal);

        var hook = ((YamlMappingNode)((YamlMappingNode)web["hooks"])["prepackage"])["run"].ToString();
        var script = Regex.Match(hook, @"node (\S+)").Groups[1].Value;
        Assert.True(File.Exists(Path.Combine(project, script)), $"the prepackage hook runs {script}, which does not exist");
        Assert.True(File.Exists(Path.Combine(project, "public", "staticwebapp.config.json")), "client routes need the navigation fallback");
    }

    [Fact]
    public void TheStaticWebAppIsFreeTierTaggedForAzdAndAdmittedByTheFunctionAppsCors()
    {
        var module = File.ReadAllText(Path.Combine(Root, "infra", "app", "web.bicep"));
        Assert.Contains("'Microsoft.Web/staticSites@", module, StringComparison.Ordinal);
        Assert.Matches(@"sku:\s*\{\s*name:\s*'Free'", module);
        Assert.Contains("'azd-service-name': serviceName", module, StringComparison.Ordinal);
        Assert.Contains("param serviceName string = 'web'", module, StringComparison.Ordinal);

        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        Assert.Contains("module web './app/web.bicep'", main, StringComparison.Ordinal);
        Assert.Contains("corsAllowedOrigins: union(corsOrigins, [web.outputs.uri])", main, StringComparison.Ordinal);
        Assert.Contains("output SERVICE_WEB_URI string = web.outputs.uri", main, StringComparison.Ordinal);
    }
}
