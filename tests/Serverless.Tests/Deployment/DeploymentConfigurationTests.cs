using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Serverless.Tests.Deployment;

/// <summary>
/// Static checks of the azd deployment files that the Bicep compiler cannot make (BicepTests compiles and lints):
/// that they agree with the code, azure.yaml and host.json. They read the files as text and catch the mistakes
/// that would otherwise surface only during `azd up`.
/// </summary>
public sealed partial class DeploymentConfigurationTests
{
    internal static readonly string Root = FindRepositoryRoot();

    // Assemblies whose options classes (types with `public const string SectionName`) the app binds.
    private static readonly string[] OptionsAssemblies = ["Serverless.Core"];

    // Connections used through the Functions host and its extensions rather than an options class.
    // Azure sets them identity-based (several `__` keys); local development uses one connection string.
    private static readonly RequiredSetting[] ConnectionSettings =
    [
        new(
            "AzureWebJobsStorage",
            [
                "AzureWebJobsStorage__credential",
                "AzureWebJobsStorage__clientId",
                "AzureWebJobsStorage__blobServiceUri",
                "AzureWebJobsStorage__queueServiceUri",
                "AzureWebJobsStorage__tableServiceUri",
            ],
            "AzureWebJobsStorage"),
        new(
            "AzureSignalRConnectionString",
            [
                "AzureSignalRConnectionString__serviceUri",
                "AzureSignalRConnectionString__credential",
                "AzureSignalRConnectionString__clientId",
            ],
            "AzureSignalRConnectionString"),
        // Read by the Azure Monitor exporter (Entra-authenticated ingestion) and by Azure.Identity, which picks
        // the user-assigned identity from AZURE_CLIENT_ID. Local runs need none of them.
        new(
            "ApplicationInsights",
            [
                "APPLICATIONINSIGHTS_CONNECTION_STRING",
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
                "AZURE_CLIENT_ID",
            ],
            null),
    ];

    // Settings deliberately absent from Bicep, each with the reason.
    private static readonly Dictionary<string, string> NotInBicep = new(StringComparer.Ordinal)
    {
        ["Auth__SigningKey"] = "local HS256 development key only; in Azure tokens are validated against Auth__Authority",
    };

    // Settings deliberately absent from local.settings.sample.json, each with the reason. Empty so far.
    private static readonly Dictionary<string, string> NotInSample = new(StringComparer.Ordinal);

    [Fact]
    public void EveryBoundSetting_IsSetInBicep()
    {
        var required = RequiredSettings();
        var bicepKeys = BicepObjectKeys();

        var missing = required
            .Where(s => !NotInBicep.ContainsKey(s.Name))
            .SelectMany(s => s.BicepKeys.Where(key => !IsPresent(key, s.IsCollection, bicepKeys)).Select(key => $"{key} (for {s.Name})"))
            .ToList();

        Assert.True(
            missing.Count == 0,
            "Settings the code binds but no infra/**/*.bicep sets (add them to the appSettings in infra/app/api.bicep, "
            + "or to NotInBicep with a reason): " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryBoundSetting_IsInLocalSettingsSample()
    {
        var required = RequiredSettings();
        var samplePath = Path.Combine(Root, "local.settings.sample.json");
        Assert.True(
            File.Exists(samplePath),
            $"local.settings.sample.json is missing at the repository root ({Root}); it must list every setting the code binds under \"Values\".");

        using var document = JsonDocument.Parse(File.ReadAllText(samplePath));
        Assert.True(
            document.RootElement.TryGetProperty("Values", out var values) && values.ValueKind == JsonValueKind.Object,
            "local.settings.sample.json has no \"Values\" object.");
        var sampleKeys = values.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        var missing = required
            .Where(s => s.SampleKey is not null && !NotInSample.ContainsKey(s.Name) && !IsPresent(s.SampleKey, s.IsCollection, sampleKeys))
            .Select(s => s.SampleKey!)
            .ToList();

        Assert.True(
            missing.Count == 0,
            "Settings the code binds but local.settings.sample.json does not list under \"Values\" (or add them to NotInSample with a reason): "
            + string.Join(", ", missing));
    }

    [Fact]
    public void RequiredSettings_IncludeConnectionSettings_EvenWhenNoOptionsClassExists()
    {
        // Guards against the settings checks passing vacuously while Core has no options classes yet.
        var names = RequiredSettings().Select(s => s.Name).ToList();

        Assert.Contains("AzureWebJobsStorage", names);
        Assert.Contains("AzureSignalRConnectionString", names);
        Assert.All(RequiredSettings(), s => Assert.NotEmpty(s.BicepKeys));
    }

    [Fact]
    public void AzureYaml_ApiService_PointsAtDotnetFunctionProject()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "azure.yaml"));
        Assert.StartsWith("# yaml-language-server: $schema=", lines[0], StringComparison.Ordinal);

