using System.Text;

namespace Serverless.Storage;

/// <summary>
/// Text longer than one Table property allows (64 KiB, i.e. 32K UTF-16 characters) stored across numbered properties
/// Name, Name1, Name2, ... An entity may hold up to 1 MiB, so a few such parts fit comfortably.
/// </summary>
public static class TableEntityTextExtensions
{
    private const int PartLength = 30_000;

    public static void SetLongString(this TableEntity entity, string name, string value)
    {
        for (int offset = 0, part = 0; offset < value.Length || part == 0; offset += PartLength, part++)
        {
            entity[PartName(name, part)] = value.Substring(offset, Math.Min(PartLength, value.Length - offset));
        }
    }

    public static string? GetLongString(this TableEntity entity, string name)
    {
        var first = entity.GetString(name);
        if (first is null || first.Length < PartLength)
        {
            return first;
        }

        var builder = new StringBuilder(first);
        for (var part = 1; entity.GetString(PartName(name, part)) is { } text; part++)
        {
            builder.Append(text);
        }

        return builder.ToString();
    }

    private static string PartName(string name, int part) => part == 0 ? name : name + part.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
