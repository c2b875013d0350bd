using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Core.Http;

namespace Serverless.Core.Channels;

/// <summary>
/// What one user wants: per-channel switches, per-type channel lists (absent: the template's default; null: "off"),
/// quiet hours in an IANA time zone, and a digest for low and normal priority email.
/// </summary>
public sealed record NotificationPreferences(
    IReadOnlyDictionary<string, bool> Channels,
    IReadOnlyDictionary<string, IReadOnlyList<string>?> Types,
    QuietHours? QuietHours,
    DigestPreference Digest)
{
    public const int MaxDocumentBytes = 32 * 1024;

    public static readonly NotificationPreferences Default = new(
        ChannelNames.All.ToDictionary(c => c, _ => true),
        new Dictionary<string, IReadOnlyList<string>?>(),
        null,
        new DigestPreference(DigestPreference.Off, 8));

    public bool ChannelOn(string channel) => !Channels.TryGetValue(channel, out var on) || on;

    /// <summary>The document as the API shows it (types: a channel list or "off").</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("channels");
            foreach (var channel in ChannelNames.All)
            {
                writer.WriteBoolean(channel, ChannelOn(channel));
            }

            writer.WriteEndObject();
            writer.WriteStartObject("types");
            foreach (var (type, channels) in Types.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                if (channels is null)
                {
                    writer.WriteString(type, "off");
                }
                else
                {
                    writer.WriteStartArray(type);
                    foreach (var channel in channels)
                    {
                        writer.WriteStringValue(channel);
                    }

                    writer.WriteEndArray();
                }
            }

            writer.WriteEndObject();
            if (QuietHours is { } quiet)
            {
                writer.WriteStartObject("quietHours");
                writer.WriteString("start", quiet.Start.ToString("HH:mm", CultureInfo.InvariantCulture));
                writer.WriteString("end", quiet.End.ToString("HH:mm", CultureInfo.InvariantCulture));
                writer.WriteString("timeZone", quiet.TimeZoneId);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("quietHours");
            }

            writer.WriteStartObject("digest");
            writer.WriteString("frequency", Digest.Frequency);
            writer.WriteNumber("hour", Digest.Hour);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Parses and validates a PUT body against the template catalogue: 400 VALIDATION_ERROR for a malformed document,
    /// 400 PREFERENCE_LOCKED for switching off or dropping in-app from a critical template.
    /// </summary>
    public static NotificationPreferences Parse(ReadOnlySpan<byte> json, TemplateChannels templates, bool stored = false)
    {
        using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("The preferences must be a JSON object.");
        }

        var channels = ChannelNames.All.ToDictionary(c => c, _ => true);
        var types = new Dictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal);
        QuietHours? quiet = null;
        var digest = Default.Digest;

        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "channels":
                    ParseChannels(property.Value, channels);
                    break;
                case "types":
                    ParseTypes(property.Value, types, templates, stored);
                    break;
                case "quietHours":
                    quiet = property.Value.ValueKind == JsonValueKind.Null ? null : ParseQuietHours(property.Value);
                    break;
                case "digest":
                    digest = ParseDigest(property.Value);
                    break;
                default:
                    throw Invalid($"Unknown property '{Truncate(property.Name)}'; expected channels, types, quietHours and digest.");
            }
        }

        return new NotificationPreferences(channels, types, quiet, digest);
    }

    /// <summary>Reads a document this class wrote; anything unreadable falls back to the defaults rather than failing delivery.</summary>
    public static NotificationPreferences FromStored(string? json, TemplateChannels templates)
    {
        if (string.IsNullOrEmpty(json))
        {
            return Default;
        }

        try
        {
            return Parse(Encoding.UTF8.GetBytes(json), templates, stored: true);
        }
        catch (Exception ex) when (ex is ApiException or JsonException)
        {
            // Only a hand-edited row gets here; delivery goes on with the defaults rather than failing.
            return Default;
        }
    }

    private static void ParseChannels(JsonElement value, Dictionary<string, bool> channels)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("'channels' must be an object of channel: true|false.");
        }

        foreach (var channel in value.EnumerateObject())
        {
            if (!ChannelNames.IsKnown(channel.Name))
            {
                throw Invalid($"Unknown channel '{Truncate(channel.Name)}'; channels are web, email, sms and mobile_push.");
            }

            if (channel.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw Invalid($"'channels.{channel.Name}' must be true or false.");
            }

            if (channel.Name == ChannelNames.Web && channel.Value.ValueKind == JsonValueKind.False)
            {
                // The inbox is the truth every client reads; it cannot be switched off.
                throw Locked("The in-app channel 'web' cannot be switched off.");
            }

            channels[channel.Name] = channel.Value.GetBoolean();
        }
    }

    private static void ParseTypes(JsonElement value, Dictionary<string, IReadOnlyList<string>?> types, TemplateChannels templates, bool stored)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("'types' must be an object of notification type: [channels] | \"off\".");
        }

        foreach (var entry in value.EnumerateObject())
        {
            if (!templates.Catalog.TryGet(entry.Name, out _))
            {
                if (stored)
                {
                    continue; // The template was removed since the PUT; the rest of the document still holds.
                }

                throw Invalid($"Unknown notification type '{Truncate(entry.Name)}'.");
            }

            // A template made critical since the PUT: its stored entry no longer applies (critical uses the defaults).
            var critical = templates.IsCritical(entry.Name);
            if (critical && stored)
            {
                continue;
            }

            if (entry.Value.ValueKind == JsonValueKind.String && entry.Value.GetString() == "off")
            {
                if (critical)
                {
                    throw Locked($"'{entry.Name}' is critical and cannot be switched off.");
                }

                types[entry.Name] = null;
                continue;
            }

            if (entry.Value.ValueKind != JsonValueKind.Array)
            {
                throw Invalid($"'types.{entry.Name}' must be a list of channels or \"off\".");
            }

            var list = new List<string>();
            foreach (var item in entry.Value.EnumerateArray())
            {
                var channel = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
                if (!ChannelNames.IsKnown(channel))
                {
                    throw Invalid($"'types.{entry.Name}' lists an unknown channel; channels are web, email, sms and mobile_push.");
                }

                if (!list.Contains(channel))
                {
                    list.Add(channel);
                }
            }

            if (critical && !list.Contains(ChannelNames.Web))
            {
                throw Locked($"'{entry.Name}' is critical: it is always delivered in-app, so 'web' cannot be dropped.");
            }

            types[entry.Name] = list;
        }
    }

    private static QuietHours ParseQuietHours(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("'quietHours' must be {start, end, timeZone} or null.");
        }

        var start = ParseTime(value, "start");
        var end = ParseTime(value, "end");
        var zoneId = value.TryGetProperty("timeZone", out var zone) && zone.ValueKind == JsonValueKind.String ? zone.GetString() : null;
        if (string.IsNullOrWhiteSpace(zoneId) || zoneId.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var timeZone))
        {
            throw Invalid("'quietHours.timeZone' must be an IANA time zone such as Europe/Paris.");
        }

        if (start == end)
        {
            throw Invalid("'quietHours.start' and 'end' must differ.");
        }

        foreach (var property in value.EnumerateObject())
        {
            if (property.Name is not ("start" or "end" or "timeZone"))
            {
                throw Invalid($"Unknown property 'quietHours.{Truncate(property.Name)}'.");
            }
        }

        return new QuietHours(start, end, zoneId, timeZone);
    }

    private static TimeOnly ParseTime(JsonElement value, string name)
    {
        var text = value.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (text is not { Length: 5 } || !TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw Invalid($"'quietHours.{name}' must be a time of day as HH:mm.");
        }

        return time;
    }

    private static DigestPreference ParseDigest(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("'digest' must be {frequency, hour}.");
        }

        var frequency = value.TryGetProperty("frequency", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        if (frequency is not (DigestPreference.Off or DigestPreference.Hourly or DigestPreference.Daily))
        {
            throw Invalid("'digest.frequency' must be off, hourly or daily.");
        }

        var hour = 8;
        if (value.TryGetProperty("hour", out var h))
        {
            if (h.ValueKind != JsonValueKind.Number || !h.TryGetInt32(out hour) || hour is < 0 or > 23)
            {
                throw Invalid("'digest.hour' must be a whole hour from 0 to 23.");
            }
        }

        foreach (var property in value.EnumerateObject())
        {
            if (property.Name is not ("frequency" or "hour"))
            {
                throw Invalid($"Unknown property 'digest.{Truncate(property.Name)}'.");
            }
        }

        return new DigestPreference(frequency, hour);
    }

    private static ApiException Invalid(string message) => ApiException.BadRequest("VALIDATION_ERROR", message);

    private static ApiException Locked(string message) => ApiException.BadRequest("PREFERENCE_LOCKED", message);

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64];
}

