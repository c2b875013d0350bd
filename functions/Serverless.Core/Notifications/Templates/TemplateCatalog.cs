using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Serverless.Core.Notifications.Templates;

/// <summary>The validated catalogue of notification templates, keyed by notification type (e.g. <c>task.assigned</c>).</summary>
public sealed class TemplateCatalog
{
    internal const string EmbeddedResourceName = "Serverless.Core.Notifications.Templates.notification-templates.json";

    // The embedded catalogue never changes at run time, so it is parsed and validated once per process.
    private static readonly Lazy<TemplateCatalog> Embedded = new(ReadEmbedded);

    private readonly FrozenDictionary<string, NotificationTemplate> _templates;

    private TemplateCatalog(FrozenDictionary<string, NotificationTemplate> templates) => _templates = templates;

    public IReadOnlyCollection<string> Types => _templates.Keys;

    /// <summary>The catalogue shipped inside Serverless.Core (<c>notification-templates.json</c>).</summary>
    public static TemplateCatalog LoadEmbedded() => Embedded.Value;

    /// <summary>Parses and validates a catalogue; throws <see cref="InvalidOperationException"/> naming the first bad type.</summary>
    public static TemplateCatalog Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException("The notification template catalogue is not valid JSON.", exception);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidOperationException("The notification template catalogue must be a JSON object keyed by notification type.");
            }

            var templates = new Dictionary<string, NotificationTemplate>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                var template = ParseEntry(entry.Name, entry.Value);
                // JSON allows duplicate keys; silently keeping the last one would hide an editing mistake.
                if (!templates.TryAdd(entry.Name, template))
                {
                    throw new InvalidOperationException($"Notification type '{entry.Name}' is defined more than once.");
                }
            }

            return new TemplateCatalog(templates.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }

    public bool TryGet(string type, [NotNullWhen(true)] out NotificationTemplate? template)
    {
        if (type is null)
        {
            template = null;
            return false;
        }

        return _templates.TryGetValue(type, out template);
    }

    private static NotificationTemplate ParseEntry(string type, JsonElement entry)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            throw new InvalidOperationException("A notification template has an empty type.");
        }

        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(type, "must be an object");
        }

        var title = RequiredText(type, entry, "title");
        var body = RequiredText(type, entry, "body");

        if (!NotificationWireNames.TryParsePriority(OptionalString(entry, "priority"), out var priority))
        {
            throw Invalid(type, "needs a priority of low, normal, high or critical");
        }

        if (!NotificationWireNames.TryParseChannel(OptionalString(entry, "channel"), out var channel))
        {
            throw Invalid(type, "needs a channel of web, email, sms or mobile_push");
        }

        if (!entry.TryGetProperty("ttlSeconds", out var ttl)
            || ttl.ValueKind != JsonValueKind.Number
            || !ttl.TryGetInt32(out var ttlSeconds)
            || ttlSeconds <= 0)
        {
            throw Invalid(type, "needs a whole-number ttlSeconds greater than zero");
        }

        var isInternal = false;
        if (entry.TryGetProperty("internal", out var flag))
        {
            isInternal = flag.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Invalid(type, "has an 'internal' that is not true or false"),
            };
        }

        return new NotificationTemplate(type, title, body, priority, channel, ttlSeconds, isInternal);
    }

    private static string RequiredText(string type, JsonElement entry, string property)
    {
        var value = OptionalString(entry, property);
        return string.IsNullOrWhiteSpace(value) ? throw Invalid(type, $"needs a non-empty {property}") : value;
    }

    private static string? OptionalString(JsonElement entry, string property) =>
        entry.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static InvalidOperationException Invalid(string type, string problem) =>
        new($"Notification template '{type}' {problem}.");

    private static TemplateCatalog ReadEmbedded()
    {
        using var stream = typeof(TemplateCatalog).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{EmbeddedResourceName}' is missing from {typeof(TemplateCatalog).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
