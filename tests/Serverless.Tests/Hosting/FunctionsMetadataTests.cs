using System.Text.Json;
using Serverless.Standalone.Development;
using Serverless.Standalone.Hosting;
using YamlDotNet.RepresentationModel;

namespace Serverless.Tests.Hosting;

/// <summary>
/// The deployable's triggers as the Functions SDK wrote them at build (functions.metadata) against the API contract
/// (openapi.yaml) and against what the standalone host runs (its function catalogue, read from the same classes).
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<JsonElement[]> Metadata = new(LoadMetadata);
    private static readonly Lazy<YamlMappingNode> OpenApi = new(LoadOpenApi);

    [Fact]
    public void Every_http_function_the_sdk_generated_is_an_openapi_operation_and_every_operation_is_a_function()
    {
        var functions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var trigger in Triggers("httpTrigger"))
        {
            foreach (var method in trigger.GetProperty("methods").EnumerateArray())
            {
                functions.Add(Operation(method.GetString()!, trigger.GetProperty("route").GetString()!));
            }
        }

        var openApi = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in Mapping(OpenApi.Value, "paths"))
        {
            foreach (var (method, _) in (YamlMappingNode)item)
            {
                if (((YamlScalarNode)method).Value is "get" or "post" or "put" or "patch" or "delete")
                {
                    openApi.Add(Operation(((YamlScalarNode)method).Value!, ((YamlScalarNode)path).Value!));
                }
            }
        }

        Assert.True(functions.Count >= 30, $"expected the whole API in functions.metadata, found {functions.Count} operations");
        Assert.Equal(openApi, functions);
    }

    [Fact]
    public void Every_queue_trigger_listens_to_the_queue_and_connection_the_contract_names()
    {
        var functions = Metadata.Value
            .SelectMany(f => Bindings(f, "queueTrigger").Select(b => $"{f.GetProperty("name").GetString()} {b.GetProperty("queueName").GetString()} {b.GetProperty("connection").GetString()}"))
            .Order(StringComparer.Ordinal).ToArray();
        var contract = Sequence(Mapping(OpenApi.Value, "x-azure-functions"), "queueTriggers")
            .Select(t => $"{Scalar(t, "function")} {Scalar(t, "queue")} {Scalar(t, "connection")}")
            .Order(StringComparer.Ordinal).ToArray();

        Assert.NotEmpty(functions);
        Assert.Equal(contract, functions);
    }

    [Fact]
    public void Every_timer_runs_on_the_schedule_the_contract_names()
    {
        var functions = Metadata.Value
            .SelectMany(f => Bindings(f, "timerTrigger").Select(b => $"{f.GetProperty("name").GetString()} {b.GetProperty("schedule").GetString()}"))
            .Order(StringComparer.Ordinal).ToArray();
        var contract = Sequence(Mapping(OpenApi.Value, "x-azure-functions"), "timerTriggers")
            .Select(t => $"{Scalar(t, "function")} {Scalar(t, "schedule")}")
            .Order(StringComparer.Ordinal).ToArray();

        Assert.NotEmpty(functions);
        Assert.Equal(contract, functions);
    }

    [Fact]
    public void Every_http_trigger_is_anonymous_at_the_host_because_the_api_validates_bearer_tokens_itself()
    {
        var levels = Triggers("httpTrigger").Select(t => t.GetProperty("authLevel").GetString() ?? "").Distinct().ToArray();
        Assert.Equal(["Anonymous"], levels);
    }

    [Fact]
    public void The_standalone_host_runs_exactly_the_functions_the_sdk_generated_with_the_same_triggers()
    {
        static string Describe(string name, string kind, string detail) => $"{name} {kind} {detail}";
        var generated = Metadata.Value.SelectMany(f =>
        {
            var name = f.GetProperty("name").GetString()!;
            return f.GetProperty("bindings").EnumerateArray().Select(b => b.GetProperty("type").GetString() switch
            {
                "httpTrigger" => Describe(name, "http", string.Join(",", b.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant())) + " " + b.GetProperty("route").GetString()),
                "queueTrigger" => Describe(name, "queue", b.GetProperty("queueName").GetString()!),
                "timerTrigger" => Describe(name, "timer", b.GetProperty("schedule").GetString()!),
                _ => null,
            }).OfType<string>();
        }).Order(StringComparer.Ordinal).ToArray();

        var hosted = FunctionCatalog.ForFunctionsApp().Functions.Select(f => f switch
        {
            HttpFunction h => Describe(h.Name, "http", string.Join(",", h.Methods) + " " + h.Route),
            QueueFunction q => Describe(q.Name, "queue", q.QueueName),
            TimerFunction t => Describe(t.Name, "timer", t.Schedule),
            _ => throw new InvalidOperationException(f.Name),
        }).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(generated, hosted);
    }

    private static IEnumerable<JsonElement> Triggers(string type) => Metadata.Value.SelectMany(f => Bindings(f, type));

    /// <summary>Every HTTP operation of the deployable (method, route under /api), as the SDK generated it.</summary>
    internal static IReadOnlyList<(string Method, string Route)> HttpOperations() =>
        Triggers("httpTrigger")
            .SelectMany(t => t.GetProperty("methods").EnumerateArray().Select(m => (m.GetString()!.ToUpperInvariant(), t.GetProperty("route").GetString()!)))
            .ToList();

    private static IEnumerable<JsonElement> Bindings(JsonElement function, string type) =>
        function.GetProperty("bindings").EnumerateArray().Where(b => b.GetProperty("type").GetString() == type);

    private static string Operation(string method, string route) =>
        method.ToUpperInvariant() + " /" + System.Text.RegularExpressions.Regex.Replace(route.Trim('/'), @"\{[^}]+\}", "{}");

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) =>
        (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static IEnumerable<YamlMappingNode> Sequence(YamlMappingNode node, string key) =>
        ((YamlSequenceNode)node.Children[new YamlScalarNode(key)]).Children.Cast<YamlMappingNode>();

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    /// <summary>The functions.metadata the Worker SDK generated when this build compiled Serverless.Functions.</summary>
    private static JsonElement[] LoadMetadata()
    {
        // Tests run from tests/Serverless.Tests/bin/{Configuration}/{tfm}/; the Functions app builds to the same pair.
        var tfmFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(AzuriteProcess.FindRepositoryRoot(), "functions", "Serverless.Functions", "bin", tfmFolder.Parent!.Name, tfmFolder.Name, "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata not found at {path}: the Functions SDK writes it when Serverless.Functions builds");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static YamlMappingNode LoadOpenApi()
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(Path.Combine(AzuriteProcess.FindRepositoryRoot(), "openapi.yaml")));
        yaml.Load(reader); // throws on anything that is not valid YAML
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }
}