/// <summary>A daily quiet window in the user's time zone; it may wrap midnight (22:00–07:00).</summary>
public sealed record QuietHours(TimeOnly Start, TimeOnly End, string TimeZoneId, TimeZoneInfo TimeZone)
{
    public bool IsQuiet(DateTimeOffset now)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZone).DateTime);
        return Start < End ? local >= Start && local < End : local >= Start || local < End;
    }

    /// <summary>The first instant at or after <paramref name="now"/> when the window ends.</summary>
    public DateTimeOffset EndsAfter(DateTimeOffset now) => ChannelClock.NextLocal(now, End, TimeZone);
}

/// <summary>How low and normal priority email is batched: off (sent one by one), hourly, or daily at <see cref="Hour"/>.</summary>
public sealed record DigestPreference(string Frequency, int Hour)
{
    public const string Off = "off";
    public const string Hourly = "hourly";
    public const string Daily = "daily";
}

/// <summary>Wall-clock arithmetic in IANA zones (tzdata from the OS; no ICU needed, so InvariantGlobalization is fine).</summary>
public static class ChannelClock
{
    /// <summary>The next instant strictly after <paramref name="now"/> whose local time in <paramref name="zone"/> is <paramref name="time"/>.</summary>
    public static DateTimeOffset NextLocal(DateTimeOffset now, TimeOnly time, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        for (var day = 0; day <= 2; day++)
        {
            var candidate = DateOnly.FromDateTime(local.DateTime).AddDays(day).ToDateTime(time, DateTimeKind.Unspecified);
            if (zone.IsInvalidTime(candidate))
            {
                // Skipped by a spring-forward: the wall clock jumps past it, so the hour after is the first real instant.
                candidate = candidate.AddHours(1);
            }

            var utc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(candidate, zone), TimeSpan.Zero);
            if (utc > now)
            {
                return utc;
            }
        }

        return now.AddDays(1);
    }
}
