using System.Text.Json;

namespace Serverless.Standalone.Hosting;

/// <summary>
/// The Functions app's host.json (copied next to this host's binaries by the project reference): the queue-trigger
/// settings come from its "extensions.queues", so both hosts poll, batch, retry and poison alike.
/// </summary>
public static class HostJsonSettings
{
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "host.json");

    /// <summary>Queue options from host.json, or the Functions defaults when it is absent; "Standalone:Queues" settings override either.</summary>
    public static QueueTriggerOptions LoadQueueOptions(IConfiguration configuration, string? path = null)
    {
        var options = new QueueTriggerOptions();
        path ??= DefaultPath;
        if (File.Exists(path))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("queues", out var queues))
            {
                foreach (var setting in queues.EnumerateObject())
                {
                    Apply(options, setting, path);
                }
            }
        }

        configuration.GetSection(QueueTriggerOptions.SectionName).Bind(options);
        return options;
    }

    private static void Apply(QueueTriggerOptions options, JsonProperty setting, string path)
    {
        TimeSpan Time() => TimeSpan.TryParse(setting.Value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{path}: extensions.queues.{setting.Name} is not a time span.");

        switch (setting.Name.ToLowerInvariant())
        {
            case "batchsize":
                options.BatchSize = setting.Value.GetInt32();
                break;
            case "newbatchthreshold":
                options.NewBatchThreshold = setting.Value.GetInt32();
                break;
            case "maxdequeuecount":
                options.MaxDequeueCount = setting.Value.GetInt32();
                break;
            case "maxpollinginterval":
                options.MaxPollingInterval = Time();
                break;
            case "visibilitytimeout":
                options.VisibilityTimeout = Time();
                break;
            case "messageencoding" when !string.Equals(setting.Value.GetString(), "base64", StringComparison.OrdinalIgnoreCase):
                throw new InvalidOperationException($"{path}: extensions.queues.messageEncoding must be base64, which is what the app's queue clients write.");
        }
    }
}
