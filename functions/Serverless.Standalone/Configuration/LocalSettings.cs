using System.Text.Json;
using Serverless.Standalone.Development;

namespace Serverless.Standalone.Configuration;

/// <summary>
/// Reads the "Values" of local.settings.json (or, when absent, local.settings.sample.json) the way `func` does,
/// so one file configures both hosts. Keys use "__" for sections, as in app settings.
/// </summary>
public static class LocalSettings
{
    public static IReadOnlyDictionary<string, string?> Load(string contentRoot)
    {
        var path = Find(contentRoot);
        if (path is null)
        {
            return new Dictionary<string, string?>();
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in section.EnumerateObject())
            {
                values[property.Name.Replace("__", ":", StringComparison.Ordinal)] =
                    property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }

        return values;
    }

    /// <summary>local.settings.json, then the sample, next to the app or at the repository root.</summary>
    public static string? Find(string contentRoot)
    {
        var folders = new List<string> { contentRoot, AppContext.BaseDirectory };
        try
        {
            folders.Add(AzuriteProcess.FindRepositoryRoot());
        }
        catch (InvalidOperationException)
        {
            // Deployed without the repository: only the app folder counts.
        }

        foreach (var name in new[] { "local.settings.json", "local.settings.sample.json" })
        {
            foreach (var folder in folders)
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