        var api = ReadYamlBlock(lines, "services", "api");

        Assert.True(api.TryGetValue("project", out var project), "azure.yaml: services.api has no project.");
        Assert.Equal("dotnet", api.GetValueOrDefault("language"));
        Assert.Equal("function", api.GetValueOrDefault("host"));

        var projectDirectory = Path.GetFullPath(Path.Combine(Root, project!));
        Assert.True(Directory.Exists(projectDirectory), $"azure.yaml: project folder {projectDirectory} does not exist.");
        Assert.NotEmpty(Directory.GetFiles(projectDirectory, "*.csproj"));
    }

    [Fact]
    public void MainBicep_EveryModule_IsALocalFileThatExists()
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        VisitModules(Path.Combine(Root, "infra", "main.bicep"), visited, missing);

        Assert.True(missing.Count == 0, "Missing or non-local Bicep modules: " + string.Join(", ", missing));
        // main.bicep plus at least one local module: the walk really followed references.
        Assert.True(visited.Count > 1, "main.bicep references no local modules.");
    }

    [Fact]
    public void MainParameters_MatchMainBicepParams()
    {
        var declared = ParseBicepParams(File.ReadAllText(Path.Combine(Root, "infra", "main.bicep")));
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "infra", "main.parameters.json")));
        var supplied = document.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToList();

        Assert.NotEmpty(declared);
        var undeclared = supplied.Where(name => !declared.ContainsKey(name)).ToList();
        var unsupplied = declared.Where(p => !p.Value && !supplied.Contains(p.Key)).Select(p => p.Key).ToList();

        Assert.True(undeclared.Count == 0, "main.parameters.json sets parameters main.bicep does not declare: " + string.Join(", ", undeclared));
        Assert.True(unsupplied.Count == 0, "main.bicep parameters without a default that main.parameters.json does not set: " + string.Join(", ", unsupplied));
    }

    [Fact]
    public void MainBicep_DeclaresTheOutputsAzdAndClientsRead()
    {
        var text = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var outputs = OutputRegex().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        string[] expected =
        [
            "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "SERVICE_API_NAME", "AZURE_FUNCTION_NAME",
            "SERVICE_API_URI", "AZURE_SIGNALR_ENDPOINT", "AZURE_STORAGE_ACCOUNT_NAME",
        ];
        Assert.Empty(expected.Except(outputs));
    }

    [Fact]
    public void Bicep_FunctionApp_IsTaggedWithTheAzureYamlServiceName()
    {
        var api = File.ReadAllText(Path.Combine(Root, "infra", "app", "api.bicep"));

        Assert.Contains("'azd-service-name': serviceName", api, StringComparison.Ordinal);
        Assert.Contains("param serviceName string = 'api'", api, StringComparison.Ordinal);
        Assert.Contains("name: 'dotnet-isolated'", api, StringComparison.Ordinal);
    }

    [Fact]
    public void Rbac_GrantsTheAppIdentity_SignalRServiceOwner_OnTheSignalRService()
    {
        // Serverless negotiation (client tokens) and REST API sends both need SignalR Service Owner. SignalR App
        // Server is for default-mode server connections; SignalR REST API Owner does not handle negotiation.
        var rbac = StripComments(File.ReadAllText(Path.Combine(Root, "infra", "app", "rbac.bicep")));

        Assert.Contains("signalRServiceOwner: '7e4f1700-ea5a-4f59-8f37-079cfe29dce3'", rbac, StringComparison.Ordinal);
        var assignment = SignalRRoleAssignmentRegex().Match(rbac);
        Assert.True(assignment.Success, "rbac.bicep has no role assignment scoped to the SignalR Service.");
        Assert.Equal("signalRServiceOwner", assignment.Groups[1].Value);
    }

    [Fact]
    public void Bicep_UsesNoAccessKeysOrConnectionStringsWithSecrets()
    {
        foreach (var file in BicepFiles())
        {
            var text = StripComments(File.ReadAllText(file));
            Assert.DoesNotContain("listKeys(", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("InstrumentationKey", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void HostJson_QueueAndHttpSettings_MatchTheStandaloneHost()
    {
        // Serverless.Standalone mirrors these semantics: batches of 16, five dequeues then <queue>-poison,
        // base64 message bodies, routes under /api.
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "Serverless.Functions", "host.json")));
        var root = document.RootElement;
        var queues = root.GetProperty("extensions").GetProperty("queues");

        Assert.Equal("2.0", root.GetProperty("version").GetString());
        Assert.Equal(16, queues.GetProperty("batchSize").GetInt32());
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal("api", root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    private static List<RequiredSetting> RequiredSettings()
    {
        var settings = new List<RequiredSetting>(ConnectionSettings);
        foreach (var (name, isCollection) in DiscoverOptionsSettings())
        {
            settings.Add(new RequiredSetting(name, [name], name, isCollection));
        }

        return settings;
    }

    /// <summary>`{SectionName}__{Property}` for every public settable property of every options class.</summary>
    private static List<(string Name, bool IsCollection)> DiscoverOptionsSettings()
    {
        var settings = new List<(string, bool)>();
        foreach (var assemblyName in OptionsAssemblies)
        {
            foreach (var type in Assembly.Load(assemblyName).GetExportedTypes())
            {
                var field = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static);
                if (field is { IsLiteral: true } && field.FieldType == typeof(string) && field.GetRawConstantValue() is string section)
                {
                    AddSettings(type, section.Replace(":", "__", StringComparison.Ordinal), settings, depth: 0);
                }
            }
        }

        return settings;
    }

    private static void AddSettings(Type type, string prefix, List<(string, bool)> settings, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var name = $"{prefix}__{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                settings.Add((name, false));
            }
            else if (typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                settings.Add((name, true)); // configured as Name__0, Name__key, ...
            }
            else if (depth < 4)
            {
                AddSettings(propertyType, name, settings, depth + 1); // nested options object
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(TimeOnly)
        || type == typeof(Guid) || type == typeof(Uri);

    // A collection setting is present when any of its element keys (Name__0, Name__x) is.
    private static bool IsPresent(string key, bool isCollection, HashSet<string> keys) =>
        keys.Contains(key) || (isCollection && keys.Any(k => k.StartsWith(key + "__", StringComparison.Ordinal)));

    private static IEnumerable<string> BicepFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "infra"), "*.bicep", SearchOption.AllDirectories);

    /// <summary>Every object key (`Name:` or `'Name':` at the start of a line) in infra/**/*.bicep.</summary>
    private static HashSet<string> BicepObjectKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in BicepFiles())
        {
            foreach (Match match in ObjectKeyRegex().Matches(StripComments(File.ReadAllText(file))))
            {
                keys.Add(match.Groups[1].Value);
            }
        }

        return keys;
    }

    private static string StripComments(string bicep) => LineCommentRegex().Replace(bicep, string.Empty);

    private static void VisitModules(string file, HashSet<string> visited, List<string> missing)
    {
        if (!visited.Add(file))
        {
            return;
        }

        foreach (Match match in ModuleRegex().Matches(StripComments(File.ReadAllText(file))))
        {
            var reference = match.Groups[1].Value;
            if (reference.StartsWith("br/", StringComparison.Ordinal) || reference.StartsWith("br:", StringComparison.Ordinal)
                || reference.StartsWith("ts/", StringComparison.Ordinal) || reference.StartsWith("ts:", StringComparison.Ordinal))
            {
                // Restoring a registry or template-spec module needs the network; the build machines have none.
                missing.Add($"{reference} (from {Path.GetRelativePath(Root, file)}: not a local file; write its resources under infra/app)");
                continue;
            }

            var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, reference));
            if (File.Exists(path))
            {
                VisitModules(path, visited, missing);
            }
            else
            {
                missing.Add($"{reference} (from {Path.GetRelativePath(Root, file)})");
            }
        }
    }

    /// <summary>Parameter name to whether it has a default (or is nullable).</summary>
    private static Dictionary<string, bool> ParseBicepParams(string bicep) =>
        ParamRegex().Matches(StripComments(bicep)).ToDictionary(
            m => m.Groups["name"].Value,
            m => m.Groups["default"].Success || m.Groups["type"].Value.EndsWith('?'),
            StringComparer.Ordinal);

    /// <summary>The `key: value` lines of a two-level block in a simple YAML file (enough for azure.yaml).</summary>
    private static Dictionary<string, string> ReadYamlBlock(string[] lines, string section, string item)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var inSection = false;
        int? itemIndent = null;
        foreach (var raw in lines)
        {
            var line = raw.Split('#')[0].TrimEnd();
            if (line.Length == 0)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var trimmed = line.Trim();
            if (indent == 0)
            {
                inSection = trimmed == section + ":";
                itemIndent = null;
                continue;
            }

            if (!inSection)
            {
                continue;
            }

            if (itemIndent is null)
            {
                if (trimmed == item + ":")
                {
                    itemIndent = indent;
                }

                continue;
            }

            if (indent <= itemIndent)
            {
                break; // next item in the section
            }

            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                values[trimmed[..colon].Trim()] = trimmed[(colon + 1)..].Trim().Trim('"', '\'');
            }
        }

        Assert.True(values.Count > 0, $"azure.yaml has no {section}.{item} block.");
        return values;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Serverless.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Serverless.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:", RegexOptions.Multiline)]
    private static partial Regex ObjectKeyRegex();

    // `//` comments at the start of a line or after whitespace (so 'https://...' in strings survives).
    [GeneratedRegex(@"(^|[ \t])//.*$", RegexOptions.Multiline)]
    private static partial Regex LineCommentRegex();

    [GeneratedRegex(@"^\s*module\s+\w+\s+'([^']+)'", RegexOptions.Multiline)]
    private static partial Regex ModuleRegex();

    [GeneratedRegex(@"^\s*param\s+(?<name>\w+)\s+(?<type>[\w.]+\??)(?<default>\s*=)?", RegexOptions.Multiline)]
    private static partial Regex ParamRegex();

    [GeneratedRegex(@"^\s*output\s+(\w+)\s", RegexOptions.Multiline)]
    private static partial Regex OutputRegex();

    // The role of an assignment whose scope is the SignalR Service.
    [GeneratedRegex(@"scope: signalR\s+properties: \{\s+roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', roles\.(\w+)\)")]
    private static partial Regex SignalRRoleAssignmentRegex();

    /// <summary>A setting the code binds: the keys Bicep must set for it and the key the local sample must list.</summary>
    private sealed record RequiredSetting(string Name, string[] BicepKeys, string? SampleKey, bool IsCollection = false);
}
