using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Storage;

/// <summary>Builds the Shared Key strings-to-sign (Blob/Queue and Table flavours) and signs them with HMAC-SHA256.</summary>
internal static class SharedKeySigner
{
    /// <summary>Blob and Queue: VERB, the standard headers, canonicalized x-ms-* headers and the canonicalized resource.</summary>
    public static string BuildBlobQueueStringToSign(
        string method, Uri uri, IEnumerable<KeyValuePair<string, string>> headers, long? contentLength, string accountName)
    {
        var headerList = headers.ToList();
        string Header(string name)
        {
            var values = headerList.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
            return values.Count == 0 ? "" : string.Join(",", values);
        }

        var sb = new StringBuilder();
        sb.Append(method.ToUpperInvariant()).Append('\n');
        sb.Append(Header("Content-Encoding")).Append('\n');
        sb.Append(Header("Content-Language")).Append('\n');
        // Since 2015-02-21 a zero length is signed as the empty string.
        sb.Append(contentLength is > 0 ? contentLength.Value.ToString(CultureInfo.InvariantCulture) : "").Append('\n');
        sb.Append(Header("Content-MD5")).Append('\n');
        sb.Append(Header("Content-Type")).Append('\n');
        // Date stays empty: every request carries x-ms-date, which is signed among the canonicalized headers.
        sb.Append(Header("x-ms-date").Length > 0 ? "" : Header("Date")).Append('\n');
        sb.Append(Header("If-Modified-Since")).Append('\n');
        sb.Append(Header("If-Match")).Append('\n');
        sb.Append(Header("If-None-Match")).Append('\n');
        sb.Append(Header("If-Unmodified-Since")).Append('\n');
        sb.Append(Header("Range")).Append('\n');
        AppendCanonicalizedHeaders(sb, headerList);
        sb.Append(CanonicalizedBlobQueueResource(uri, accountName));
        return sb.ToString();
    }

    /// <summary>Table (Shared Key, not Lite): VERB, Content-MD5, Content-Type, date, and the resource with only the comp parameter.</summary>
    public static string BuildTableStringToSign(string method, Uri uri, string? contentMd5, string? contentType, string date, string accountName)
    {
        var resource = "/" + accountName + uri.AbsolutePath;
        var comp = ParseQuery(uri).FirstOrDefault(p => p.Name == "comp");
        if (comp.Name is not null)
        {
            resource += "?comp=" + comp.Value;
        }

        return string.Join('\n', method.ToUpperInvariant(), contentMd5 ?? "", contentType ?? "", date, resource);
    }

    public static string CanonicalizedBlobQueueResource(Uri uri, string accountName)
    {
        // For path-style (Azurite) URIs the path already starts with the account, hence "/account/account/container/blob".
        var sb = new StringBuilder("/").Append(accountName);
        sb.Append(uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath);
        foreach (var group in ParseQuery(uri).GroupBy(p => p.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append('\n').Append(group.Key).Append(':').Append(string.Join(",", group.Select(p => p.Value).Order(StringComparer.Ordinal)));
        }

        return sb.ToString();
    }

    public static string Sign(string stringToSign, byte[] key) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    private static void AppendCanonicalizedHeaders(StringBuilder sb, List<KeyValuePair<string, string>> headers)
    {
        var msHeaders = headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .GroupBy(h => h.Key.ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var header in msHeaders)
        {
            sb.Append(header.Key).Append(':').Append(string.Join(",", header.Select(h => h.Value.Trim()))).Append('\n');
        }
    }

    /// <summary>Query parameters, decoded, with lower-cased names (as the canonicalization rules require).</summary>
    private static IEnumerable<(string Name, string Value)> ParseQuery(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            yield break;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            yield return (Uri.UnescapeDataString(name).ToLowerInvariant(), Uri.UnescapeDataString(value));
        }
    }
}
