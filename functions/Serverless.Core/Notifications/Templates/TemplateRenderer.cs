using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Serverless.Core.Notifications.Templates;

/// <summary>Fills <c>{{placeholders}}</c> (dotted paths into the event's <c>data</c>) in a single pass; never throws on odd templates.</summary>
public static class TemplateRenderer
{
    private const string Open = "{{";
    private const string Close = "}}";

    /// <summary>Renders a template's title and body; values are HTML-escaped only for the email channel.</summary>
    public static RenderedNotification Render(NotificationTemplate template, JsonElement? data)
    {
        ArgumentNullException.ThrowIfNull(template);
        var htmlEscape = template.Channel == NotificationChannel.Email;
        return new RenderedNotification(Render(template.Title, data, htmlEscape), Render(template.Body, data, htmlEscape));
    }

    /// <summary>
    /// Replaces each <c>{{path}}</c> with the value at that path in <paramref name="data"/>: strings as-is, numbers and booleans as
    /// their JSON text, anything missing, null, an object or an array as nothing. Text that is not a well-formed placeholder stays as written.
    /// </summary>
    public static string Render(string template, JsonElement? data, bool htmlEscape)
    {
        if (string.IsNullOrEmpty(template))
        {
            return string.Empty;
        }

        var open = template.IndexOf(Open, StringComparison.Ordinal);
        if (open < 0)
        {
            return template;
        }

        var builder = new StringBuilder(template.Length + 64);
        var copiedUpTo = 0;
        while (open >= 0)
        {
            var close = template.IndexOf(Close, open + Open.Length, StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }

            var path = template.AsSpan(open + Open.Length, close - open - Open.Length).Trim();
            if (!IsPlaceholderPath(path))
            {
                // Not a placeholder (e.g. "{{{x}}}" or "{{a {{b}}"): keep this brace literally and look again one character on,
                // so an inner well-formed placeholder is still found.
                open = template.IndexOf(Open, open + 1, StringComparison.Ordinal);
                continue;
            }

            builder.Append(template, copiedUpTo, open - copiedUpTo);
            if (TryResolve(data, path, out var value))
            {
                AppendValue(builder, value, htmlEscape);
            }

            copiedUpTo = close + Close.Length;
            // Substituted values are never re-scanned, so data containing "{{...}}" cannot inject placeholders.
            open = template.IndexOf(Open, copiedUpTo, StringComparison.Ordinal);
        }

        builder.Append(template, copiedUpTo, template.Length - copiedUpTo);
        return builder.ToString();
    }

    private static bool IsPlaceholderPath(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty || path[0] == '.' || path[^1] == '.')
        {
            return false;
        }

        var previous = '\0';
        foreach (var c in path)
        {
            var allowed = char.IsAsciiLetterOrDigit(c) || c is '_' or '-' || (c == '.' && previous != '.');
            if (!allowed)
            {
                return false;
            }

            previous = c;
        }

        return true;
    }

    private static bool TryResolve(JsonElement? data, ReadOnlySpan<char> path, out JsonElement value)
    {
        value = default;
        if (data is not { ValueKind: JsonValueKind.Object } current)
        {
            return false;
        }

        foreach (var range in path.Split('.'))
        {
            var segment = path[range];
            switch (current.ValueKind)
            {
                case JsonValueKind.Object when current.TryGetProperty(segment, out var property):
                    current = property;
                    break;
                case JsonValueKind.Array
                    when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                         && index < current.GetArrayLength():
                    current = current[index];
                    break;
                default:
                    return false;
            }
        }

        value = current;
        return true;
    }

    private static void AppendValue(StringBuilder builder, JsonElement value, bool htmlEscape)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                AppendText(builder, value.GetString(), htmlEscape);
                break;
            case JsonValueKind.Number:
                // The raw JSON text keeps the sender's formatting (no culture, no float round-tripping).
                builder.Append(value.GetRawText());
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                // Null, objects and arrays have no sensible text in a sentence.
                break;
        }
    }

    private static void AppendText(StringBuilder builder, string? text, bool htmlEscape)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (!htmlEscape || text.AsSpan().IndexOfAny("<>&\"'") < 0)
        {
            builder.Append(text);
            return;
        }

        foreach (var c in text)
        {
            _ = c switch
            {
                '<' => builder.Append("&lt;"),
                '>' => builder.Append("&gt;"),
                '&' => builder.Append("&amp;"),
                '"' => builder.Append("&quot;"),
                '\'' => builder.Append("&#39;"),
                _ => builder.Append(c),
            };
        }
    }
}
