using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Serverless.Core.Http;

/// <summary>Reads JSON bodies with a size limit, so a huge body is refused before it is buffered.</summary>
public static class RequestBody
{
    public const int DefaultMaxBytes = 64 * 1024;

    /// <summary>Reads the whole body (at most <paramref name="maxBytes"/>) or throws 413 PAYLOAD_TOO_LARGE.</summary>
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, int maxBytes = DefaultMaxBytes, CancellationToken cancellationToken = default)
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, int maxBytes = DefaultMaxBytes, CancellationToken cancellationToken = default)
        where T : class
    {
        var bytes = await ReadBytesAsync(request, maxBytes, cancellationToken);
        return ParseJson<T>(bytes);
    }

    /// <summary>
    /// The body as a JSON document, for handlers that check each field's JSON type themselves (so a wrong type is a 400
    /// naming the field rather than a deserializer's message): 400 INVALID_JSON when empty or not JSON.
    /// </summary>
    public static JsonDocument ParseDocument(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            throw ApiException.BadRequest("INVALID_JSON", "A JSON request body is required.");
        }

        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("INVALID_JSON", "The request body is not valid JSON.");
        }
    }

    public static T ParseJson<T>(ReadOnlySpan<byte> bytes)
        where T : class
    {
        if (bytes.IsEmpty)
        {
            throw ApiException.BadRequest("INVALID_JSON", "A JSON request body is required.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(bytes, ApiJson.Options)
                   ?? throw ApiException.BadRequest("INVALID_JSON", "A JSON request body is required.");
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("INVALID_JSON", "The request body is not valid JSON for this operation.");
        }
    }

    private static ApiException TooLarge(int maxBytes) =>
        new(413, "PAYLOAD_TOO_LARGE", $"The request body is larger than {maxBytes / 1024} KiB.");
}
