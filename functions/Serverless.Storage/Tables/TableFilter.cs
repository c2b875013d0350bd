using System.Globalization;
using System.Text;

namespace Serverless.Storage;

/// <summary>Builds OData filters with every interpolated value formatted as a literal, so values can never change the expression.</summary>
public static class TableFilter
{
    /// <summary>E.g. <c>TableFilter.Create($"PartitionKey eq {pk} and Count gt {5L}")</c>.</summary>
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var arguments = filter.GetArguments().Select(FormatLiteral).ToArray<object?>();
        return string.Format(CultureInfo.InvariantCulture, filter.Format, arguments);
    }

    /// <summary>One value as an OData literal.</summary>
    public static string FormatLiteral(object? value) => value switch
    {
        null => throw new ArgumentException("Null cannot be used in a table filter; compare with a concrete value.", nameof(value)),
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        char c => "'" + (c == '\'' ? "''" : c.ToString()) + "'",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d => FormatDouble(d),
        DateTimeOffset dto => "datetime'" + TableEntityJson.FormatDateTime(dto) + "'",
        DateTime dt => "datetime'" + TableEntityJson.FormatDateTime(dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(dt, TimeSpan.Zero) : new DateTimeOffset(dt.ToUniversalTime())) + "'",
        Guid g => "guid'" + g.ToString("D") + "'",
        byte[] bytes => "X'" + Convert.ToHexStringLower(bytes) + "'",
        BinaryData data => "X'" + Convert.ToHexStringLower(data.ToMemory().Span) + "'",
        _ => throw new ArgumentException($"A {value.GetType().Name} cannot be used in a table filter.", nameof(value)),
    };

    private static string FormatDouble(double d)
    {
        if (!double.IsFinite(d))
        {
            throw new ArgumentException("NaN and infinities cannot be used in a table filter.", nameof(d));
        }

        // A decimal point keeps the literal a double (1.0, not the Int32 1).
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    /// <summary>Escapes a key for the entity address <c>(PartitionKey='..',RowKey='..')</c>: quotes doubled, then URL-escaped.</summary>
    internal static string EscapeKeyForUrl(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    internal static string EntityAddress(string partitionKey, string rowKey) =>
        new StringBuilder("(PartitionKey='").Append(EscapeKeyForUrl(partitionKey)).Append("',RowKey='").Append(EscapeKeyForUrl(rowKey)).Append("')").ToString();
}
