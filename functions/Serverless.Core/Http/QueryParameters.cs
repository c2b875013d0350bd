using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Serverless.Core.Http;

/// <summary>Query-string parsing that answers 400 VALIDATION_ERROR naming the parameter, never a 500.</summary>
public static class QueryParameters
{
    public static int Limit(HttpRequest request, int defaultValue, int max, string name = "limit")
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return defaultValue;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'{name}' must be a whole number from 1 to {max}.");
        }

        return value;
    }

    public static int? OptionalInt(HttpRequest request, string name, int min, int max)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'{name}' must be a whole number from {min} to {max}.");
        }

        return value;
    }

    public static long? OptionalLong(HttpRequest request, string name, long min)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        if (!long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'{name}' must be a whole number of at least {min}.");
        }

        return value;
    }

    public static bool? OptionalBool(HttpRequest request, string name)
    {
        var raw = request.Query[name].ToString();
        return raw.Length == 0 ? null
            : bool.TryParse(raw, out var value) ? value
            : throw ApiException.BadRequest("VALIDATION_ERROR", $"'{name}' must be true or false.");
    }

    public static DateTimeOffset? OptionalTime(HttpRequest request, string name)
    {
        var raw = request.Query[name].ToString();
        return raw.Length == 0 ? null
            : DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value
            : throw ApiException.BadRequest("VALIDATION_ERROR", $"'{name}' must be an ISO 8601 date-time.");
    }

    public static string? OptionalString(HttpRequest request, string name, int maxLength = 200)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        return raw.Length <= maxLength && !raw.Any(char.IsControl)
            ? raw
            : throw ApiException.BadRequest("VALIDATION_ERROR", $"'{name}' must be at most {maxLength} printable characters.");
    }
}
