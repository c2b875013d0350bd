using System.Collections.Frozen;
using System.Text.Json;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Core.Channels;

/// <summary>
/// Each template's default delivery channels (<c>"channels"</c> in notification-templates.json), in-app always among them.
/// Read beside <see cref="TemplateCatalog"/> rather than inside it, so the catalogue's own shape stays as it is.
/// </summary>
public sealed class TemplateChannels
{
    private readonly FrozenDictionary<string, IReadOnlyList<string>> _defaults;
    private readonly TemplateCatalog _catalog;

    private TemplateChannels(TemplateCatalog catalog, FrozenDictionary<string, IReadOnlyList<string>> defaults)
    {
        _catalog = catalog;
        _defaults = defaults;
    }

    public TemplateCatalog Catalog => _catalog;

    public static TemplateChannels LoadEmbedded(TemplateCatalog catalog)
    {
        using var stream = typeof(TemplateCatalog).Assembly.GetManifestResourceStream(TemplateCatalog.EmbeddedResourceName)
            ?? throw new InvalidOperationException("The embedded notification template catalogue is missing.");
        using var reader = new StreamReader(stream);
        return Parse(catalog, reader.ReadToEnd());
    }

    /// <summary>Parses the <c>channels</c> lists; a template without one defaults to in-app only.</summary>
    public static TemplateChannels Parse(TemplateCatalog catalog, string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var defaults = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            IReadOnlyList<string> channels = [ChannelNames.Web];
            if (entry.Value.TryGetProperty("channels", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidOperationException($"Notification template '{entry.Name}' has a 'channels' that is not a list.");
                }

                var parsed = new List<string>();
                foreach (var item in list.EnumerateArray())
                {
                    var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
                    if (!ChannelNames.IsKnown(name) || parsed.Contains(name))
                    {
                        throw new InvalidOperationException($"Notification template '{entry.Name}' lists an unknown or repeated channel.");
                    }

                    parsed.Add(name);
                }

                if (!parsed.Contains(ChannelNames.Web))
                {
                    throw new InvalidOperationException($"Notification template '{entry.Name}' must list the in-app channel 'web' among its channels.");
                }

                channels = parsed;
            }

            defaults[entry.Name] = channels;
        }

        return new TemplateChannels(catalog, defaults.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public IReadOnlyList<string> DefaultsFor(string type) => _defaults.TryGetValue(type, out var channels) ? channels : [ChannelNames.Web];

    public bool IsCritical(string type) => _catalog.TryGet(type, out var template) && template.Priority == NotificationPriority.Critical;
}

/// <summary>The wire names of the delivery channels and of delivery statuses.</summary>
public static class ChannelNames
{
    public const string Web = "web";
    public const string Email = "email";
    public const string Sms = "sms";
    public const string MobilePush = "mobile_push";

    public static readonly IReadOnlyList<string> All = [Web, Email, Sms, MobilePush];

    public static bool IsKnown([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? name) => name is Web or Email or Sms or MobilePush;
}

public static class DeliveryStatuses
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Held = "held";
}
