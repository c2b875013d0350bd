using System.Text.Json;
using System.Xml.Linq;
using Azure;

namespace Serverless.Storage;

/// <summary>Turns an error response into the matching exception, reading the error code from the header or the JSON/XML body.</summary>
internal static class StorageErrors
{
    public static StorageRequestFailedException Create(Response response, string operation)
    {
        var (code, message) = ReadCodeAndMessage(response);
        var text = $"{operation} failed with {response.Status} ({code ?? response.ReasonPhrase}){(message is null ? "" : ": " + FirstLine(message))}";
        return response.Status == 412
            ? new StorageConcurrencyException(response.Status, code, text)
            : new StorageRequestFailedException(response.Status, code, text);
    }

    public static (string? Code, string? Message) ReadCodeAndMessage(Response response)
    {
        response.Headers.TryGetValue("x-ms-error-code", out var headerCode);
        string? body = null;
        try
        {
            body = response.Content.ToString();
        }
        catch (InvalidOperationException)
        {
            // Streaming (unbuffered) responses: only the header is available.
        }

        var (bodyCode, message) = ParseBody(body);
        return (string.IsNullOrEmpty(headerCode) ? bodyCode : headerCode, message);
    }

    /// <summary>Reads the code and message from an OData JSON error or a storage XML error.</summary>
    public static (string? Code, string? Message) ParseBody(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        // Azure starts XML bodies with a byte-order mark, which TrimStart() alone keeps.
        var trimmed = body.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        try
        {
            if (trimmed.StartsWith('{'))
            {
                using var json = JsonDocument.Parse(trimmed);
                if (json.RootElement.TryGetProperty("odata.error", out var error))
                {
                    var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                    string? message = null;
                    if (error.TryGetProperty("message", out var m))
                    {
                        message = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.ToString();
                    }

                    return (code, message);
                }
            }
            else if (trimmed.StartsWith('<'))
            {
                var xml = XDocument.Parse(trimmed);
                var root = xml.Root;
                return (root?.Element("Code")?.Value, root?.Element("Message")?.Value);
            }
        }
        catch (JsonException)
        {
        }
        catch (System.Xml.XmlException)
        {
        }

        return (null, null);
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
